#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# arm-start on the local provider checks Reloader's fixed metrics port (:9090) before it
# starts anything, and names what holds it (Debian's prometheus service would, on a machine
# with systemd, since the package starts it on :9090). That is the host's network: arms in
# network namespaces of their own (root) never use the host's :9090, so LOADTEST_NETNS=off.

setup() {
	load helpers/common
	load helpers/prometheus
	export LOADTEST_STATE="$BATS_TEST_TMPDIR/state" LOADTEST_NETNS=off
	mkdir -p "$LOADTEST_STATE/clusters/portcheck"
}

teardown() {
	bg_stop "$BATS_TEST_TMPDIR/holder.pid"
}

@test "arm-start: a process on :9090 is named in one line, and nothing is started" {
	# A listener of our own on 9090: the port must be free first (a live test of another
	# suite running at the same time would hold it).
	if (exec 9<>/dev/tcp/127.0.0.1/9090) 2>/dev/null; then
		cannot_run "something else holds 127.0.0.1:9090 already (another live test?)"
	fi
	python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9090)); s.listen(1); time.sleep(600)' >"$BATS_TEST_TMPDIR/holder.log" 2>&1 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/holder.pid"
	wait_until 5 bash -c 'exec 9<>/dev/tcp/127.0.0.1/9090' 2>/dev/null
	local pid
	pid=$(<"$BATS_TEST_TMPDIR/holder.pid")
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name portcheck --arm new \
		--image stakater/reloader:v1.4.21
	assert_failure
	assert_one_line
	[[ "$stderr" == *"port 9090, where Reloader serves its metrics, is held by pid $pid (python3): stop it first"* ]] ||
		fail "unexpected message: $stderr"
	# Nothing was started: no pid file for the arm.
	assert_file_not_exists "$LOADTEST_STATE/clusters/portcheck/arm-new.pid"
}
