#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# The tools under valgrind: no leak, no invalid access, on passing, failing and bad input.

setup() {
	load helpers/common
	skip_under_sanitizers
	command -v valgrind >/dev/null || fail "valgrind is not installed (.ci/run installs it)"
	R="$FIXTURES/results"
}

# vg EXPECTED_STATUS ARGS...: run under valgrind; 99 means valgrind found an error or a leak.
vg() {
	local want=$1
	shift
	run --separate-stderr valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$@"
	if [ "$status" -ne "$want" ]; then
		printf '%s\n' "$stderr" | head -40 >&2
		fail "status $status, expected $want: $*"
	fi
}

@test "compare: reports in every format without a leak" {
	for fmt in text json markdown; do
		vg 0 "$BIN/compare" --scenario S2 --results-dir "$R/pass" --format "$fmt"
		vg 1 "$BIN/compare" --scenario S2 --results-dir "$R/fail" --format "$fmt"
		vg 1 "$BIN/compare" --scenario S1 --results-dir "$R/missing" --format "$fmt"
		vg 0 "$BIN/compare" --scenario S1 --results-dir "$R/single" --format "$fmt"
		vg 1 "$BIN/compare" --summary --results-dir "$R/summary" --format "$fmt"
	done
	vg 0 "$BIN/compare" --scenario S5 --results-dir "$R/s5" --output "$BATS_TEST_TMPDIR/r.txt"
}

@test "compare: repeated arms, INVALID runs and an empty folder without a leak" {
	local d="$BATS_TEST_TMPDIR/rep" a i
	mkdir -p "$d/S2/old" "$d/S2/new" "$d/empty"
	cp "$R/pass/S2/expected.json" "$d/S2/"
	for a in old new; do
		for i in 1 2 3; do
			cp -r "$R/pass/S2/$a" "$d/S2/$a/$i"
		done
	done
	echo '{"ok": false, "problems": ["x"], "checks": {"setup_ready": {"ok": false, "value": "1 of 2", "required": "2"}}}' \
		>"$d/S2/new/3/run.json"
	for fmt in text json markdown; do
		vg 1 "$BIN/compare" --scenario S2 --results-dir "$d" --format "$fmt"
		vg 1 "$BIN/compare" --summary --results-dir "$d" --format "$fmt"
		vg 1 "$BIN/compare" --summary --results-dir "$d/empty" --format "$fmt"
	done
}

@test "compare: bad input and bad flags without a leak" {
	vg 2 "$BIN/compare" --scenario S3 --results-dir "$R/malformed"
	vg 2 "$BIN/compare" --scenario S3 --results-dir "$R/notprom"
	vg 2 "$BIN/compare" --scenario S9 --results-dir "$R/pass"
	vg 2 "$BIN/compare" --bogus
	printf 'version: 1\nmetrics:\n  - { name: x, file: x.json, colour: red }\n' >"$BATS_TEST_TMPDIR/rules.yaml"
	vg 2 "$BIN/compare" --scenario S2 --results-dir "$R/pass" --rules "$BATS_TEST_TMPDIR/rules.yaml"
}

@test "unit tests of the library without a leak" {
	local d="$REPO_ROOT/build/rel/unit"
	[ -x "$d/test_lib" ] || fail "unit tests not built: run make unit"
	for t in "$d"/test_*; do
		[[ "$t" == *.o || "$t" == *.d ]] && continue
		vg 0 "$t"
	done
}
