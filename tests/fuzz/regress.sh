#!/usr/bin/env bash
# regress.sh HARNESS...: feed each harness (built without libFuzzer, build/*/fuzz-regress/
# fuzz_NAME) the inputs saved for it: tests/fuzz/crashers/NAME/* (inputs that crashed it
# once, fixed since), tests/fuzz/seeds/NAME/* (hand-written seeds) and, for the loaders,
# the shipped files they read. Run from the top of the tree. A harness that fails shows the end of its messages; exit status 1 then.
set -euo pipefail

here=tests/fuzz
# In the sanitizer build: whole stacks, so that libjq's own leak can be told apart (lsan.supp).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/$here/lsan.supp:print_suppressions=0
# A memory bomb is a failure, as under libFuzzer (-rss_limit_mb=2048): the sanitizers' own
# limit in that build, the address space elsewhere (ASan cannot run under ulimit -v).
export ASAN_OPTIONS=$ASAN_OPTIONS:hard_rss_limit_mb=2048
mem_limit() {
	grep -q __asan_init "$1" || ulimit -v 4194304
}
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for bin in "$@"; do
	name=${bin##*/fuzz_}
	inputs=()
	case $name in
	rules) shipped=(tools/compare/rules.yaml) ;;
	queries) shipped=(tools/promsnap/queries.yaml) ;;
	scenario) shipped=(tools/scenario/scenarios/*.yaml tests/fixtures/scenarios/*.yaml) ;;
	*) shipped=() ;;
	esac
	for f in "$here/crashers/$name"/* "$here/seeds/$name"/* "${shipped[@]}"; do
		[ -f "$f" ] && inputs+=("$f")
	done
	if ((${#inputs[@]} == 0)); then
		printf 'fuzz-regress: %s: no saved inputs\n' "$name"
		continue
	fi
	if (mem_limit "$bin" && exec timeout 300 "$bin" "${inputs[@]}") >/dev/null 2>"$log"; then
		printf 'fuzz-regress: %s: %d inputs passed\n' "$name" "${#inputs[@]}"
	else
		printf 'fuzz-regress: %s: FAILED on %s\n' "$name" "$(grep '^fuzz-regress: ' "$log" | tail -1 | cut -d' ' -f2-)"
		tail -n 40 "$log"
		status=1
	fi
done
exit "$status"
