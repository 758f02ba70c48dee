# Shared setup for the bats suites: libraries, where the tools are, fixed time stamps.
# shellcheck shell=bash disable=SC2154 # bats sets $output, $stderr and $status

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BIN="${LOADTEST_BIN:-$REPO_ROOT/bin}"
FIXTURES="$REPO_ROOT/tests/fixtures"
GOLDEN="$REPO_ROOT/tests/golden"
export REPO_ROOT BIN FIXTURES GOLDEN
# Reports carry a time stamp: fix it so golden files compare byte for byte.
export SOURCE_DATE_EPOCH=1767450600 TZ=UTC
export LOADTEST_RULES="$REPO_ROOT/tools/compare/rules.yaml"

# assert_golden FILE: $output must equal the golden file (UPDATE_GOLDEN=1 rewrites it).
assert_golden() {
	local want="$GOLDEN/$1"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		printf '%s\n' "$output" >"$want"
	fi
	local got
	got=$(printf '%s\n' "$output")
	if [ "$got" != "$(cat "$want")" ]; then
		diff -u "$want" <(printf '%s\n' "$output") | head -40 >&2 || true
		fail "output differs from golden file $1"
	fi
}

# assert_one_line: stderr ($stderr from `run --separate-stderr`) is exactly one line.
assert_one_line() {
	local n
	n=$(printf '%s' "$stderr" | grep -c '' || true)
	[ "$n" -eq 1 ] || fail "expected one line on stderr, got $n: $stderr"
}

# cannot_run REASON: a test that cannot run here says SKIPPED and why; in CI (CI set, as
# .ci/run and CI systems do) it fails instead, so a CI run never passes by skipping.
cannot_run() {
	if [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then
		fail "cannot run in CI: $*"
	fi
	skip "SKIPPED: $*"
}

# Under sanitizers, valgrind cannot run; say so instead of skipping silently.
skip_under_sanitizers() {
	if [ -n "${LOADTEST_SAN:-}" ]; then
		skip "SKIPPED: valgrind cannot run sanitizer builds (covered by the plain run of make test)"
	fi
}

# running PID: the process exists and has not exited (a zombie, exited but not reaped yet by
# a PID 1 that reaps late, is not running).
running() {
	local st
	st=$(ps -o stat= -p "$1") && [[ $st != Z* ]]
}
