#!/usr/bin/env bash
# check.sh: `make loadtest`'s first stage (loadtest-check). Checks the make variables, one
# line naming the bad one and exit 2; then decides which cached scenarios run again (an
# INVALID or FAILED arm, fewer repeats than REPEATS, another SCALE or SET: their arms.done
# goes, the valid runs already there stay); then says in one line what will run.
# Environment (set by pipelines/loadtest.mk): the make variables as given (OLD_IMAGE,
# NEW_IMAGE, SCENARIOS, DURATION and their LOADTEST_* aliases, REPEATS, OLD_API_DELAY_MS,
# NEW_API_DELAY_MS, SCALE, SET, CLUSTER_NAME, PARALLELISM, LOADTEST_SCENARIO_DIR,
# RESULTS_DIR, BIN) and what loadtest.mk worked out: LT_ENTRIES (the SCENARIOS entries),
# LT_SCENARIOS (their results folder names), LT_OLD_IMAGE, LT_NEW_IMAGE, LT_PROVIDER,
# LT_NETNS (kindctl netns-check), LT_N (clusters).
set -uo pipefail
: "${DURATION?}" "${REPEATS?}" "${SCALE?}" "${SET?}" "${CLUSTER_NAME?}" "${PARALLELISM?}" "${RESULTS_DIR?}" "${BIN?}"
: "${LT_OLD_IMAGE?}" "${LT_NEW_IMAGE?}" "${LT_PROVIDER?}" "${LT_NETNS?}" "${LT_N?}"

fail() {
	echo "loadtest: $*" >&2
	exit 2
}

read -ra entries <<<"${LT_ENTRIES:-}"
read -ra names <<<"${LT_SCENARIOS:-}"

# The reference's variable names are aliases: both may be given only when they agree.
alias_check() {
	local name=$1 ours=$2 theirs=$3
	if [ -n "$theirs" ] && [ "$ours" != "$theirs" ]; then
		fail "$name='$ours' and LOADTEST_$name='$theirs' differ: give one of them"
	fi
}
alias_check OLD_IMAGE "${OLD_IMAGE:-}" "${LOADTEST_OLD_IMAGE:-}"
alias_check NEW_IMAGE "${NEW_IMAGE:-}" "${LOADTEST_NEW_IMAGE:-}"
alias_check SCENARIOS "${SCENARIOS:-}" "${LOADTEST_SCENARIOS:-}"
alias_check DURATION "${DURATION:-}" "${LOADTEST_DURATION:-}"

[ ${#names[@]} -gt 0 ] || fail "no scenario in SCENARIOS='${SCENARIOS:-}'"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || fail "DURATION must be a positive whole number of seconds, not '$DURATION'"
if ! [[ $REPEATS =~ ^[1-9][0-9]*$ ]] || [ "$REPEATS" -gt 30 ]; then
	fail "REPEATS must be a whole number from 1 to 30, not '$REPEATS'"
fi
for v in OLD_API_DELAY_MS NEW_API_DELAY_MS; do
	val=${!v:-}
	[ -z "$val" ] || [[ $val =~ ^[0-9]{1,5}$ ]] || fail "$v must be a whole number of milliseconds, not '$val'"
done
if [ -n "${OLD_API_DELAY_MS:-}${NEW_API_DELAY_MS:-}" ] && [ "$LT_PROVIDER" != local ]; then
	fail "OLD_API_DELAY_MS/NEW_API_DELAY_MS work on the local provider only (provider $LT_PROVIDER)"
fi

# A scenario run before whose arms are not all there and valid runs again.
for s in "${names[@]}"; do
	d=$RESULTS_DIR/$s
	[ -f "$d/arms.done" ] || continue
	redo=
	for a in old new; do
		if [ $a = old ]; then img=$LT_OLD_IMAGE; else img=$LT_NEW_IMAGE; fi
		[ -n "$img" ] || continue
		for m in INVALID FAILED; do
			{ compgen -G "$d/$a/$m" || compgen -G "$d/$a/*/$m"; } >/dev/null && redo=1
		done
		[ "$REPEATS" -eq 1 ] || [ -d "$d/$a/$REPEATS" ] || redo=1
	done
	if [ -n "$redo" ]; then
		rm -f "$d/arms.done"
		echo "loadtest: $s: its arms run again (an INVALID or FAILED run, or fewer than $REPEATS repeats)" >&2
	fi
done

if ! [[ $SCALE =~ ^[1-9][0-9]{0,6}$ ]] || [ "$SCALE" -gt 1000000 ]; then
	fail "SCALE must be a whole number from 1 to 1000000, not '$SCALE'"
fi
[[ $SET =~ ^([A-Za-z0-9_.{}()%+*/-]+=[A-Za-z0-9_.]+(,|$))*$ ]] ||
	fail "SET must be KEY=VALUE[,KEY=VALUE...] (see bin/scenario --help), not '$SET'"
if [ "$SCALE" != 1 ] || [ -n "$SET" ]; then
	setargs=()
	[ -z "$SET" ] || setargs=(--set "$SET")
	for s in "${entries[@]}"; do
		"$BIN/scenario" --scenario "$s" --scale "$SCALE" "${setargs[@]}" --check >/dev/null || exit 2
	done
fi
# Arms made at another size are not comparable with these: they run again.
for s in "${names[@]}"; do
	d=$RESULTS_DIR/$s
	[ -f "$d/arms.done" ] || continue
	if [ "$(cat "$d/params.txt" 2>/dev/null || echo 'scale=1 set=')" != "scale=$SCALE set=$SET" ]; then
		rm -f "$d/arms.done"
		echo "loadtest: $s: its arms run again (they ran with another SCALE or SET)" >&2
	fi
done

[[ $CLUSTER_NAME =~ ^([a-z0-9][a-z0-9-]{0,46})?$ ]] ||
	fail "CLUSTER_NAME '$CLUSTER_NAME' must be lowercase letters, digits and '-', at most 47"
for s in "${entries[@]}"; do
	case $s in
	*/* | *.yaml | *.yml) f=$s ;;
	*) f=${LOADTEST_SCENARIO_DIR:-tools/scenario/scenarios}/$s.yaml ;;
	esac
	[ -f "$f" ] || fail "unknown scenario '$s' (no $f; S1..S14, or a scenario file)"
done
if [ "$(printf '%s\n' "${names[@]}" | sort -u | wc -l)" -ne ${#names[@]} ]; then
	fail "two scenarios in SCENARIOS='$SCENARIOS' have the same name (${names[*]}): each needs its own results folder"
fi
for s in "${names[@]}"; do
	[[ $s =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
		fail "scenario name '$s' must be letters, digits, '.', '_' and '-' (it names a results folder)"
done
[[ $PARALLELISM =~ ^[1-9][0-9]?$ ]] || fail "PARALLELISM must be a whole number from 1 to 99, not '$PARALLELISM'"
if [ "$LT_PROVIDER" = local ] && [ "$PARALLELISM" -gt 1 ] && [ "$LT_NETNS" != yes ]; then
	echo "loadtest: PARALLELISM=$PARALLELISM reduced to 1 on the local provider: Reloader's metrics port (:9090) is fixed and arms cannot get network namespaces of their own here (${LT_NETNS#no: })" >&2
fi
repeats=
[ "$REPEATS" = 1 ] || repeats=", $REPEATS runs per arm"
echo "loadtest: ${#names[@]} scenario(s) (${names[*]}), $LT_N cluster(s), provider $LT_PROVIDER, old '$LT_OLD_IMAGE', new '$LT_NEW_IMAGE', ${DURATION}s each$repeats" >&2
