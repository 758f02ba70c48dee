#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# delete on the local provider, without a cluster: what kwokctl leaves running is stopped by
# the pids kwok recorded, read before `kwokctl delete` removes them with the cluster's folder.
# kwokctl is a stub in a cache of our own (LOADTEST_CACHE) that deletes the folder as the real
# one does, and the "components" are copies of sleep run from that folder, as kwok runs its
# binaries from the cluster's bin/ folder.

setup() {
	load helpers/common
	load helpers/prometheus
	export LOADTEST_STATE="$BATS_TEST_TMPDIR/state" LOADTEST_CACHE="$BATS_TEST_TMPDIR/cache"
	export CALLS="$BATS_TEST_TMPDIR/kwokctl-calls"
	CL=deltest
	KWOKDIR=$LOADTEST_STATE/clusters/$CL/kwok/clusters/$CL
	mkdir -p "$KWOKDIR/pids" "$KWOKDIR/bin"
	# shellcheck source=tools/kindctl/versions.env
	. "$REPO_ROOT/tools/kindctl/versions.env"
	local k=$LOADTEST_CACHE/bin/kwok-$KWOK_VERSION
	mkdir -p "$k"
	# Called as: kwokctl delete cluster --name NAME, with KWOK_WORKDIR set.
	cat >"$k/kwokctl" <<-'EOF'
		#!/bin/bash
		echo "kwokctl $*" >>"$CALLS"
		[ -z "${STUB_KWOKCTL_FAIL:-}" ] || exit 1
		[ "$1 $2 $3" = "delete cluster --name" ] && rm -rf -- "$KWOK_WORKDIR/clusters/$4"
	EOF
	printf '#!/bin/sh\nexit 0\n' >"$k/kwok"
	chmod +x "$k/kwokctl" "$k/kwok"
	if ! "$REPO_ROOT/tools/kindctl/build-binaries.sh" kwok >/dev/null 2>"$BATS_TEST_TMPDIR/build.log"; then
		cannot_run "build-binaries.sh does not run here: $(tail -n 1 "$BATS_TEST_TMPDIR/build.log")"
	fi
	cp "$(command -v sleep)" "$KWOKDIR/bin/etcd"
	cp "$(command -v sleep)" "$KWOKDIR/bin/kube-apiserver"
	STARTED=()
}

teardown() {
	local p
	for p in "${STARTED[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# component NAME BINARY: start BINARY as kwok's component NAME, its pid recorded as kwok does
# (a bare number, no newline); its pid in $PID. Once stopped it stays our zombie until
# teardown: kindctl and _gone take a zombie for gone.
component() {
	"$2" 300 </dev/null >/dev/null 2>&1 3>&- &
	PID=$!
	printf '%s' "$PID" >"$KWOKDIR/pids/$1.pid"
	STARTED+=("$PID")
}

@test "delete: components kwokctl delete leaves running are stopped by the pids read before it" {
	component etcd "$KWOKDIR/bin/etcd"
	local etcd=$PID
	component kube-apiserver "$KWOKDIR/bin/kube-apiserver"
	local apiserver=$PID
	run --separate-stderr "$BIN/kindctl" --provider local delete --name "$CL"
	assert_success
	# kwokctl delete ran, and removed the pid files with the folder, before kindctl stopped
	# anything: the pids were read before it.
	assert_equal "$(<"$CALLS")" "kwokctl delete cluster --name $CL"
	wait_until 5 _gone "$etcd"
	wait_until 5 _gone "$apiserver"
	assert_file_not_exists "$LOADTEST_STATE/clusters/$CL"
}

@test "delete: when kwokctl fails, the recorded components are stopped all the same" {
	component etcd "$KWOKDIR/bin/etcd"
	local etcd=$PID
	STUB_KWOKCTL_FAIL=1 run --separate-stderr "$BIN/kindctl" --provider local delete --name "$CL"
	assert_success
	assert_equal "$stderr" "kindctl: kwokctl delete failed with status 1 (see $LOADTEST_STATE/clusters/$CL/kwokctl.log)
kindctl: kwokctl could not delete '$CL': stopping its processes by their recorded pids"
	wait_until 5 _gone "$etcd"
}

@test "delete: a recorded pid that no longer runs from the cluster's folder is left alone" {
	# Another program holding the pid kwok recorded (a pid reused): not ours to stop.
	component kube-scheduler "$(command -v sleep)"
	local other=$PID
	run --separate-stderr "$BIN/kindctl" --provider local delete --name "$CL"
	assert_success
	running "$other"
	assert_file_not_exists "$LOADTEST_STATE/clusters/$CL"
}
