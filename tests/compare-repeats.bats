#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# compare over repeated arms (DIR/S/ARM/1..N): synthetic results built from the passing S2
# fixture with chosen values, so each verdict follows from hand-checkable numbers:
# 10 v 10 fully separated gives p = 2 / C(20, 10) = 1.08e-5 (significant after Holm over
# ~20 rows); 5 v 5 fully separated gives 2/252 = 0.0079 (not, after Holm); 2 v 2 can never
# go below 1/3 (inconclusive).

setup() {
	load helpers/common
	R="$FIXTURES/results"
	D="$BATS_TEST_TMPDIR/res"
}

# repeats NOLD NNEW: DIR/S2/{old,new}/1..N, copies of the passing fixture's arms.
repeats() {
	mkdir -p "$D/S2"
	cp "$R/pass/S2/expected.json" "$D/S2/"
	local a i n
	for a in old new; do
		n=$1
		[ $a = old ] || n=$2
		for i in $(seq "$n"); do
			mkdir -p "$D/S2/$a"
			cp -r "$R/pass/S2/$a" "$D/S2/$a/$i"
		done
	done
}

# put ARM REPEAT FILE VALUE: the snapshot FILE of one repeat answers VALUE.
put() {
	local f="$D/S2/$1/$2/$3"
	jq --arg v "$4" '.data.result[0].value[1] = $v' "$f" >"$f+" && mv "$f+" "$f"
}

# row NAME: status, verdict and p-value (adjusted) of a row in the JSON report.
row() {
	"$BIN/compare" --scenario S2 --results-dir "$D" --format json |
		jq -r --arg n "$1" '.rows[] | select(.name == $n) | "\(.status) \(.repeats.verdict // "-") \(.repeats.p_adjusted // "-")"'
}

@test "a clear shift over 10 v 10 repeats FAILs the row as regressed" {
	repeats 10 10
	for i in $(seq 10); do
		put old "$i" cpu_usage_cores_avg.json "0.1$i"	# 0.11 .. 0.19, and 0.110
		put new "$i" cpu_usage_cores_avg.json "0.5$i"	# 0.51 .. 0.59, and 0.510: beyond 100 % and 0.1
	done
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$D"
	assert_failure 1
	assert_line "Status:       FAIL"
	assert_line "Repeats:      old 10, new 10 (alpha 0.05)"
	read -r st vd p < <(row cpu_cores_avg)
	[ "$st" = fail ] && [ "$vd" = regressed ] || fail "got: $st $vd $p"
	# The adjusted p is the raw 2/C(20,10) times the number of statistical rows.
	raw=$("$BIN/compare" --scenario S2 --results-dir "$D" --format json | jq -r '.rows[] | select(.name == "cpu_cores_avg") | .repeats.p_value')
	awk -v r="$raw" 'BEGIN { exit !(r > 1.0824e-5 && r < 1.0826e-5) }' || fail "raw p $raw is not 2/C(20,10)"
	# The ratio of medians: 0.545 / 0.145 = 3.7586, with an interval around it.
	run jq -r '.rows[] | select(.name == "cpu_cores_avg") | .repeats.change | "\(.kind) \(.estimate * 1000 | round) \(.ci[0] < .estimate) \(.ci[1] > .estimate)"' \
		<("$BIN/compare" --scenario S2 --results-dir "$D" --format json)
	assert_output "ratio_of_medians 3759 true true"
}

@test "overlapping repeats: no significant change (~), PASS" {
	repeats 6 6
	local old=(0.10 0.14 0.12 0.16 0.11 0.13) new=(0.12 0.15 0.10 0.14 0.13 0.11)
	for i in $(seq 6); do
		put old "$i" cpu_usage_cores_avg.json "${old[$((i - 1))]}"
		put new "$i" cpu_usage_cores_avg.json "${new[$((i - 1))]}"
	done
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$D"
	assert_success
	read -r st vd _ < <(row cpu_cores_avg)
	[ "$st" = pass ] && [ "$vd" = "~" ] || fail "got: $st $vd"
}

@test "2 v 2 is inconclusive and falls back to the threshold rule, marked as such" {
	repeats 2 2
	put old 1 cpu_usage_cores_avg.json 0.10
	put old 2 cpu_usage_cores_avg.json 0.11
	put new 1 cpu_usage_cores_avg.json 0.50
	put new 2 cpu_usage_cores_avg.json 0.52
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format json
	assert_failure 1
	run jq -r '.rows[] | select(.name == "cpu_cores_avg") | "\(.status) \(.repeats.verdict) \(.reason)"' <<<"$output"
	assert_output --partial "fail inconclusive inconclusive (n too small for p < 0.05); threshold rule on medians: new is +"
}

@test "one of many rows at raw p = 0.0079 is not significant after Holm: PASS" {
	repeats 5 5
	for i in $(seq 5); do
		put old "$i" cpu_usage_cores_avg.json "0.1$i"
		put new "$i" cpu_usage_cores_avg.json "0.5$i"
	done
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format json
	assert_success
	run jq -r '.rows[] | select(.name == "cpu_cores_avg") | "\(.status) \(.repeats.verdict) \(.repeats.p_value * 252 | round)"' <<<"$output"
	assert_output "pass ~ 2"
	# Without the other rows' company (alpha loose enough for one test), it would have failed:
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format json --alpha 0.5
	assert_failure 1
}

@test "exact rows are judged in every repeat: one failing repeat fails the row" {
	repeats 3 3
	put new 2 reloader_action_total.json 7	# expected 50 in every repeat
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format json
	assert_failure 1
	run jq -r '.rows[] | select(.name == "action_total") | "\(.status) \(.repeats.repeats_failed)/\(.repeats.repeats_judged) \(.reason)"' <<<"$output"
	assert_output --partial "fail 1/3 failed in 1 of 3 repeats; repeat 2: new 7 misses expected 50"
}

@test "a failed check in one repeat makes the scenario INVALID and names the repeat" {
	repeats 2 2
	echo '{"ok": true, "checks": {"rate_reached": {"ok": false, "value": "3.0/s", "required": ">= 9.5/s"}}}' >"$D/S2/new/2/run.json"
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$D"
	assert_failure 1
	assert_line "Status:       INVALID"
	assert_line --partial "new repeat 2: check rate_reached failed (3.0/s; required >= 9.5/s)"
	assert_line "  ✗ new/2 rate_reached: 3.0/s (required: >= 9.5/s)"
}

@test "the summary adjusts again across scenarios" {
	repeats 5 5
	for i in $(seq 5); do
		put old "$i" cpu_usage_cores_avg.json "0.1$i"
		put new "$i" cpu_usage_cores_avg.json "0.5$i"
	done
	cp -r "$D/S2" "$D/S3"
	run "$BIN/compare" --summary --results-dir "$D" --format json --alpha 0.5
	# With alpha 0.5 each scenario alone fails the row (20 x 0.0079 < 0.5); across two
	# scenarios, 40 x 0.0079 = 0.32 still does: both FAIL.
	assert_failure 1
	[ "$(jq -r '.fail_count' <<<"$output")" = 2 ]
	run "$BIN/compare" --summary --results-dir "$D" --format json --alpha 0.2
	# 0.2: alone, 20 x 0.0079 = 0.159 < 0.2 would fail; across both, 0.317 > 0.2: both pass.
	assert_success
	[ "$(jq -r '.pass_count' <<<"$output")" = 2 ]
	run "$BIN/compare" --scenario S2 --results-dir "$D" --alpha 0.2
	assert_failure 1
}

@test "repeated results render in text, Markdown and JSON; flat layout unchanged" {
	repeats 3 3
	run "$BIN/compare" --scenario S2 --results-dir "$D"
	assert_success
	assert_line --regexp '^Metric +n +Old +New +New/Old +p\(adj\) +Verdict +Status$'
	assert_line --regexp '^action_total +3/3 +50 +50 +- +- +exact 3/3 +pass$'
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format markdown
	assert_line "| Metric | n | Old | New | New/Old | p(adj) | Verdict | Status |"
	run "$BIN/compare" --scenario S2 --results-dir "$D" --format json
	[ "$(jq -c '.repeats' <<<"$output")" = '{"old":3,"new":3}' ]
	[ "$(jq -c '.rows[] | select(.name == "memory_rss_mb_avg") | .repeats.old.n' <<<"$output")" = 3 ]
}
