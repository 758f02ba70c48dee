#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# make loadtest end to end on the local provider: Reloader v1.4.12 against v1.4.21 over
# S1, S2, S4 and S6, checked against oracles the pipeline did not compute (the controller's own
# log and counts worked by hand from the scenario files); then `make report` alone; then an
# interrupted run, resumed.

setup_file() {
	load helpers/common
	export LOADTEST_STATE="$BATS_FILE_TMPDIR/state"
	export RES="$BATS_FILE_TMPDIR/results"
}

setup() {
	load helpers/common
	load helpers/prometheus
}

mk() {
	make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" "$@"
}

# The controller's own log (JSON lines, the same in v1.4.12 and v1.4.21): one line per workload
# it updated, one per process start. The pipeline keeps it as ARM/reloader.log.
log_rolls() {
	grep -c "; updated '" "$1" || true
}
log_starts() {
	grep -c '"msg":"Starting Reloader"' "$1" || true
}

@test "make loadtest: A/B results, reports and summary; exit status follows the verdict; two clusters at once" {
	# S6 restarts the controller 20 s into its update phase: the duration leaves room for it.
	# Two clusters, each arm in a network namespace of its own, where namespaces can be made.
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S1,S2,S4,S6 DURATION=26 PARALLELISM=2 RESULTS_DIR="$RES"
	local rc=$status
	echo "$stderr" | tail -40
	if "$BIN/kindctl" netns-check >/dev/null; then
		[[ "$stderr" == *"4 scenario(s) (S1 S2 S4 S6), 2 cluster(s), provider local"* ]] || fail "not two clusters"
		[[ "$stderr" == *" on reloader-loadtest-0"* && "$stderr" == *" on reloader-loadtest-1"* ]] ||
			fail "the arms did not run on both clusters"
		# At least two arms ran at the same time (their scenario runs overlap).
		local overlap
		overlap=$(jq -s '[.[] | {s: .start, e: .end}] as $r | [range(0; $r | length) as $i | range($i + 1; $r | length) as $j
			| select($r[$i].s < $r[$j].e and $r[$j].s < $r[$i].e)] | length' "$RES"/S*/*/run.json)
		[ "$overlap" -gt 0 ] || fail "no two arms overlapped in time"
	else
		[[ "$stderr" == *"PARALLELISM=2 reduced to 1 on the local provider"* ]] || fail "no word on the reduced parallelism"
	fi
	for s in S1 S2 S4 S6; do
		for a in old new; do
			assert_file_exists "$RES/$s/$a/run.json"
			assert_file_exists "$RES/$s/$a/expected.json"
			assert_file_exists "$RES/$s/$a/reloader.log"
			assert_file_exists "$RES/$s/$a/reloader_reload_executed_total.json"
			assert_file_not_exists "$RES/$s/$a/FAILED"
			assert_file_not_exists "$RES/$s/$a/INVALID"
			[ "$(jq -r .ok "$RES/$s/$a/run.json")" = true ]
			# Oracle: the observer counted the rolls the controller itself logged (S6: the
			# controller stopped by the restart may have patched one workload without logging it).
			local logged rolls
			logged=$(log_rolls "$RES/$s/$a/reloader.log")
			rolls=$(jq -r .observed.rolls "$RES/$s/$a/run.json")
			if [ "$s" = S6 ]; then
				if [ "$logged" -gt "$rolls" ] || [ "$rolls" -gt $((logged + 1)) ]; then
					fail "$s $a: the controller logged $logged rolls, the observer saw $rolls"
				fi
			else
				assert_equal "$logged" "$rolls"
			fi
		done
		assert_file_exists "$RES/$s/report.txt"
	done
	# Where each arm's time went: every stage timed by the pipeline, and the scenario's own
	# account of its run (its clock) within a second of the pipeline's (the shell's).
	local t k
	for t in "$RES"/S*/*/timing.txt; do
		for k in arm_seconds arm_start_seconds scrape_wait_seconds scenario_seconds snapshot_seconds arm_stop_seconds; do
			grep -q "^$k=[0-9.]*$" "$t" || fail "$t has no $k"
		done
		local scen total
		scen=$(sed -n 's/^scenario_seconds=//p' "$t")
		total=$(jq -r .stages_seconds.total "$(dirname "$t")/run.json")
		awk -v a="$scen" -v b="$total" 'BEGIN { exit !(a - b < 1 && b - a < 1 && b > 20) }' ||
			fail "$t: the scenario ran $scen s by the pipeline's clock, $total s by its own"
		jq -e '.stages_seconds | (.cleanup + .setup + .update + .settle) <= .total + 0.01' \
			"$(dirname "$t")/run.json" >/dev/null || fail "$t: the stages add up to more than the run"
	done
	# Counts worked by hand from the scenario files: the update phase is DURATION - 5 = 21 s.
	for a in old new; do
		# S2: 5 s ticks at 0, 5, 10, 15 and 20 s: 5 updates of shared-cm, 50 Deployments each.
		local r="$RES/S2/$a/run.json"
		assert_equal "$(jq -r .updates.succeeded "$r")" 5
		assert_equal "$(jq -r .observed.rolls "$r")" 250
		assert_equal "$(log_rolls "$RES/S2/$a/reloader.log")" 250
		# S4: no-op writes only: nothing rolled, nothing logged as updated.
		assert_equal "$(jq -r .observed.rolls "$RES/S4/$a/run.json")" 0
		assert_equal "$(log_rolls "$RES/S4/$a/reloader.log")" 0
		# S1: 100 ms ticks over 21 s: 210 intended, one Deployment each; every one of them
		# accounted for (succeeded, failed or, held back by the driver's window on a busy
		# machine, not sent), and at least 95 % through.
		r="$RES/S1/$a/run.json"
		assert_equal "$(jq -r .updates.intended "$r")" 210
		jq -e '.updates | .succeeded + .failed + (.not_sent // 0) == 210 and .succeeded >= 200' "$r" >/dev/null ||
			fail "S1 $a: $(jq -c '.updates | {sent, succeeded, failed, not_sent, failed_by_kind}' "$r")"
		assert_equal "$(log_rolls "$RES/S1/$a/reloader.log")" "$(jq -r .updates.succeeded "$r")"
		# S6's restart really happened: the controller's log has two starts (one without it).
		assert_equal "$(log_starts "$RES/S6/$a/reloader.log")" 2
		assert_equal "$(log_starts "$RES/S2/$a/reloader.log")" 1
	done
	# The controller's counter through Prometheus, promsnap and compare: 250 reloads in each arm.
	# v1.4.12 does not expose the newer controller metrics: n/a, never 0; v1.4.21 counts 250.
	run grep -E '^reload_executed_total ' "$RES/S2/report.txt"
	assert_output --regexp '^reload_executed_total +250 +250 '
	run grep -E '^action_total ' "$RES/S2/report.txt"
	assert_output --regexp '^action_total +n/a +250 '
	# The pipeline's exit status agrees with compare's verdict.
	run jq -r .status "$RES/summary.json"
	if [ "$output" = PASS ]; then [ "$rc" -eq 0 ]; else [ "$rc" -ne 0 ]; fi
	assert_file_exists "$RES/summary.md"
	# Progress on stderr, one line per event.
	[[ "$stderr" == *"[1/4] S1 old: starting stakater/reloader:v1.4.12"* ]]
	[[ "$stderr" == *"S4 new: done in "* ]]
	# Nothing is left running: the cluster was deleted.
	run ls "$LOADTEST_STATE/clusters"
	assert_output ""
}

@test "make report alone touches no cluster and rebuilds only what changed" {
	[ -d "$RES/S1" ] || cannot_run "needs the results of the previous test"
	mkdir -p "$BATS_TEST_TMPDIR/stubs"
	for cmd in kubectl kwokctl kindctl scenario promsnap prometheus; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 97\n' "$cmd" "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/stubs/$cmd"
		chmod +x "$BATS_TEST_TMPDIR/stubs/$cmd"
	done
	rm "$RES/S2/report.txt"
	local before
	before=$(stat -c %Y "$RES/S1/report.txt")
	PATH="$BATS_TEST_TMPDIR/stubs:$PATH" run mk report RESULTS_DIR="$RES"
	assert_file_exists "$RES/S2/report.txt"
	[ "$(stat -c %Y "$RES/S1/report.txt")" = "$before" ]
	assert_file_not_exists "$BATS_TEST_TMPDIR/calls"
}

@test "an interrupted arm leaves no arm folder, and the resumed run redoes it" {
	local res2="$BATS_TEST_TMPDIR/results" log="$BATS_TEST_TMPDIR/lt.log"
	# Its own process group, so the signal reaches make and its children as Ctrl-C's would.
	# (A background job ignores SIGINT from birth, so TERM, which the pipeline treats alike.)
	setsid make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest PROVIDER=local SCENARIOS=S1,S4 \
		DURATION=8 RESULTS_DIR="$res2" >"$log" 2>&1 3>&- &
	local pid=$!
	wait_until 300 test -f "$res2/S1/old/run.json"
	wait_until 120 test -d "$res2/S1/.new.partial"
	# Every process the run's clusters record (control plane, Prometheus, arms, bridges).
	local recorded
	recorded=$(cat "$LOADTEST_STATE"/clusters/*/*.pid "$LOADTEST_STATE"/clusters/*/kwok/clusters/*/pids/*.pid 2>/dev/null | awk '{print $1}')
	[ -n "$recorded" ]
	kill -TERM -- "-$pid"
	# The pipeline takes its cluster down, says so, and exits non-zero.
	wait_until 120 grep -q "interrupted; run it again to resume" "$log"
	wait_until 60 bash -c "! ps -p $pid >/dev/null"
	tail -20 "$log"
	grep -q "Error 130" "$log"
	# The finished arm is in place; the interrupted one has no folder (its .partial folder
	# may be left, but is nobody's arm: S1 reads as a single-arm run of old).
	assert_file_exists "$res2/S1/old/run.json"
	assert_dir_not_exists "$res2/S1/new"
	assert_file_not_exists "$res2/S1/arms.done"
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$res2" --format json
	[ "$(jq -r '.mode + " " + .arm' <<<"$output")" = "single old" ]
	# Clusters and their processes are gone.
	run ls "$LOADTEST_STATE/clusters"
	assert_output ""
	local p
	for p in $recorded; do
		run running "$p"
		assert_failure
	done
	local kept redo_from
	kept=$(stat -c %Y "$res2/S1/old/run.json")
	redo_from=$(date +%s)
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S1,S4 DURATION=8 RESULTS_DIR="$res2"
	[[ "$stderr" == *"S1 old: already done, kept"* ]]
	[ "$(stat -c %Y "$res2/S1/old/run.json")" = "$kept" ]
	# The interrupted arm was run again, from the start, and its .partial folder is gone.
	[[ "$stderr" == *"S1 new: starting "* ]]
	[ "$(stat -c %Y "$res2/S1/new/run.json")" -ge "$redo_from" ]
	assert_dir_not_exists "$res2/S1/.new.partial"
	for s in S1 S4; do
		for a in old new; do
			assert_file_exists "$res2/$s/$a/run.json"
			assert_file_not_exists "$res2/$s/$a/INVALID"
			assert_file_not_exists "$res2/$s/$a/FAILED"
		done
		assert_file_exists "$res2/$s/arms.done"
		assert_file_exists "$res2/$s/report.txt"
	done
	# Exactly the two scenarios, each A/B: nothing counted from a .partial folder.
	[ "$(jq -r '[.scenarios[].id] | join(",")' "$res2/summary.json")" = "S1,S4" ]
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$res2" --format json
	[ "$(jq -r .mode <<<"$output")" != single ]
}
