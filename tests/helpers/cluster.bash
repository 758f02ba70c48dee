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
		if kill -0 "$p" 2>/dev/null; then
			echo "cluster_down: process $p is still running after delete" >&3
			return 1
		fi
	done
}

# reloader_metric NAME: the value of a Reloader metric on its own endpoint (summed).
reloader_metric() {
	curl -sf http://127.0.0.1:9090/metrics | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}'
}
