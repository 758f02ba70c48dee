#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# `make report`: every scenario's report and the summary from cached results, offline.

setup() {
	load helpers/common
	RES="$BATS_TEST_TMPDIR/results"
	mkdir -p "$RES" "$BATS_TEST_TMPDIR/stubs"
	# Thirteen scenarios of cached results, one of them failing.
	for i in $(seq 1 13); do
		cp -r "$FIXTURES/results/pass/S2" "$RES/S$i"
	done
	rm -rf "$RES/S7"
	cp -r "$FIXTURES/results/fail/S2" "$RES/S7"
	# Anything that would touch a cluster or the network records its call and fails.
	for cmd in kubectl kind kwokctl docker podman curl promsnap scenario kindctl; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 97\n' "$cmd" "$BATS_TEST_TMPDIR" \
			>"$BATS_TEST_TMPDIR/stubs/$cmd"
		chmod +x "$BATS_TEST_TMPDIR/stubs/$cmd"
	done
}

mk() {
	PATH="$BATS_TEST_TMPDIR/stubs:$PATH" make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" RESULTS_DIR="$RES" "$@"
}

@test "make report writes every report and the summary, exits non-zero on a failed scenario" {
	run --separate-stderr mk report
	assert_failure
	for i in $(seq 1 13); do
		assert_file_exists "$RES/S$i/report.txt"
	done
	assert_file_exists "$RES/summary.txt"
	assert_file_exists "$RES/summary.md"
	assert_file_exists "$RES/summary.json"
	run jq -r '[.status, .pass_count, .fail_count] | @tsv' "$RES/summary.json"
	assert_output "$(printf 'FAIL\t12\t1')"
	run grep -c '^Status:       FAIL' "$RES/S7/report.txt"
	assert_output 1
	assert_file_not_exists "$BATS_TEST_TMPDIR/calls"
}

@test "make report is incremental: nothing is redone until a snapshot changes" {
	mk report >/dev/null || true
	run mk -q "$RES/summary.txt" "$RES/S3/report.txt"
	assert_success
	touch "$RES/S3/new/reloader_action_total.json"
	run mk -q "$RES/S3/report.txt"
	assert_failure
	mk report >/dev/null || true
	run mk -q "$RES/S3/report.txt" "$RES/summary.txt"
	assert_success
}

@test "make report passes when every scenario passes" {
	rm -rf "$RES/S7"
	cp -r "$FIXTURES/results/pass/S2" "$RES/S7"
	run --separate-stderr mk report
	assert_success
	assert_line "Results:   13/13 passed (100%), 0 failed, 0 invalid"
}
