#!/usr/bin/env bash
# Benchmark of the scenario driver against the local provider's API server (make bench):
# the highest ConfigMap update rate it sustains for 30 s with under 1 % errors, how late
# updates leave at 100/s, the driver's CPU and RSS, and a plain kubectl loop for comparison.
# Usage: update-rate.sh [RATE...]   (default: 50 100 200 400 800 1600)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LOADTEST_BIN:-$root/bin}
rates=("$@")
[ "${#rates[@]}" -gt 0 ] || rates=(50 100 200 400 800 1600)
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

printf '%-8s %10s %10s %8s %12s %12s %8s %8s\n' rate/s achieved failed% errors late_p50_ms late_p99_ms cpu_s rss_mb
best=0
for rate in "${rates[@]}"; do
	scenario "$rate"
	/usr/bin/time -f '%U %S %M' -o "$work/time" "$bin/scenario" --scenario "$work/bench.yaml" --duration 30 \
		--out "$work/run.json" --no-progress --quiet 0 --settle-timeout 5 --max-inflight 256 || true
	# (time prints "Command exited with non-zero status" first when the run missed its rate.)
	read -r u s m < <(tail -n 1 "$work/time")
	r="$work/run.json"
	achieved=$(jq -r '.updates.rate_achieved // 0' "$r")
	intended=$(jq -r '.updates.intended' "$r")
	failed=$(jq -r '.updates.failed' "$r")
	pct=$(awk -v f="$failed" -v i="$intended" 'BEGIN { printf "%.2f", i ? 100 * f / i : 0 }')
	p50=$(jq -r '(.updates.lateness_seconds.p50 // 0) * 1000 | floor' "$r")
	p99=$(jq -r '(.updates.lateness_seconds.p99 // 0) * 1000 | floor' "$r")
	printf '%-8s %10.1f %10s %8s %12s %12s %8.1f %8.1f\n' "$rate" "$achieved" "$pct" \
		"$(jq -c '.updates.failed_by_kind' "$r")" "$p50" "$p99" "$(echo "$u + $s" | bc)" "$(echo "$m / 1024" | bc -l)"
	if awk -v a="$achieved" -v r="$rate" -v p="$pct" 'BEGIN { exit !(a >= 0.99 * r && p < 1) }'; then
		best=$rate
	fi
done
echo "highest sustained rate (>= 99 % of intended, < 1 % errors): $best/s"

# The same updates from a plain kubectl loop, for 30 s.
kubectl create namespace loadtest-kubectl >/dev/null
for i in $(seq 0 49); do kubectl -n loadtest-kubectl create configmap "cm-$i" --from-literal=key=v >/dev/null; done
n=0
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ]; do
	kubectl -n loadtest-kubectl patch configmap "cm-$((RANDOM % 50))" --type merge -p "{\"data\":{\"key\":\"v$n\"}}" >/dev/null
	n=$((n + 1))
done
kubectl_rate=$(awk -v n="$n" 'BEGIN { printf "%.1f", n / 30 }')
echo "kubectl loop: $kubectl_rate updates/s; driver / kubectl = $(awk -v b="$best" -v k="$kubectl_rate" 'BEGIN { printf "%.0f", k ? b / k : 0 }')x"
