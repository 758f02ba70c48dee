# Shared shell helpers of the pipeline scripts (sourced, not run).
# shellcheck shell=bash

: "${REPO_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${LOADTEST_BIN:=$REPO_ROOT/bin}"
export REPO_ROOT LOADTEST_BIN

say() {
	printf 'loadtest: %s\n' "$*" >&2
}

die() {
	say "$*"
	exit 1
}

# write_atomic FILE: stdin to FILE through a temporary name in the same folder; when it
# cannot be written whole (a full disk), 1 with the temporary file removed, FILE untouched.
write_atomic() {
	local tmp
	tmp=$(mktemp "$1.XXXXXX") || return 1
	if ! cat >"$tmp" || ! mv -f "$tmp" "$1"; then
		rm -f "$tmp"
		return 1
	fi
}

# put FILE TEXT: TEXT and a newline into FILE as write_atomic does; when it cannot, 1 with
# the reason (strerror's words, "No space left on device") in put_error.
put_error=""
put() {
	local tmp
	if ! tmp=$(mktemp "$1.XXXXXX" 2>&1); then
		put_error=${tmp##*: }
		return 1
	fi
	if ! put_error=$({ printf '%s\n' "$2" >"$tmp"; } 2>&1) || ! put_error=$(mv -f "$tmp" "$1" 2>&1); then
		rm -f "$tmp"
		put_error=${put_error##*: }
		put_error=${put_error:-cannot write}
		return 1
	fi
}

# kv FILE KEY: the value of KEY=value in a state file.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# kindctl with the run's provider and state folder.
kindctl() {
	"$LOADTEST_BIN/kindctl" --provider "$PROVIDER" "$@"
}
