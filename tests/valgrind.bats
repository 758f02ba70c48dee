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

@test "hostile input without a leak: markers, links, FIFOs, strings for counts, expansion errors, a second document" {
	local d="$BATS_TEST_TMPDIR/h" f="$BATS_TEST_TMPDIR/s.yaml"
	mkdir -p "$d"
	cp -r "$R/pass/S2" "$d/S2"
	printf 'died\033[2J\n' >"$d/S2/new/FAILED"
	vg 1 "$BIN/compare" --scenario S2 --results-dir "$d"
	rm "$d/S2/new/FAILED"
	mkdir "$d/S2/new/FAILED"
	vg 2 "$BIN/compare" --scenario S2 --results-dir "$d"
	rmdir "$d/S2/new/FAILED"
	rm "$d/S2/old/reloader_action_total.json"
	ln -s "$d/gone" "$d/S2/old/reloader_action_total.json"
	vg 2 "$BIN/compare" --scenario S2 --results-dir "$d"
	rm "$d/S2/old/reloader_action_total.json"
	mkfifo "$d/S2/old/reloader_action_total.json"
	vg 2 "$BIN/compare" --scenario S2 --results-dir "$d"
	rm "$d/S2/old/reloader_action_total.json"
	cp "$R/pass/S2/old/reloader_action_total.json" "$d/S2/old/"
	jq '.action_total = "50"' "$R/pass/S2/expected.json" >"$d/S2/expected.json"
	vg 2 "$BIN/compare" --scenario S2 --results-dir "$d"
	vg 2 "$BIN/scenario" --scenario "$REPO_ROOT/tests/fuzz/crashers/scenario/divzero-exits" --check
	vg 2 "$BIN/scenario" --scenario "$REPO_ROOT/tests/fuzz/crashers/scenario/name-overflow" --check
	printf '%s\n' 'id: t' 'objects: [ { kind: ConfigMap, name: "c-{i}", count: 3 } ]' \
		'updates: [ { every: 1s, targets: [ { kind: Secret, name: "c-{i}" } ] } ]' >"$f"
	vg 2 "$BIN/scenario" --scenario "$f" --check
	printf '%s\n' 'id: t' 'objects: []' '---' 'id: u' >"$f"
	vg 2 "$BIN/scenario" --scenario "$f" --check
	printf '%s\n' 'id: t' 'namespaces: [ ../../x ]' 'objects: []' >"$f"
	vg 2 "$BIN/scenario" --scenario "$f" --check
	vg 0 "$BIN/scenario" --scenario S3 --check
}

@test "promsnap with a password in the URL of a server that is down, without a leak" {
	vg 1 "$BIN/promsnap" --url "http://u:s3cr3t@127.0.0.1:1" --job j --start 0 --end 60 --out "$BATS_TEST_TMPDIR/o" \
		--tries 1 --query-timeout 2
	[[ "$stderr" != *s3cr3t* ]] || fail "the password was printed: $stderr"
	vg 2 "$BIN/promsnap" wait --url "ftp://u:s3cr3t@127.0.0.1:1" --job j
}
