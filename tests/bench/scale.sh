#!/usr/bin/env bash
# Benchmark at scale (make bench): S2 and S9 scaled to 10,000 workloads on the local
# provider, each on a fresh cluster with a real Reloader arm, one ConfigMap update (a 1 s
# update phase), then settling until every workload rolled or the bound passes. Prints, per
# scenario: setup time (created and ready), the update-to-roll latency (p50/p99 of the
# rolls seen) and how many of the owed rolls came, the controller's RSS and CPU (its pid's
# /proc, sampled every second: setup apart from the update and settle), and the driver's.
# The pods go to one kwok node that takes 20,000 (kindctl's nodes take 110 each).
# It starts Reloader (on the fixed :9090): it holds /tmp/loadtest-live.lock throughout.
# Environment: SCALE_BENCH_WORKLOADS (10000), SCALE_BENCH_SCENARIOS ("S2 S9"),
# SCALE_BENCH_SETTLE (seconds to wait for the rolls after the update, 300),
# SCALE_BENCH_IMAGE (stakater/reloader:v1.4.21).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LOADTEST_BIN:-$root/bin}
workloads=${SCALE_BENCH_WORKLOADS:-10000}
settle=${SCALE_BENCH_SETTLE:-300}
image=${SCALE_BENCH_IMAGE:-stakater/reloader:v1.4.21}
read -r -a scenarios <<<"${SCALE_BENCH_SCENARIOS:-S2 S9}"
work=$(mktemp -d)
export LOADTEST_STATE="$work/state"
name=""
sampler=""

say() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
	if [ -n "$name" ]; then
		"$bin/kindctl" --provider local arm-stop --name "$name" --arm new >/dev/null 2>&1 || true
		"$bin/kindctl" --provider local delete --name "$name" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

exec {lock}>>/tmp/loadtest-live.lock
say "waiting for /tmp/loadtest-live.lock"
flock "$lock"

# big_node NAME: a kwok node that holds 20,000 pods (kwok manages every node of the cluster).
big_node() {
	kubectl apply -f - >/dev/null <<-EOF
		apiVersion: v1
		kind: Node
		metadata:
		  name: $1
		  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
		  labels: { kubernetes.io/hostname: $1, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok }
		status:
		  allocatable: { cpu: "1000", memory: 4Ti, pods: "20000" }
		  capacity: { cpu: "1000", memory: 4Ti, pods: "20000" }
	EOF
	kubectl wait --for=condition=Ready "node/$1" --timeout=120s >/dev/null
}

# sample PID PID2 FILE: every second, "unix-time cpu-ticks-of-PID rss-kB-of-PID cpu-ticks-of-PID2 rss-kB-of-PID2".
sample() {
	local a=$1 b=$2 out=$3
	while kill -0 "$a" 2>/dev/null; do
		printf '%s %s %s %s %s\n' "$EPOCHSECONDS" "$(ticks "$a")" "$(rss "$a")" "$(ticks "$b")" "$(rss "$b")" >>"$out"
		sleep 1
	done
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo -; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -; }

hz=$(getconf CLK_TCK)
printf '%-4s %7s %8s %9s %9s %9s %11s %9s %11s %9s %9s %9s\n' id scale setup_s rolls_seen lat_p50_s lat_p99_s ctl_rss_mb \
	ctl_cpu_s ctl_cpu_upd drv_rss_mb drv_cpu_s drv_wall_s
for id in "${scenarios[@]}"; do
	base=$("$bin/scenario" --scenario "$id" --plan --duration 6 | jq -r .workloads)
	factor=$(((workloads + base - 1) / base))
	name="scale-$$-${id,,}"
	say "$id x$factor: creating cluster $name (no kindctl nodes; one kwok node for 20,000 pods)"
	kc=$("$bin/kindctl" --provider local create --name "$name" --workers 0)
	export KUBECONFIG=$kc
	big_node "$name-big"
	cargs=()
	while read -r a; do [ -z "$a" ] || cargs+=(--arg "$a"); done < <("$bin/scenario" --scenario "$id" --controller-args)
	pid=$("$bin/kindctl" --provider local arm-start --name "$name" --arm new --image "$image" \
		--log "$work/reloader-$id.log" "${cargs[@]}")
	out="$work/$id"
	mkdir -p "$out"
	# One update at the start of a 1 s update phase (duration 6 s less the 5 s the scenario keeps).
	/usr/bin/time -f '%e %U %S %M' -o "$out/time" "$bin/scenario" --scenario "$id" --scale "$factor" \
		--duration 6 --out "$out/run.json" --setup-timeout 3600 --quiet 30 --settle-timeout "$settle" \
		2>"$out/progress.log" &
	drv=$!
	sample "$drv" "$pid" "$out/samples" &
	sampler=$!
	wait "$drv" || true
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	sampler=""
	read -r wall du ds dm < <(tail -n 1 "$out/time")
	r="$out/run.json"
	phase=$(jq -r '.update_phase.start // empty' "$r")
	# Controller CPU: over the whole run, and from the update on; peak RSS from the samples.
	ctl=$(awk -v hz="$hz" -v p="${phase:-0}" '$4 != "-" { if (first == "") first = $4; last = $4;
		if ($1 >= p && upd == "") upd = $4; if ($5 > rss) rss = $5 }
		END { printf "%.0f %.1f %.1f", rss / 1024, (last - first) / hz, upd == "" ? 0 : (last - upd) / hz }' "$out/samples")
	read -r ctl_rss ctl_cpu ctl_upd <<<"$ctl"
	printf '%-4s %7s %8.1f %9s %9s %9s %11s %9s %11s %9.0f %9.1f %9.0f\n' "$id" "x$factor" \
		"$(jq -r '.setup_seconds // 0' "$r")" \
		"$(jq -r '"\(.observed.own_rolls + .observed.folded)/\(.observed.expected_rolls)"' "$r")" \
		"$(jq -r '.observed.latency_seconds.p50 // "-" | if type == "number" then . * 10 | round / 10 else . end' "$r")" \
		"$(jq -r '.observed.latency_seconds.p99 // "-" | if type == "number" then . * 10 | round / 10 else . end' "$r")" \
		"$ctl_rss" "$ctl_cpu" "$ctl_upd" "$(echo "$dm / 1024" | bc -l)" "$(echo "$du + $ds" | bc)" "$wall"
	last=$(jq -r '[.observed.latency_seconds.max // empty] | first // empty' "$r")
	say "$id: $(jq -r '.observed | "\(.workloads) workloads; rolls \(.own_rolls) own, \(.folded) folded, \(.behind) behind, \(.missed) missed; slowest roll \(.slowest_own_roll_seconds | . * 10 | round / 10) s"' "$r")${last:+; latest roll seen ${last%.*} s after the update}"
	"$bin/kindctl" --provider local arm-stop --name "$name" --arm new --log "$work/reloader-$id.log" >/dev/null || true
	"$bin/kindctl" --provider local delete --name "$name" >/dev/null || true
	name=""
done
