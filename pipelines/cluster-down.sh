#!/usr/bin/env bash
# cluster-down.sh: stop Prometheus and delete every cluster of the pool that this run made.
# cluster-down.sh --all (make loadtest-clean): also every cluster an earlier run made and
# left (kept, or a delete that failed), as recorded in $STATE/cluster-K.created.
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

all=""
case "${1:-}" in
"") ;;
--all) all=1 ;;
*) die "cluster-down.sh: unknown argument '$1' (usage: cluster-down.sh [--all])" ;;
esac
: "${STATE:?}" "${PROVIDER:?}"
[ -d "$STATE" ] || exit 0
for f in "$STATE"/cluster-*.ready; do
	[ -e "$f" ] || continue
	name=$(kv "$f" name)
	context=$(kv "$f" context)
	ctx_args=()
	[ -n "$context" ] && ctx_args=(--context "$context")
	if [ -z "$all" ] && { [ -n "${KEEP_CLUSTER:-}" ] || [ -n "${SKIP_CLUSTER:-}" ]; } ||
		[ "$PROVIDER" = existing ] || { [ -n "$all" ] && [ ! -f "${f%.ready}.created" ]; }; then
		kindctl prometheus-stop --name "$name" "${ctx_args[@]}" >/dev/null ||
			say "cluster $name: Prometheus did not stop cleanly"
		say "cluster $name: kept"
	else
		if ! kindctl delete --name "$name" >/dev/null; then
			say "cluster $name: could not be deleted (kept in $f)"
			continue
		fi
		rm -f "${f%.ready}.created"
		say "cluster $name: deleted"
	fi
	rm -f "$f"
done
[ -n "$all" ] || exit 0
# Clusters made by an earlier run and left behind, each with the provider that made it.
for f in "$STATE"/cluster-*.created; do
	[ -e "$f" ] || continue
	name=$(kv "$f" name)
	provider=$(kv "$f" provider)
	if [ -z "$name" ] || [ -z "$provider" ]; then
		say "$f: no name or provider recorded; removed"
	elif err=$(PROVIDER=$provider kindctl delete --name "$name" 2>&1 >/dev/null); then
		say "cluster $name: deleted"
	elif ! PROVIDER=$provider kindctl exists --name "$name" >/dev/null 2>&1; then
		say "cluster $name: already gone"
	else
		say "cluster $name: could not be deleted (kept in $f): $err"
		continue
	fi
	rm -f "$f"
done
