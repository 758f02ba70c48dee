#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# make loadtest end to end on the local provider: Reloader v1.4.12 against v1.4.21 over
# S1, S2, S4 and S6; then `make report` alone; then an interrupted run, resumed.

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

@test "make loadtest: A/B results, reports and summary; exit status follows the verdict" {
	# S6 restarts the controller 20 s into its update phase: the duration leaves room for it.
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S1,S2,S4,S6 DURATION=26 RESULTS_DIR="$RES"
	local rc=$status
	echo "$stderr" | tail -40
	for s in S1 S2 S4 S6; do
		for a in old new; do
			assert_file_exists "$RES/$s/$a/run.json"
			assert_file_exists "$RES/$s/$a/expected.json"
			assert_file_exists "$RES/$s/$a/reloader.log"
			assert_file_exists "$RES/$s/$a/reloader_reload_executed_total.json"
			assert_file_not_exists "$RES/$s/$a/FAILED"
			[ "$(jq -r .ok "$RES/$s/$a/run.json")" = true ]
		done
		assert_file_exists "$RES/$s/report.txt"
	done
	# The observer's exact counts, for both arms.
	for a in old new; do
		local r="$RES/S2/$a/run.json"
		[ "$(jq -r .observed.rolls "$r")" = $(($(jq -r .updates.succeeded "$r") * 50)) ]
		[ "$(jq -r .observed.rolls "$RES/S4/$a/run.json")" = 0 ]
		r="$RES/S1/$a/run.json"
		[ "$(jq -r .observed.rolls "$r")" = "$(jq -r .updates.succeeded "$r")" ]
		# S6's restart really happened, with the controller's counters reset.
		[ "$(jq -r .checks.restart_happened "$RES/S6/$a/run.json")" = true ]
	done
	# v1.4.12 does not expose the newer controller metrics: n/a, never 0.
	run grep -E '^action_total ' "$RES/S2/report.txt"
	assert_output --regexp '^action_total +n/a +[0-9]+ '
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
	[ -d "$RES/S1" ] || skip "SKIPPED: needs the results of the previous test"
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

@test "an interrupted run is marked, stops cleanly, and resumes where it stopped" {
	local res2="$BATS_TEST_TMPDIR/results" log="$BATS_TEST_TMPDIR/lt.log"
	# Its own process group, so the signal reaches make and its children as Ctrl-C's would.
	# (A background job ignores SIGINT from birth, so TERM, which the pipeline treats alike.)
	setsid make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest PROVIDER=local SCENARIOS=S1,S4 \
		DURATION=8 RESULTS_DIR="$res2" >"$log" 2>&1 3>&- &
	local pid=$!
	wait_until 300 test -f "$res2/S1/old/run.json"
	wait_until 120 test -d "$res2/S1/.new.partial"
	kill -TERM -- "-$pid"
	# The pipeline takes its cluster down, says so, and exits non-zero.
	wait_until 120 grep -q "interrupted; run it again to resume" "$log"
	wait_until 60 bash -c "! ps -p $pid >/dev/null"
	tail -20 "$log"
	grep -q "Error 130" "$log"
	assert_file_exists "$res2/S1/old/run.json"
	assert_file_not_exists "$res2/S1/arms.done"
	# Clusters and their processes are gone.
	run ls "$LOADTEST_STATE/clusters"
	assert_output ""
	run curl -sf http://127.0.0.1:9090/metrics
	assert_failure
	local kept
	kept=$(stat -c %Y "$res2/S1/old/run.json")
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S1,S4 DURATION=8 RESULTS_DIR="$res2"
	[[ "$stderr" == *"S1 old: already done, kept"* ]]
	[ "$(stat -c %Y "$res2/S1/old/run.json")" = "$kept" ]
	for s in S1 S4; do
		for a in old new; do
			assert_file_exists "$res2/$s/$a/run.json"
			assert_file_not_exists "$res2/$s/$a/INCOMPLETE"
		done
		assert_file_exists "$res2/$s/report.txt"
	done
}
