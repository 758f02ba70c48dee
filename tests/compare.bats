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
	assert_line "Results:   2/4 passed (50%), 2 failed, 0 invalid"
	assert_line "Status:    FAIL"
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
}

@test "a results folder without any scenario: NO RESULTS, exit 1, and the summary is written" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	for f in text json markdown; do
		run --separate-stderr "$BIN/compare" --summary --results-dir "$BATS_TEST_TMPDIR/empty" --format $f \
			--output "$BATS_TEST_TMPDIR/summary.$f"
		assert_failure 1
		assert_one_line
		[[ "$stderr" == *"no scenario results"* ]]
		assert_file_exists "$BATS_TEST_TMPDIR/summary.$f"
	done
	grep -q '^Status:    NO RESULTS$' "$BATS_TEST_TMPDIR/summary.text"
	grep -q 'NO RESULTS' "$BATS_TEST_TMPDIR/summary.markdown"
	[ "$(jq -r '.status, .total_count' "$BATS_TEST_TMPDIR/summary.json" | paste -sd,)" = "NO RESULTS,0" ]
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

# invalid_copy NAME: a copy of the passing S2 fixture under $BATS_TEST_TMPDIR/NAME/S2.
invalid_copy() {
	mkdir -p "$BATS_TEST_TMPDIR/$1"
	cp -r "$R/pass/S2" "$BATS_TEST_TMPDIR/$1/S2"
	echo "$BATS_TEST_TMPDIR/$1/S2"
}

@test "a run whose driver said ok: false with every check false is INVALID, never PASS" {
	s=$(invalid_copy bare)
	for arm in old new; do
		cat >"$s/$arm/run.json" <<-'JSON'
			{"ok": false, "problems": ["workloads were not all ready within 120 s", "12 of 100 intended updates succeeded"],
			 "checks": {"setup_ready": false, "rate_reached": false, "observer_complete": false}}
		JSON
	done
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 1
	assert_line "Status:       INVALID"
	assert_line --partial "Summary:      Invalid run, proves nothing either way: old: workloads were not all ready within 120 s; 12 of 100"
	assert_line "  ✗ new rate_reached: no (required: yes)"
	assert_line "  ✗ old setup_ready: no (required: yes)"
	refute_line --partial "All metrics within acceptable thresholds"
	run "$BIN/compare" --scenario S2 --results-dir "${s%/S2}" --format json
	assert_failure 1
	[ "$(jq -r '.status' <<<"$output")" = INVALID ]
	[ "$(jq '[.checks[] | select(.ok == false)] | length' <<<"$output")" = 6 ]
	[ "$(jq -r '.arm_invalid.new' <<<"$output")" = "workloads were not all ready within 120 s; 12 of 100 intended updates succeeded" ]
}

@test "each check is a row with its value and what it required; one failed check makes the run INVALID" {
	s=$(invalid_copy checks)
	cat >"$s/old/run.json" <<-'JSON'
		{"ok": true, "problems": [], "checks": {
		  "setup_ready": {"ok": true, "value": "50 of 50 workloads ready in 2.1 s", "required": "every workload ready within 120 s"},
		  "rate_reached": {"ok": true, "value": "9.9/s (594 of 600 updates)", "required": ">= 95% of the intended 10.0/s"}}}
	JSON
	cat >"$s/new/run.json" <<-'JSON'
		{"ok": true, "problems": [], "checks": {
		  "setup_ready": {"ok": true, "value": "50 of 50 workloads ready in 2.4 s", "required": "every workload ready within 120 s"},
		  "rate_reached": {"ok": false, "value": "6.1/s (366 of 600 updates)", "required": ">= 95% of the intended 10.0/s"}}}
	JSON
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 1
	assert_line "Status:       INVALID"
	assert_line "  ✓ old setup_ready: 50 of 50 workloads ready in 2.1 s (required: every workload ready within 120 s)"
	assert_line "  ✗ new rate_reached: 6.1/s (366 of 600 updates) (required: >= 95% of the intended 10.0/s)"
	assert_line "Invalid: new: check rate_reached failed (6.1/s (366 of 600 updates); required >= 95% of the intended 10.0/s)"
	run "$BIN/compare" --scenario S2 --results-dir "${s%/S2}" --format markdown
	assert_failure 1
	assert_line "## ⚠️ S2: INVALID"
	assert_line "| rate_reached | new | 6.1/s (366 of 600 updates) | >= 95% of the intended 10.0/s | ⚠️ |"
	# The same arms with every check passing: PASS.
	sed -i 's/"ok": false/"ok": true/' "$s/new/run.json"
	run "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_success
	assert_line "Status:       PASS"
}

@test "an INVALID marker from the pipeline makes the scenario INVALID; control characters never reach the report" {
	s=$(invalid_copy marker)
	printf 'the scenario driver exited with status 1\033[31m red\n' >"$s/new/INVALID"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 1
	assert_line "Status:       INVALID"
	assert_line --partial 'new: the scenario driver exited with status 1\x1b[31m red'
	[[ "$output" != *$'\033'* ]]
}

# ---- hostile results folders (issue 16) ----

@test "a FAILED marker's control characters are escaped in every format, never sent raw" {
	s=$(invalid_copy ctl)
	printf 'the controller died\033]0;pwned\007\033[2J\r\n' >"$s/new/FAILED"
	local fmt
	for fmt in text markdown json; do
		run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}" --format "$fmt"
		assert_failure 1
		[[ "$output$stderr" != *$'\033'* && "$output$stderr" != *$'\007'* && "$output" != *$'\r'* ]] ||
			fail "a control character reached the $fmt report"
		if [ "$fmt" = json ]; then
			run jq -r '.arm_failures.new' <<<"$output"
			assert_output 'the controller died\x1b]0;pwned\x07\x1b[2J\x0d'
		else
			assert_output --partial 'the controller died\x1b]0;pwned\x07\x1b[2J\x0d'
		fi
	done
}

@test "a FAILED marker that is a folder is an error naming it, not ignored" {
	s=$(invalid_copy faileddir)
	mkdir "$s/new/FAILED"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "compare: cannot read marker '$s/new/FAILED': not a regular file (a folder)"
	assert_output ""
}

@test "a snapshot that is a dangling symbolic link is an error naming it, not n/a" {
	s=$(invalid_copy dangling)
	rm "$s/new/reloader_action_total.json"
	ln -s "$BATS_TEST_TMPDIR/gone.json" "$s/new/reloader_action_total.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "compare: cannot read '$s/new/reloader_action_total.json': a symbolic link to a file that does not exist"
}

@test "a FIFO, a device or an oversized file among the results: one line, exit 2, nothing read" {
	s=$(invalid_copy special)
	rm "$s/new/reloader_action_total.json"
	mkfifo "$s/new/reloader_action_total.json"
	# With no writer, reading the FIFO would block for ever: timeout catches that.
	run --separate-stderr timeout 20 "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "compare: cannot read '$s/new/reloader_action_total.json': not a regular file (a FIFO)"
	rm "$s/new/reloader_action_total.json"
	ln -s /dev/zero "$s/new/reloader_action_total.json"
	run --separate-stderr timeout 20 "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_equal "$stderr" "compare: cannot read '$s/new/reloader_action_total.json': not a regular file (a character device)"
	rm "$s/new/reloader_action_total.json"
	truncate -s 257M "$s/new/reloader_action_total.json"
	run --separate-stderr timeout 20 "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_equal "$stderr" "compare: cannot read '$s/new/reloader_action_total.json': larger than 256 MiB, the limit for this kind of file"
	mkfifo "$BATS_TEST_TMPDIR/rules.fifo"
	run --separate-stderr timeout 20 "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$BATS_TEST_TMPDIR/rules.fifo"
	assert_failure 2
	assert_equal "$stderr" "compare: cannot read '$BATS_TEST_TMPDIR/rules.fifo': not a regular file (a FIFO)"
	truncate -s 17M "$BATS_TEST_TMPDIR/rules.yaml"
	run --separate-stderr timeout 20 "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$BATS_TEST_TMPDIR/rules.yaml"
	assert_failure 2
	assert_equal "$stderr" "compare: cannot read '$BATS_TEST_TMPDIR/rules.yaml': larger than 16 MiB, the limit for this kind of file"
}

@test "an expected count written as a string is an error, not silently unjudged" {
	s=$(invalid_copy strcount)
	jq '.action_total = "50"' "$R/pass/S2/expected.json" >"$s/expected.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "compare: '$s/expected.json': expected value 'action_total' must be a number, not string"
	# null is "not set", as an absent key.
	jq '.action_total = null' "$R/pass/S2/expected.json" >"$s/expected.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_success
}

@test "a rules file with a second YAML document is an error at the second document" {
	local rules="$BATS_TEST_TMPDIR/rules.yaml" n
	cp "$REPO_ROOT/tools/compare/rules.yaml" "$rules"
	n=$(($(wc -l <"$rules") + 1))
	printf -- '---\nversion: 1\nmetrics: []\n' >>"$rules"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$rules"
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "compare: $rules:$n:1: a second YAML document (after '---'): a file holds one document"
}

@test "numbers in rules.yaml and on the command line are decimal: no hex, no space, no nan" {
	local rules="$BATS_TEST_TMPDIR/rules.yaml" bad
	for bad in '0x32' '" 50"' 'nan' '.inf' '1e309'; do
		sed "s/^expected_tolerance_pct: .*/expected_tolerance_pct: $bad/" "$REPO_ROOT/tools/compare/rules.yaml" >"$rules"
		grep -q "^expected_tolerance_pct: $bad" "$rules" || fail "the rules file has no expected_tolerance_pct line"
		run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$rules"
		assert_failure 2
		assert_one_line
		[[ "$stderr" == *"is not a number"* ]] || fail "$bad: $stderr"
	done
	for bad in 0x0.1 ' 0.05' nan 1e-309x; do
		run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --alpha "$bad"
		assert_failure 2
		assert_one_line
	done
}

@test "two empty arm folders are INVALID: nothing was measured" {
	mkdir -p "$BATS_TEST_TMPDIR/empty/S1/old" "$BATS_TEST_TMPDIR/empty/S1/new"
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$BATS_TEST_TMPDIR/empty"
	assert_failure 1
	assert_line "Status:       INVALID"
	assert_line "Summary:      Invalid run, proves nothing either way: nothing was measured"
	refute_line --partial "All metrics within acceptable thresholds"
}

@test "an arm that could not run fails the scenario even when its checks also failed" {
	s=$(invalid_copy failed)
	echo "the controller did not start" >"$s/new/FAILED"
	echo '{"ok": false, "problems": ["interrupted"], "checks": {"setup_ready": false}}' >"$s/new/run.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}"
	assert_failure 1
	assert_line "Status:       FAIL"
}

@test "summary counts PASS, FAIL and INVALID apart; the overall status is the worst" {
	d="$BATS_TEST_TMPDIR/mix"
	mkdir -p "$d"
	cp -r "$R/pass/S2" "$d/S1"
	cp -r "$R/fail/S2" "$d/S2"
	cp -r "$R/pass/S2" "$d/S3"
	echo "the scenario driver exited with status 1" >"$d/S3/old/INVALID"
	run --separate-stderr "$BIN/compare" --summary --results-dir "$d"
	assert_failure 1
	assert_line "Status:    FAIL"
	assert_line "Results:   1/3 passed (33%), 1 failed, 1 invalid"
	assert_line "  S3     INVALID: Invalid run, proves nothing either way: old: the scenario driver exited with status 1"
	run "$BIN/compare" --summary --results-dir "$d" --format json
	[ "$(jq -c '[.status, .pass_count, .fail_count, .invalid_count]' <<<"$output")" = '["FAIL",1,1,1]' ]
	rm -rf "$d/S2"
	run "$BIN/compare" --summary --results-dir "$d" --format json
	assert_failure 1
	[ "$(jq -r .status <<<"$output")" = INVALID ]
	run "$BIN/compare" --summary --results-dir "$d" --format markdown
	assert_line "## ⚠️ Load Test Results: 1 INVALID RUN(S)"
}

@test "a malformed check in run.json is one line and exit 2, nothing written" {
	s=$(invalid_copy badcheck)
	echo '{"ok": true, "checks": {"setup_ready": "yes"}}' >"$s/new/run.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "${s%/S2}" --output "$BATS_TEST_TMPDIR/r.txt"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"check 'setup_ready' must be true, false or an object"* ]]
	assert_file_not_exists "$BATS_TEST_TMPDIR/r.txt"
}

@test "new REST client errors fail whatever their number: 0 -> 1" {
	s=$(invalid_copy resterr)
	jq '.data.result[0].value[1] = "0"' "$s/old/rest_client_requests_errors.json" >"$s/x" && mv "$s/x" "$s/old/rest_client_requests_errors.json"
	jq '.data.result[0].value[1] = "1"' "$s/new/rest_client_requests_errors.json" >"$s/x" && mv "$s/x" "$s/new/rest_client_requests_errors.json"
	run "$BIN/compare" --scenario S2 --results-dir "${s%/S2}" --format json
	assert_failure 1
	[ "$(jq -r '.rows[] | select(.name == "rest_client_requests_errors") | [.old.value, .new.value, .status] | join(",")' <<<"$output")" = "0,1,fail" ]
}

@test "JUnit XML: valid against the schema CI systems read, a testcase per judged row" {
	command -v xmllint >/dev/null || fail "xmllint is not installed (pipelines/deps.sh installs libxml2-utils)"
	run --separate-stderr "$BIN/compare" --summary --results-dir "$R/summary" --format junit \
		--output "$BATS_TEST_TMPDIR/junit.xml"
	assert_failure 1
	run xmllint --noout --schema "$FIXTURES/junit.xsd" "$BATS_TEST_TMPDIR/junit.xml"
	assert_success
	run cat "$BATS_TEST_TMPDIR/junit.xml"
	assert_golden compare/summary.junit.xml
	# The summary's hand-checked failures: S4 two rows, S10 six rows.
	[ "$(xmllint --xpath 'count(//testsuite[@name="S4"]/testcase/failure)' "$BATS_TEST_TMPDIR/junit.xml")" = 2 ]
	[ "$(xmllint --xpath 'count(//testsuite[@name="S10"]/testcase/failure)' "$BATS_TEST_TMPDIR/junit.xml")" = 6 ]
	[ "$(xmllint --xpath 'string(/testsuites/@failures)' "$BATS_TEST_TMPDIR/junit.xml")" = 8 ]
	run "$BIN/compare" --scenario S2 --results-dir "$R/pass" --format junit
	assert_failure 2
}

@test "JUnit XML: an INVALID scenario is an error; hostile text stays well-formed" {
	d="$BATS_TEST_TMPDIR/j"
	mkdir -p "$d"
	cp -r "$R/pass/S2" "$d/S2"
	printf 'driver said <b>"no" & \x01 quit\n' >"$d/S2/new/INVALID"
	echo '{"ok": true, "checks": {"rate<&>": {"ok": false, "value": "3 < 5 & \"x\"", "required": ">= 9"}}}' >"$d/S2/old/run.json"
	run --separate-stderr "$BIN/compare" --summary --results-dir "$d" --format junit --output "$d/junit.xml"
	assert_failure 1
	run xmllint --noout --schema "$FIXTURES/junit.xsd" "$d/junit.xml"
	assert_success
	[ "$(xmllint --xpath 'count(//testcase[@name="valid run"]/error)' "$d/junit.xml")" = 1 ]
	[ "$(xmllint --xpath 'count(//testcase[@name="check rate<&> (old)"]/error)' "$d/junit.xml")" = 1 ]
	run xmllint --xpath 'string(//testcase[@name="valid run"]/error/@message)' "$d/junit.xml"
	assert_output --partial 'new: driver said <b>"no" & \x01 quit'
}

@test "the Markdown summary for a PR comment stays under GitHub's limit whatever the number of scenarios" {
	d="$BATS_TEST_TMPDIR/many"
	mkdir -p "$d"
	for i in $(seq 300); do
		cp -r "$R/summary/S10" "$d/S$i"
	done
	run --separate-stderr "$BIN/compare" --summary --results-dir "$d" --format markdown
	assert_failure 1
	[ "${#output}" -lt 65000 ] || fail "${#output} characters"
	assert_line "| ❌ | **S300** | S2: Fan-out test - 1 CM update triggers 50... | 30/50 | ⚠️ 3 | \`action_total\`, \`action_latency_p95\`, \`errors_total\`, \`reload_executed_total\` and 2 more |"
	assert_line --partial "the rest is cut to keep this comment within GitHub's size limit"
	assert_line "</details>"
	LOADTEST_REPORT_URL=https://ci.example/run/7/index.html run "$BIN/compare" --summary --results-dir "$R/summary" --format markdown
	assert_line "**2/4 passed (50%), 2 failed, 0 invalid** · [full report](https://ci.example/run/7/index.html)"
}

@test "new reload errors fail even when the old build does not count them (errors_total: max_value 0)" {
	d="$BATS_TEST_TMPDIR/noerr"
	mkdir -p "$d"
	cp -r "$R/pass/S2" "$d/S2"
	# The old build exposes no errors_total series (as Reloader v1.4.12); the new one counts 5.
	jq '.data.result = []' "$R/pass/S2/old/reloader_errors_total.json" >"$d/S2/old/reloader_errors_total.json"
	jq '.data.result[0].value[1] = "5"' "$R/pass/S2/new/reloader_errors_total.json" >"$d/S2/new/reloader_errors_total.json"
	run "$BIN/compare" --scenario S2 --results-dir "$d" --format json
	assert_failure 1
	[ "$(jq -r '.rows[] | select(.name == "errors_total") | .status' <<<"$output")" = fail ]
	# No errors at all on the new side: nothing to blame.
	jq '.data.result[0].value[1] = "0"' "$R/pass/S2/new/reloader_errors_total.json" >"$d/S2/new/reloader_errors_total.json"
	run "$BIN/compare" --scenario S2 --results-dir "$d" --format json
	assert_success
	[ "$(jq -r '.rows[] | select(.name == "errors_total") | .status' <<<"$output")" = info ]
}
