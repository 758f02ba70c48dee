#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# bin/compare: reports from cached snapshots, summary, exit status, bad input.

setup() {
	load helpers/common
	R="$FIXTURES/results"
}

@test "passing A/B report matches the reference's layout and exits 0" {
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass"
	assert_success
	assert_golden compare/pass.txt
	assert_line --partial "RELOADER A/B COMPARISON REPORT"
	assert_line --regexp '^action_total +50 +50 +50 +✓ +✓ +pass$'
}

@test "failing A/B report names every failed criterion and exits 1" {
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/fail"
	assert_failure 1
	assert_golden compare/fail.txt
	assert_line "Status:       FAIL"
	assert_line --partial "✗ errors_total: new is +100.0% above old (limit 0%)"
	assert_line --partial "✗ action_latency_p95:"
	assert_line --regexp '^action_total +50 +30 +50 +✓ +✗ +fail$'
}

@test "single-arm results give the single-version report" {
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$R/single"
	assert_success
	assert_golden compare/single.txt
	assert_line --partial "RELOADER TEST REPORT"
	assert_line "Summary:      Single-version test (new) completed successfully"
	assert_line --regexp '^action_total +40 +40 +✓ +pass$'
}

@test "unexposed series and missing files are n/a, never 0; a failed query is an error" {
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$R/missing"
	assert_failure 1
	assert_golden compare/missing.txt
	assert_line --regexp '^reconcile_total +n/a +40 '
	assert_line --regexp '^rest_client_requests_total +n/a +500 '
	assert_line --regexp '^gc_pause_p99_ms \(ms\) +1.2000 +error .* error$'
	assert_line --partial "reconcile_total                  old: no series returned (not exposed)"
	refute_line --regexp '^reconcile_total +0 '
}

@test "an expected count of 0 (S4) is judged, per arm" {
	run --separate-stderr "$BIN/compare" --scenario S4 --results-dir "$R/s4"
	assert_failure 1
	assert_line --regexp '^action_total +0 +2 +0 +✓ +✗ +fail$'
}

@test "the reference's shared expected.json: 0 means not set" {
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --format json
	assert_success
	run jq -r '.rows[] | select(.name == "reconcile_total") | .new | has("expected")' <<<"$output"
	assert_output false
}

@test "scenario overrides from the catalogue replace the reference's S5 special case" {
	run --separate-stderr "$BIN/compare" --scenario S5 --results-dir "$R/s5"
	assert_success
	assert_line --regexp '^errors_total +10 +30 .* pass$'
	assert_line --regexp '^errors_total +50.0% +- +lower is better  \(scenario rule\)$'
	# The same numbers outside S5 fail: the rule is the scenario's, not global.
	cp -r "$R/s5/S5" "$BATS_TEST_TMPDIR/S6"
	run --separate-stderr "$BIN/compare" --scenario S6 --results-dir "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_line --partial "✗ errors_total"
}

@test "thresholds are data: a changed catalogue changes the verdict" {
	sed 's/name: action_latency_p95, file: action_p95.json, value: first, unit: s,/&\n      max_value: 10,/' \
		"$REPO_ROOT/tools/compare/rules.yaml" >"$BATS_TEST_TMPDIR/rules.yaml"
	sed -i '/name: action_latency_p95/,/min_abs_diff: 1.0 }/s/max_diff_pct: 100, min_abs_diff: 1.0/max_diff_pct: 5000, min_abs_diff: 1.0/' \
		"$BATS_TEST_TMPDIR/rules.yaml"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/fail" --rules "$BATS_TEST_TMPDIR/rules.yaml"
	assert_failure 1
	refute_line --partial "✗ action_latency_p95"
	assert_line --partial "✗ errors_total"
}

@test "JSON report: valid, self-describing, unmeasured values absent" {
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$R/missing" --format json
	assert_failure 1
	assert_golden compare/missing.json
	run jq -e '.mode == "ab" and .status == "FAIL" and (.failed == ["gc_pause_p99_ms"])' <<<"$output"
	assert_success
	run jq -r '.rows[] | select(.name == "reconcile_total") | .old | [.state, has("value")] | @tsv' \
		<<<"$(SOURCE_DATE_EPOCH=1767450600 "$BIN/compare" --scenario S1 --results-dir "$R/missing" --format json)"
	assert_output "$(printf 'absent\tfalse')"
}

@test "Markdown report" {
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/fail" --format markdown
	assert_failure 1
	assert_golden compare/fail.md
	assert_line "## ❌ S2: FAIL"
	assert_line "| action_total | 50 | 30 | 50 | ❌ |"
}

@test "summary over every scenario, naturally ordered, exit 1 on a failure" {
	run --separate-stderr "$BIN/compare" --summary --results-dir "$R/summary"
	assert_failure 1
	assert_golden compare/summary.txt
	assert_line "Results:   2/4 passed (50%)"
	# S10 sorts after S4; the folder without arms is not a scenario.
	run bash -c "\"$BIN/compare\" --summary --results-dir \"$R/summary\" | awk '/^S[0-9]/ {print \$1}' | paste -sd,"
	assert_output "S1,S2,S4,S10"
}

@test "summary in Markdown and JSON" {
	run --separate-stderr "$BIN/compare" --summary --results-dir "$R/summary" --format markdown
	assert_failure 1
	assert_golden compare/summary.md
	run --separate-stderr "$BIN/compare" --summary --results-dir "$R/summary" --format json
	assert_failure 1
	run jq -r '[.status, .pass_count, .fail_count, .total_count, (.scenarios | map(.id) | join(","))] | @tsv' <<<"$output"
	assert_output "$(printf 'FAIL\t2\t2\t4\tS1,S2,S4,S10')"
}

@test "summary with a malformed scenario lists it as ERROR and exits 2" {
	cp -r "$R/pass/S2" "$BATS_TEST_TMPDIR/S2"
	cp -r "$R/malformed/S3" "$BATS_TEST_TMPDIR/S3"
	run --separate-stderr "$BIN/compare" --summary --results-dir "$BATS_TEST_TMPDIR"
	assert_failure 2
	assert_line --regexp '^S3 +ERROR '
	assert_line --regexp '^S2 +PASS '
	assert_one_line
}

@test "malformed snapshot: one line naming the file, exit 2, no report written" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run --separate-stderr "$BIN/compare" --scenario S3 --results-dir "$R/malformed" --output "$BATS_TEST_TMPDIR/out/report.txt"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"malformed/S3/new/reloader_action_total.json': not valid JSON"* ]]
	assert_file_not_exists "$BATS_TEST_TMPDIR/out/report.txt"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "JSON that is not a Prometheus response: one line, exit 2" {
	run --separate-stderr "$BIN/compare" --scenario S3 --results-dir "$R/notprom"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"notprom/S3/new/action_p95.json': not a Prometheus response"* ]]
	assert_output ""
}

@test "bad expected.json: exit 2" {
	cp -r "$R/pass/S2" "$BATS_TEST_TMPDIR/S2"
	echo '[1, 2]' >"$BATS_TEST_TMPDIR/S2/expected.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$BATS_TEST_TMPDIR"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"expected.json': expected values must be a JSON object"* ]]
}

@test "unknown scenario and missing results folder: exit 2" {
	run --separate-stderr "$BIN/compare" --scenario S9 --results-dir "$R/pass"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"no results for scenario S9"* ]]
	run --separate-stderr "$BIN/compare" --summary --results-dir "$BATS_TEST_TMPDIR/nope"
	assert_failure 2
	assert_one_line
	run --separate-stderr "$BIN/compare" --summary --results-dir "$BATS_TEST_TMPDIR"
	assert_failure 2
	[[ "$stderr" == *"no scenario results"* ]]
}

@test "bad flags: one line and exit 2" {
	for args in "--bogus" "--scenario" "--format xml --scenario S2" "" "--scenario S2 --summary" \
		"--scenario ../x" "--summary extra" "--results-dir="; do
		# shellcheck disable=SC2086
		run --separate-stderr "$BIN/compare" $args
		assert_failure 2
		assert_one_line
		assert_output ""
	done
}

@test "--help prints the synopsis and exits 0" {
	run --separate-stderr "$BIN/compare" --help
	assert_success
	assert_line --index 0 --partial "usage: compare --scenario ID"
	assert_line --partial "Exit status: 0"
}

@test "a bad catalogue is reported as file:line:col" {
	printf 'version: 1\nmetrics:\n  - { name: x, file: x.json, colour: red }\n' >"$BATS_TEST_TMPDIR/rules.yaml"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$BATS_TEST_TMPDIR/rules.yaml"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"rules.yaml:3:30: unknown key 'colour'"* ]]
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$BATS_TEST_TMPDIR/none.yaml"
	assert_failure 2
	assert_one_line
}

@test "--output writes the report atomically and leaves no temporary file" {
	mkdir "$BATS_TEST_TMPDIR/out"
	echo old >"$BATS_TEST_TMPDIR/out/report.txt"
	run "$BIN/compare" --scenario S2 --results-dir "$R/fail" --output "$BATS_TEST_TMPDIR/out/report.txt"
	assert_failure 1
	assert_output ""
	run cat "$BATS_TEST_TMPDIR/out/report.txt"
	assert_golden compare/fail.txt
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output "report.txt"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --output "$BATS_TEST_TMPDIR/no/such/dir/r.txt"
	assert_failure 2
	assert_one_line
}

@test "the observer's figures from run.json are rows of their own, judged by the catalogue" {
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$R/observed"
	assert_failure 1
	assert_golden compare/observed.txt
	assert_line --regexp '^observed_rolls +40 +38 +40 +✓ +✓ +pass$'
	assert_line --regexp '^observed_missed +0 +2 .* fail$'
	assert_line --regexp '^observed_unconverged +0 +1 .* fail$'
	assert_line --partial "✗ observed_missed: new 2 is above the limit 0"
	# Without run.json (the reference's results) those rows are left out, not shown as n/a.
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass"
	refute_line --partial "observed_"
}

@test "an arm the pipeline marked as failed fails the scenario with its reason" {
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/armfailed"
	assert_failure 1
	assert_line "Summary:      arm new failed: scenario exited with status 2: the API server did not answer"
	assert_line "  ✗ arm new: scenario exited with status 2: the API server did not answer"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/armfailed" --format json
	run jq -r '.arm_failures.new' <<<"$output"
	assert_output "scenario exited with status 2: the API server did not answer"
}
