#!/usr/bin/env bash
# Benchmark of the scenario driver against the local provider's API server (make bench):
# the knee (the highest ConfigMap update rate sustained for 30 s with under 1 % errors and
# at least 95 % of the intended rate achieved), found by doubling from 50/s and then
# bisecting between the last good and the first bad rate (a rate is bad when two runs of
# it fail: the machine is shared); the server's saturation point as the driver measured
# it; achieved rate at 400/s and 800/s intended (an overloaded server must not make the
# driver achieve less at 800 than at 400); how late updates leave; the driver's CPU and
# RSS; and a plain kubectl loop for comparison.
# Usage: update-rate.sh [RATE...]   (rates given: only those, no search)
# LOADTEST_SCENARIO_BIN runs another build of bin/scenario (to compare two builds).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LOADTEST_BIN:-$root/bin}
scenario_bin=${LOADTEST_SCENARIO_BIN:-$bin/scenario}
rates=("$@")
work=$(mktemp -d)
export LOADTEST_STATE="$work/state"
name="bench-$$"
trap '"$bin/kindctl" --provider local delete --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

say() { printf 'bench: %s\n' "$*" >&2; }

say "creating cluster $name"
kc=$("$bin/kindctl" --provider local create --name "$name")
export KUBECONFIG=$kc

# scenario RATE: 1,000 ConfigMaps (so that writers rarely race for one object and the
# numbers measure the driver and the server, not 409s), 10 writers sharing RATE updates/s,
# a 30 s update phase.
scenario() {
	local rate=$1 every
	every=$(awk -v r="$rate" 'BEGIN { printf "%.6f", 10 / r }')
	cat >"$work/bench.yaml" <<-EOF
		id: bench
		description: "bench: $rate ConfigMap updates/s"
		namespaces: [ loadtest-bench ]
		objects:
		  - { kind: ConfigMap, name: "bench-cm-{i}", count: 1000, data: { key: v } }
		updates:
		  - { every: $every, writers: 10, targets: [ { kind: ConfigMap, name: "bench-cm-{i}" } ], pick: random }
		phase: { minus: 0s }
	EOF
}

declare -A achieved_at good_at
saturation=()
# measure RATE: one 30 s run; prints its row; records whether it was good.
measure() {
	local rate=$1 u s m r achieved intended failed pct p50 p99 sat
	scenario "$rate"
	/usr/bin/time -f '%U %S %M' -o "$work/time" "$scenario_bin" --scenario "$work/bench.yaml" --duration 30 \
		--out "$work/run.json" --no-progress --quiet 0 --settle-timeout 5 --max-inflight 256 2>"$work/err" || true
	# (time prints "Command exited with non-zero status" first when the run missed its rate.)
	read -r u s m < <(tail -n 1 "$work/time")
	r="$work/run.json"
	if [ ! -f "$r" ]; then
		say "no run.json at $rate/s: $(head -c 300 "$work/err")"
		good_at[$rate]=0
		return 0
	fi
	achieved=$(jq -r '.updates.rate_achieved // 0' "$r")
	intended=$(jq -r '.updates.intended' "$r")
	failed=$(jq -r '.updates.failed' "$r")
	pct=$(awk -v f="$failed" -v i="$intended" 'BEGIN { printf "%.2f", i ? 100 * f / i : 0 }')
	p50=$(jq -r '(.updates.lateness_seconds.p50 // 0) * 1000 | floor' "$r")
	p99=$(jq -r '(.updates.lateness_seconds.p99 // 0) * 1000 | floor' "$r")
	sat=$(jq -r '.updates.saturated_at_per_second // empty | . * 10 | floor / 10' "$r")
	printf '%-8s %10.1f %8s %-28s %11s %11s %8s %7.1f %7.1f %s\n' "$rate" "$achieved" "$pct" \
		"$(jq -c '.updates.failed_by_kind' "$r")" "$p50" "$p99" \
		"$(jq -r '.updates.inflight_window.final // "-"' "$r")" "$(echo "$u + $s" | bc)" \
		"$(echo "$m / 1024" | bc -l)" "${sat:+saturated at $sat/s}"
	[ -z "$sat" ] || saturation+=("$rate:$sat")
	achieved_at[$rate]=$achieved
	if awk -v a="$achieved" -v r="$rate" -v p="$pct" 'BEGIN { exit !(a >= 0.95 * r && p < 1) }'; then
		good_at[$rate]=1
	else
		good_at[$rate]=0
	fi
}

printf '%-8s %10s %8s %-28s %11s %11s %8s %7s %7s\n' rate/s achieved failed% errors late_p50_ms late_p99_ms window cpu_s rss_mb
if [ "${#rates[@]}" -gt 0 ]; then
	for rate in "${rates[@]}"; do
		measure "$rate"
	done
else
	# Doubling until a rate is not sustained, then bisection down to a 10 % gap.
	# A rate is bad when it fails twice: one slow run (the machine is shared) does not
	# end the search.
	good=0 bad=0 rate=50
	while [ "$rate" -le 6400 ]; do
		measure "$rate"
		[ "${good_at[$rate]}" = 1 ] || measure "$rate"
		if [ "${good_at[$rate]}" = 1 ]; then good=$rate; else bad=$rate; break; fi
		rate=$((rate * 2))
	done
	while [ "$bad" -gt 0 ] && [ $((bad - good)) -gt $((good / 10 > 10 ? good / 10 : 10)) ]; do
		rate=$(((good + bad) / 2))
		measure "$rate"
		[ "${good_at[$rate]}" = 1 ] || measure "$rate"
		if [ "${good_at[$rate]}" = 1 ]; then good=$rate; else bad=$rate; fi
	done
	for rate in 400 800; do
		[ -n "${achieved_at[$rate]:-}" ] || measure "$rate"
	done
	if [ "$bad" -eq 0 ]; then
		echo "knee: above $good/s (every rate up to $good/s sustained)"
	else
		echo "knee: $good/s (highest rate with < 1 % errors and >= 95 % of intended achieved; $bad/s was not)"
	fi
	printf 'achieved at 400/s intended: %.1f/s; at 800/s intended: %.1f/s\n' "${achieved_at[400]}" "${achieved_at[800]}"
fi
# The saturation point as the driver measured it in the most overloaded run (the highest
# rate intended): what the server answered while updates were held back.
if [ "${#saturation[@]}" -gt 0 ]; then
	top=$(printf '%s\n' "${saturation[@]}" | sort -t: -k1,1n | tail -n 1)
	echo "API server saturated at ${top#*:} updates/s (measured at ${top%%:*}/s intended; every saturated run, intended:measured: ${saturation[*]})"
fi

# The same updates from a plain kubectl loop, for 30 s.
kubectl create namespace loadtest-kubectl >/dev/null
for i in $(seq 0 49); do kubectl -n loadtest-kubectl create configmap "cm-$i" --from-literal=key=v >/dev/null; done
n=0
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ]; do
	kubectl -n loadtest-kubectl patch configmap "cm-$((RANDOM % 50))" --type merge -p "{\"data\":{\"key\":\"v$n\"}}" >/dev/null
	n=$((n + 1))
done
echo "kubectl loop: $(awk -v n="$n" 'BEGIN { printf "%.1f", n / 30 }') updates/s"
