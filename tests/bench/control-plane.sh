#!/usr/bin/env bash
# Benchmark of the local provider (make bench): build time of the binaries (warm: cached),
# time from `kindctl create` to six Ready nodes, and the control plane's memory idle and
# with 1,000 Deployments (ready, through kwok's simulated pods).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LOADTEST_BIN:-$root/bin}
work=$(mktemp -d)
export LOADTEST_STATE="$work/state"
name="cpbench-$$"
trap '"$bin/kindctl" --provider local delete --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# rss_mib: resident memory of the cluster's control-plane processes, by their recorded pids.
rss_mib() {
	local total=0 f p kb
	for f in "$LOADTEST_STATE/clusters/$name/kwok/clusters/$name/pids"/*.pid; do
		p=$(<"$f")
		kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		total=$((total + kb))
		printf '  %-26s %6d MiB\n' "$(basename "$f" .pid)" $((kb / 1024)) >&2
	done
	echo $((total / 1024))
}

start=$EPOCHREALTIME
"$root/tools/kindctl/build-binaries.sh" all >/dev/null
echo "binaries (cached): $(echo "$EPOCHREALTIME - $start" | bc) s"
start=$EPOCHREALTIME
# kwok nodes take 110 pods each: 12 nodes hold the 1,000 pods.
kc=$("$bin/kindctl" --provider local create --name "$name" --workers 12)
echo "kindctl create to 12 nodes Ready: $(echo "$EPOCHREALTIME - $start" | bc) s"
export KUBECONFIG=$kc
echo "control plane RSS, idle: $(rss_mib) MiB"

cat >"$work/many.yaml" <<'EOF2'
id: many
description: "1,000 Deployments using one ConfigMap"
namespaces: [ loadtest-many ]
objects:
  - { kind: ConfigMap, name: many-cm, data: { key: v } }
  - { kind: Deployment, name: "many-{i}", count: 1000, refs: [ { kind: ConfigMap, name: many-cm } ] }
phase: { minus: 0s }
EOF2
start=$EPOCHREALTIME
"$bin/scenario" --scenario "$work/many.yaml" --duration 1 --out "$work/run.json" --no-progress \
	--setup-timeout 900 --quiet 0 --settle-timeout 1 || true
echo "1,000 Deployments created and Ready: $(jq -r '.setup_seconds' "$work/run.json") s (ready: $(jq -r .checks.setup_ready "$work/run.json"))"
echo "control plane RSS, 1,000 Deployments: $(rss_mib) MiB"
