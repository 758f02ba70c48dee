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
	assert_output --partial "fail inconclusive inconclusive (n too small: no p below 0.05 is possible); threshold rule on medians: new is +"
}

# family K NOLD NNEW: a catalogue of K primary rows r1..rK (kind lower, 10 %), and results
# DIR/S2 with every row mildly noisy in both arms (5 v 5: p well above 0.05) except r1, whose
# new arm is twice the old (fully separated: p = 2/252 = 0.0079).
family() {
	local k=$1 i a r v
	{
		echo "version: 1"
		echo "metrics:"
		for r in $(seq "$k"); do
			echo "  - { name: r$r, file: r$r.json, kind: lower, max_diff_pct: 10, primary: true }"
		done
	} >"$BATS_TEST_TMPDIR/family.yaml"
	for a in old new; do
		for i in $(seq 5); do
			mkdir -p "$D/S2/$a/$i"
			for r in $(seq "$k"); do
				v=$((100 + (i * 7 + r * 3) % 5))	# 100..104, interleaved between the arms
				[ "$a" = new ] && [ "$r" = 1 ] && v=$((200 + i))
				[ "$a" = old ] && [ "$r" = 1 ] && v=$((100 + i))
				printf '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"%s"]}]}}\n' "$v" \
					>"$D/S2/$a/$i/r$r.json"
			done
		done
	done
}

# frow NAME [ARGS]: status, verdict, raw and adjusted p of a row with the family catalogue.
frow() {
	local name=$1
	shift
	"$BIN/compare" --scenario S2 --results-dir "$D" --rules "$BATS_TEST_TMPDIR/family.yaml" --format json "$@" |
		jq -r --arg n "$name" '.rows[] | select(.name == $n) | "\(.status) \(.repeats.verdict) \(.repeats.p_value * 252 | round) \(.repeats.p_adjusted * 1000 | round)"'
}

@test "one of 30 rows at raw p = 0.0079 is not significant after Holm: PASS" {
	family 30
	run "$BIN/compare" --scenario S2 --results-dir "$D" --rules "$BATS_TEST_TMPDIR/family.yaml"
	assert_success
	# Raw p 2/252; Holm's first step multiplies by the 30 rows of the family: 0.238.
	assert_equal "$(frow r1)" "pass ~ 2 238"
	# Alone (a family of one), the same row fails: the correction is what passes it.
	family 1
	assert_equal "$(frow r1)" "fail regressed 2 8"
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
	family 4
	cp -r "$D/S2" "$D/S3"
	local rules=(--rules "$BATS_TEST_TMPDIR/family.yaml")
	# Each scenario alone: Holm over its 4 rows, 4 x 0.0079 = 0.032 < 0.05: r1 fails.
	run "$BIN/compare" --scenario S2 --results-dir "$D" "${rules[@]}"
	assert_failure 1
	# The summary's family is both scenarios' 8 rows: 8 x 0.0079 = 0.063: both pass.
	run "$BIN/compare" --summary --results-dir "$D" "${rules[@]}" --format json
	assert_success
	[ "$(jq -r '.pass_count' <<<"$output")" = 2 ]
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

@test "calibrate: an A/A run gives each row's noise, the repeats a change needs, and warnings" {
	repeats 5 5
	# The same build twice: cpu varies by about 20 % around 0.15 cores in both arms.
	local v=(0.12 0.18 0.15 0.13 0.17 0.16 0.11 0.19 0.14 0.15)
	for i in $(seq 5); do
		put old "$i" cpu_usage_cores_avg.json "${v[$((i - 1))]}"
		put new "$i" cpu_usage_cores_avg.json "${v[$((i + 4))]}"
	done
	# The fixture's arms differ in a few rows: make new a copy of old for everything else.
	for i in $(seq 5); do
		for f in "$D/S2/old/$i"/*.json; do
			[ "${f##*/}" = cpu_usage_cores_avg.json ] || cp "$f" "$D/S2/new/$i/"
		done
	done
	run --separate-stderr "$BIN/compare" --calibrate --results-dir "$D"
	assert_success
	assert_line --regexp '^S2 +cpu_cores_avg +10 +1[0-9]\.[0-9]% '
	run --separate-stderr "$BIN/compare" --calibrate --results-dir "$D" --format json --output "$BATS_TEST_TMPDIR/cal.json"
	assert_success
	# Hand-checked: mean 0.15; squared deviations sum to 0.006, / 9 = 0.000667, sd 0.0258: CV 17.2 %.
	run jq -r '.rows[] | select(.name == "cpu_cores_avg") | "\(.n) \(.cv * 1000 | round) \(.threshold_pct)"' "$BATS_TEST_TMPDIR/cal.json"
	assert_output "10 172 25"
	# 5 repeats cannot resolve 25 % at this noise: the report says so, and still judges.
	[ "$(jq -r '.rows[] | select(.name == "cpu_cores_avg") | .threshold_below_noise' "$BATS_TEST_TMPDIR/cal.json")" = true ]
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --calibration "$BATS_TEST_TMPDIR/cal.json"
	assert_success
	assert_line --partial "  ! cpu_cores_avg: threshold 25% is below the noise floor"
	# More repeats resolve bigger changes: the 50 % column needs no more than the 20 % one.
	run jq -r '.rows[] | select(.name == "cpu_cores_avg") | .repeats_needed | "\(."50" <= (."20" // 99))"' "$BATS_TEST_TMPDIR/cal.json"
	assert_output true
}

@test "calibrate: results without repeats are refused in one line" {
	run --separate-stderr "$BIN/compare" --calibrate --results-dir "$R/pass"
	assert_failure 2
	[[ "$stderr" == *"nothing to calibrate"* ]]
	run --separate-stderr "$BIN/compare" --scenario S2 --results-dir "$R/pass" --calibration /nonexistent
	assert_failure 2
	assert_one_line
}
