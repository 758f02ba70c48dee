#!/usr/bin/env bash
# cluster-up.sh K: bring up cluster K of the pool (create or reuse, load the controllers,
# start Prometheus) and describe it in $STATE/cluster-K.ready. A cluster that cannot come up
# is described in $STATE/cluster-K.failed instead: its scenarios go to the others.
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

k=${1:?usage: cluster-up.sh INDEX}
: "${STATE:?}" "${PROVIDER:?}"
# CLUSTER_NAME names the cluster when the pool has one (as the reference's --cluster-name
# does), else it is the prefix of NAME-0, NAME-1 ...; CLUSTERS is the size of the pool.
if [ -n "${CLUSTER_NAME:-}" ] && [ "${CLUSTERS:-1}" -le 1 ]; then
	name=$CLUSTER_NAME
else
	name="${CLUSTER_NAME:-reloader-loadtest}-$k"
fi
ready="$STATE/cluster-$k.ready"
failed="$STATE/cluster-$k.failed"
# What this pipeline made and has not deleted yet: `make loadtest-clean` deletes it.
made="$STATE/cluster-$k.created"
rm -f "$failed"

created=""
fail() {
	say "cluster $name: $*"
	# A cluster made here but not usable is not left behind.
	if [ -n "$created" ] && [ -z "${KEEP_CLUSTER:-}" ]; then
		if kindctl delete --name "$name" >/dev/null 2>&1; then
			rm -f "$made"
		else
			say "cluster $name: could not be deleted"
		fi
	fi
	printf '%s\n' "$*" | write_atomic "$failed"
	exit 0
}

# Interrupted (Ctrl-C, TERM) while it comes up: a cluster being made, or made but not ready,
# is deleted (the pipeline's clean-up knows only the ready ones); one kept by KEEP_CLUSTER
# stays recorded in cluster-K.created for make loadtest-clean.
creating=""
interrupted() {
	trap '' INT TERM
	# Once ready, the cluster is the pipeline's to take down.
	[ ! -f "$ready" ] || exit 130
	if [ -n "$creating" ] || { [ -n "$created" ] && [ -z "${KEEP_CLUSTER:-}" ]; }; then
		if kindctl delete --name "$name" >/dev/null 2>&1 || ! kindctl exists --name "$name" >/dev/null 2>&1; then
			rm -f "$made"
			say "cluster $name: interrupted while coming up; deleted"
		else
			say "cluster $name: interrupted while coming up; could not be deleted (kept in $made)"
		fi
	fi
	exit 130
}
trap interrupted INT TERM

images=()
[ -n "${OLD_IMAGE:-}" ] && images+=("$OLD_IMAGE")
[ -n "${NEW_IMAGE:-}" ] && images+=("$NEW_IMAGE")
ctx_args=()
if [ "$PROVIDER" = existing ]; then
	IFS=, read -r -a contexts <<<"${CONTEXTS:-}"
	[ "${#contexts[@]}" -gt "$k" ] || fail "no context for cluster $k in CONTEXTS='${CONTEXTS:-}'"
	ctx_args=(--context "${contexts[$k]}")
fi

start=$SECONDS
if [ -n "${SKIP_CLUSTER:-}" ] || [ "$PROVIDER" = existing ]; then
	kindctl exists --name "$name" "${ctx_args[@]}" || fail "does not exist (SKIP_CLUSTER is set)"
else
	say "cluster $name: creating ($PROVIDER)"
	# Recorded first: whatever stops this script, make loadtest-clean can find what it began.
	printf 'name=%s\nprovider=%s\n' "$name" "$PROVIDER" | write_atomic "$made"
	creating=1
	if ! kindctl create --name "$name" --port-offset "$k" >/dev/null; then
		creating=""
		# kindctl removes what it made when it fails; anything left goes as a made cluster does.
		if kindctl exists --name "$name" >/dev/null 2>&1; then created=1; else rm -f "$made"; fi
		fail "could not be created"
	fi
	creating=""
	created=1
fi
kubeconfig=$(kindctl kubeconfig --name "$name" "${ctx_args[@]}") || fail "has no kubeconfig"
if [ -n "${SKIP_IMAGE_LOAD:-}" ]; then
	say "cluster $name: not loading images (SKIP_IMAGE_LOAD is set)"
elif [ "${#images[@]}" -gt 0 ]; then
	say "cluster $name: loading ${images[*]}"
	kindctl load-image --name "$name" "${ctx_args[@]}" "${images[@]}" >/dev/null ||
		fail "could not load ${images[*]}"
fi
if [ -n "${PROMETHEUS_URL:-}" ]; then
	url=$PROMETHEUS_URL
else
	# At 9091+K, or (local) the next free port above it.
	url=$(kindctl prometheus-start --name "$name" "${ctx_args[@]}" --port-offset "$k") ||
		fail "Prometheus did not start"
fi
# A PROMETHEUS_URL's password stays in the environment: the state files and messages name
# the server without it (run-scenario.sh takes PROMETHEUS_URL itself).
shown=$(redact_url "$url")
printf 'name=%s\nprovider=%s\nkubeconfig=%s\nprometheus=%s\ncontext=%s\nsetup_seconds=%s\n' \
	"$name" "$PROVIDER" "$kubeconfig" "$shown" "${ctx_args[1]:-}" "$((SECONDS - start))" | write_atomic "$ready"
say "cluster $name: ready in $((SECONDS - start))s (Prometheus $shown)"
