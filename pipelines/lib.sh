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
	# Readable as results are (mktemp makes it 0600).
	if ! put_error=$({ printf '%s\n' "$2" >"$tmp" && chmod 644 "$tmp"; } 2>&1) || ! put_error=$(mv -f "$tmp" "$1" 2>&1); then
		rm -f "$tmp"
		put_error=${put_error##*: }
		put_error=${put_error:-cannot write}
		return 1
	fi
}

# redact_url URL: URL for messages and files, its user information ("user:password@" before
# the host) written "***@", as bin/promsnap does.
redact_url() {
	local url=$1 scheme="" rest auth
	if [[ $url == *://* ]]; then
		scheme=${url%%://*}://
		rest=${url#*://}
	else
		rest=$url
	fi
	auth=${rest%%[/?#]*}
	if [[ $auth == *@* ]]; then
		printf '%s***@%s%s\n' "$scheme" "${auth##*@}" "${rest:${#auth}}"
	else
		printf '%s\n' "$url"
	fi
}

# printable TEXT: TEXT with each control character (newlines included) written \xHH, as
# bin/compare shows a marker's reason: nothing a terminal would act on.
printable() {
	printf '%s' "$1" | perl -pe 's/([\x00-\x1f\x7f])/sprintf("\\x%02x", ord $1)/ge'
}

# kv FILE KEY: the value of KEY=value in a state file.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# kindctl with the run's provider and state folder.
kindctl() {
	"$LOADTEST_BIN/kindctl" --provider "$PROVIDER" "$@"
}
