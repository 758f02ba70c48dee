#!/usr/bin/env bash
# Benchmark of the framework's own time per arm (make bench): `make loadtest` of S1, S2 and
# S4 on the local provider, then, per arm, its wall time minus DURATION (the overhead) and
# where it went, stage by stage (timing.txt from run-scenario.sh, stages_seconds from the
# scenario's run.json), and the median overhead.
# Usage: overhead.sh [RESULTS_DIR]   (an existing results folder: only the table)
# Environment: DURATION (30), SCENARIOS (S1,S2,S4), PARALLELISM (1).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${DURATION:-30}
res=${1:-}
if [ -z "$res" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	res=$work/results
	export LOADTEST_STATE="$work/state"
	start=$SECONDS
	make -s -C "$root" loadtest PROVIDER=local SCENARIOS="${SCENARIOS:-S1,S2,S4}" DURATION="$duration" \
		PARALLELISM="${PARALLELISM:-1}" RESULTS_DIR="$res" >"$work/loadtest.log" 2>&1 || true
	echo "make loadtest: $((SECONDS - start)) s wall time (PARALLELISM=${PARALLELISM:-1}, DURATION=$duration)"
fi
printf '%-6s %-4s %6s %8s | %6s %6s %7s %6s %6s %6s %6s %6s\n' scen arm arm_s overhead \
	start scrape cleanup setup update settle snap stop
for t in "$res"/*/*/timing.txt "$res"/*/*/*/timing.txt; do
	[ -f "$t" ] || continue
	d=$(dirname "$t")
	[ -f "$d/run.json" ] || continue
	jq -n -r --arg d "${d#"$res"/}" --argjson dur "$duration" --rawfile t "$t" --slurpfile r "$d/run.json" '
		($t | split("\n") | map(select(contains("=")) | split("=") | {(.[0]): (.[1] | tonumber)}) | add) as $k
		| ($r[0].stages_seconds // {}) as $s
		| def f: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
		[($d | split("/")[0]), ($d | split("/")[1:] | join("/")), ($k.arm_seconds | f), ($k.arm_seconds - $dur | f),
		 ($k.arm_start_seconds | f), ($k.scrape_wait_seconds | f), ($s.cleanup | f), ($s.setup | f),
		 ($s.update | f), ($s.settle | f), ($k.snapshot_seconds | f), ($k.arm_stop_seconds | f)] | @tsv'
done | sort | tee "${TMPDIR:-/tmp}/overhead.$$" | awk -F'\t' '{ printf "%-6s %-4s %6s %8s | %6s %6s %7s %6s %6s %6s %6s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }'
median() { sort -g | awk -v what="$1" '{ v[NR] = $1 } END {
	if (NR == 0) { print "no arm measured"; exit 1 }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "median %s: %.1f s over %d arms\n", what, m, NR }'; }
cut -f4 "${TMPDIR:-/tmp}/overhead.$$" | median "overhead per arm (wall time - DURATION)"
# The overhead has two parts the framework does not choose: the controller catching up
# after the update phase (settle) and the previous arm's namespaces still being deleted by
# the API server (cleanup; waited for, so no arm's controller sees another arm's deletions).
# What is left is the framework's own time: starting the arm, the scrape, the set-up, the
# snapshot, stopping the arm, and whatever the stages above do not cover.
awk -F'\t' '$3 != "-" && $9 != "-" { c = $7 == "-" ? 0 : $7; s = $10 == "-" ? 0 : $10; print $3 - $9 - c - s }' \
	"${TMPDIR:-/tmp}/overhead.$$" | median "framework's own time per arm (wall time - update phase - cleanup - settle)"
awk -F'\t' '$7 != "-" { print $7 }' "${TMPDIR:-/tmp}/overhead.$$" | median "cleanup (the previous arm's namespaces)"
awk -F'\t' '$10 != "-" { print $10 }' "${TMPDIR:-/tmp}/overhead.$$" | median "settle (the controller catching up)"
rm -f "${TMPDIR:-/tmp}/overhead.$$"
