#!/usr/bin/env bash
# progress.sh SCENARIO: while `make loadtest` runs, once SCENARIO's report exists: its verdict
# in a line, then how many scenarios are done and about how long the rest will take (the
# arms still to run, at the mean time the finished arms took, over the pool's clusters).
# Environment: RESULTS_DIR, DURATION, LT_SCENARIOS (the run's scenarios), LT_N (clusters),
# OLD_IMAGE, NEW_IMAGE, REPEATS. Messages only; never fails the report.
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

scenario=${1:?usage: progress.sh SCENARIO}
: "${RESULTS_DIR:?}" "${LT_SCENARIOS:?}"
report="$RESULTS_DIR/$scenario/report.txt"
[ -f "$report" ] || exit 0

# The report's own header lines: "Status:       FAIL", "Summary:      6 metrics failed: ...".
status=$(sed -n 's/^Status: *//p' "$report" | head -n 1)
why=$(sed -n 's/^Summary: *//p' "$report" | head -n 1)
if [ -z "$status" ]; then
	say "$scenario: no verdict in $report"
elif [ "$status" = PASS ]; then
	say "$scenario: PASS"
else
	say "$scenario: $status${why:+ ($why)}"
fi

# Arm runs per scenario: each image's arm, REPEATS times (then in ARM/1 .. ARM/N).
arms=0
[ -z "${OLD_IMAGE:-}" ] || arms=$((arms + 1))
[ -z "${NEW_IMAGE:-}" ] || arms=$((arms + 1))
repeats=${REPEATS:-1}
[[ $repeats =~ ^[1-9][0-9]*$ ]] || repeats=1
arms=$((arms * repeats))
total=0 done_=0 measured=0 seconds=0
for s in $LT_SCENARIOS; do
	total=$((total + 1))
	# Done: its arms have run, and its report is not older than that.
	r="$RESULTS_DIR/$s/report.txt" a="$RESULTS_DIR/$s/arms.done"
	if [ -f "$r" ] && [ -f "$a" ] && ! [ "$a" -nt "$r" ]; then
		done_=$((done_ + 1))
	fi
	for t in "$RESULTS_DIR/$s"/{old,new}/timing.txt "$RESULTS_DIR/$s"/{old,new}/*/timing.txt; do
		[ -f "$t" ] || continue
		n=$(kv "$t" arm_seconds)
		[[ $n =~ ^[0-9]+$ ]] || continue
		measured=$((measured + 1))
		seconds=$((seconds + n))
	done
done
left=$((total - done_))
if [ "$left" -le 0 ]; then
	say "$done_/$total scenarios done"
	exit 0
fi
# Arms still to run; one that has run already counts as done.
todo=$((left * arms - (measured - done_ * arms)))
[ "$todo" -ge 0 ] || todo=0
if [ "$measured" -gt 0 ]; then
	per_arm=$((seconds / measured))
else
	per_arm=$((${DURATION:-60} + 60))
fi
clusters=${LT_N:-1}
[[ $clusters =~ ^[1-9][0-9]*$ ]] || clusters=1
[ "$clusters" -le "$left" ] || clusters=$left
eta=$(((todo * per_arm + clusters - 1) / clusters))
if [ "$eta" -lt 60 ]; then
	say "$done_/$total scenarios done, less than a minute left"
else
	say "$done_/$total scenarios done, about $(((eta + 30) / 60)) min left"
fi
