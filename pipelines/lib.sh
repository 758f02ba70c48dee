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

# write_atomic FILE: stdin to FILE through a temporary name in the same folder.
write_atomic() {
	local tmp
	tmp=$(mktemp "$1.XXXXXX")
	cat >"$tmp"
	mv -f "$tmp" "$1"
}

# kv FILE KEY: the value of KEY=value in a state file.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# kindctl with the run's provider and state folder.
kindctl() {
	"$LOADTEST_BIN/kindctl" --provider "$PROVIDER" "$@"
}
