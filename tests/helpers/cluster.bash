# shellcheck shell=bash
# A local cluster (real control plane + kwok) shared by the tests of one file: made in
# setup_file, deleted in teardown_file, every process stopped by its recorded pid.

# cluster_up NAME: create the cluster and Prometheus; exports KUBECONFIG and PROM_URL.
# When the control-plane binaries cannot be built here, cluster_required says why (SKIPPED,
# or a failure in CI).
cluster_up() {
	export LOADTEST_STATE="$BATS_FILE_TMPDIR/state"
	export CLUSTER=$1
	local log="$BATS_FILE_TMPDIR/cluster-up.log"
	# Binaries that cannot be built here (no Go module proxy, a refused module) are a reason to
	# skip, said out loud; a cluster that does not come up from built binaries is a failure.
	if ! "$REPO_ROOT/tools/kindctl/build-binaries.sh" all >/dev/null 2>"$BATS_FILE_TMPDIR/build.log"; then
		tail -n 1 "$BATS_FILE_TMPDIR/build.log" >"$BATS_FILE_TMPDIR/skip-reason"
		return 0
	fi
	if ! "$BIN/kindctl" --provider local create --name "$CLUSTER" >"$BATS_FILE_TMPDIR/kubeconfig-path" 2>"$log"; then
		echo "cluster_up: kindctl create failed: $(tail -n 3 "$log")" >&3
		return 1
	fi
	KUBECONFIG=$(<"$BATS_FILE_TMPDIR/kubeconfig-path")
	export KUBECONFIG
	PROM_URL=$("$BIN/kindctl" --provider local prometheus-start --name "$CLUSTER" --port "$(free_port)")
	export PROM_URL
}

# cluster_pids: every pid the cluster's state records (control plane, Prometheus, arms).
cluster_pids() {
	local d="$LOADTEST_STATE/clusters/$CLUSTER"
	cat "$d"/kwok/clusters/"$CLUSTER"/pids/*.pid "$d"/*.pid 2>/dev/null | awk '{print $1}'
}

# In setup(): skip with the reason when the binaries could not be built, fail when the
# cluster did not come up.
cluster_required() {
	if [ -f "$BATS_FILE_TMPDIR/skip-reason" ]; then
		cannot_run "the local control plane cannot be built here: $(<"$BATS_FILE_TMPDIR/skip-reason")"
	fi
	[ -n "${KUBECONFIG:-}" ] || fail "the cluster did not come up (see $BATS_FILE_TMPDIR/cluster-up.log)"
}

cluster_down() {
	[ -n "${CLUSTER:-}" ] || return 0
	local pids
	pids=$(cluster_pids)
	"$BIN/kindctl" --provider local delete --name "$CLUSTER" || true
	local p
	for p in $pids; do
		if running "$p"; then
			echo "cluster_down: process $p is still running after delete" >&3
			return 1
		fi
	done
}

# reloader_url: where the running arm of $CLUSTER serves its metrics, as kindctl recorded it
# (a host port of its network namespace's bridge, or 127.0.0.1:9090 on the host's network);
# fails when no arm runs.
reloader_url() {
	local arm
	for arm in old new; do
		"$BIN/kindctl" --provider local arm-metrics-url --name "$CLUSTER" --arm "$arm" 2>/dev/null && return 0
	done
	return 1
}

# reloader_metric NAME: the value of a Reloader metric on its own endpoint (summed); an
# endpoint that does not answer prints "unreachable" (never 0) and fails.
reloader_metric() {
	local text url
	if ! url=$(reloader_url) || ! text=$(curl -sf "$url"); then
		echo unreachable
		return 1
	fi
	awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}' <<<"$text"
}

# ---- Independent oracles: what the test reads itself, never through a tool of this project ----

# reloader_counter NAME LABEL VALUE: one Reloader counter on its own /metrics endpoint, summed
# over the series whose LABEL is VALUE (e.g. reloader_reload_executed_total success true); an
# endpoint that does not answer prints "unreachable" (never 0) and fails.
reloader_counter() {
	local text url
	if ! url=$(reloader_url) || ! text=$(curl -sf "$url"); then
		echo unreachable
		return 1
	fi
	awk -v m="$1" -v l="$2=\"$3\"" '(index($1, m "{") == 1 && index($1, l)) {s += $2} END {print s + 0}' <<<"$text"
}

# api_get PATH: the API server's answer for PATH (JSON), read with kubectl and $KUBECONFIG.
api_get() {
	kubectl get --raw "$1"
}

# api_state NS: NS's workloads, ConfigMaps and Secrets as the API server holds them, one JSON
# document (see tests/helpers/oracle.jq):
#   {"workloads": [{kind, name, generation, env: {NAME: value}, annotations: {...}}],
#    "objects": {"ConfigMap/NAME": {kind, name, data, annotations, hash}}}
# env and annotations are the pod template's (every container and init container); data is
# decoded for Secrets; hash is SHA-1 of the sorted "key=value" pairs joined by ";", the value
# Reloader writes into a template for that content.
api_state() {
	local ns=$1 tmp
	tmp=$(mktemp -d)
	# One read of every kind (a List whose items carry their kind).
	if ! kubectl get -n "$ns" deployments,statefulsets,daemonsets,configmaps,secrets -o json >"$tmp/list.json" ||
		! jq -L "$REPO_ROOT/tests/helpers" 'include "oracle"; state_of(.items)' "$tmp/list.json" >"$tmp/state.json"; then
		rm -rf "$tmp"
		return 1
	fi
	# The hashes, computed here with sha1sum from the content as read (base64 carries any byte).
	local key canon sum
	jq -r '.objects | to_entries[] | "\(.key)\t\(.value.canon | @base64)"' "$tmp/state.json" |
		while IFS=$'\t' read -r key canon; do
			sum=$(base64 -d <<<"$canon" | sha1sum)
			printf '%s\t%s\n' "$key" "${sum%% *}"
		done >"$tmp/hashes.tsv"
	jq --rawfile h "$tmp/hashes.tsv" '
		([$h | split("\n")[] | select(. != "") | split("\t") | {(.[0]): .[1]}] | add // {}) as $sums
		| .objects |= with_entries(.value.hash = $sums[.key] | del(.value.canon))' "$tmp/state.json"
	rm -rf "$tmp"
}

# reloader_exposes NAME: the controller's /metrics endpoint has the metric NAME at all.
reloader_exposes() {
	local url
	url=$(reloader_url) && curl -sf "$url" | grep -q "^$1[{ ]"
}
