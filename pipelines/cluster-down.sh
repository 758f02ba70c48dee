#!/usr/bin/env bash
# cluster-down.sh: stop Prometheus and delete every cluster of the pool that this run made.
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

: "${STATE:?}" "${PROVIDER:?}"
for f in "$STATE"/cluster-*.ready; do
	[ -e "$f" ] || continue
	name=$(kv "$f" name)
	context=$(kv "$f" context)
	ctx_args=()
	[ -n "$context" ] && ctx_args=(--context "$context")
	if [ -n "${KEEP_CLUSTER:-}" ] || [ -n "${SKIP_CLUSTER:-}" ] || [ "$PROVIDER" = existing ]; then
		kindctl prometheus-stop --name "$name" "${ctx_args[@]}" >/dev/null ||
			say "cluster $name: Prometheus did not stop cleanly"
		say "cluster $name: kept"
	else
		if ! kindctl delete --name "$name" >/dev/null; then
			say "cluster $name: could not be deleted (kept in $f)"
			continue
		fi
		say "cluster $name: deleted"
	fi
	rm -f "$f"
done
