#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# kindctl arm-start --api-delay MS: an injected regression. The arm reaches the API server
# through a loopback proxy of its own that holds every client-to-server chunk MS ms; the
# delay is measured here with curl (GET /version with the arm's kubeconfig), the proxy is
# checked to stop with the arm, by its recorded pid. The arms here share the host's network
# (LOADTEST_NETNS=off: the proxy and the arm's own kubeconfig), but for the last test, where
# the arm has a network namespace of its own and its bridge applies the delay.

setup_file() {
	load helpers/common
	load helpers/prometheus
	load helpers/cluster
	export LOADTEST_NETNS=off
	cluster_up "bats-apidelay-$$"
}

teardown_file() {
	load helpers/common
	load helpers/cluster
	cluster_down
}

setup() {
	load helpers/common
	load helpers/prometheus
	load helpers/cluster
	STATE_DIR="$LOADTEST_STATE/clusters/$CLUSTER"
	export LOADTEST_NETNS=off
}

# A failed test leaves no arm and no proxy running for the next one.
teardown() {
	if [ -n "${UPSTREAM_PID:-}" ]; then
		kill "$UPSTREAM_PID" 2>/dev/null || true
	fi
	if [ -n "${PROXY_PID:-}" ]; then
		kill "$PROXY_PID" 2>/dev/null || true
	fi
	[ -d "${STATE_DIR:-/nonexistent}" ] || return 0
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new >/dev/null 2>&1 || true
}

# pid_of FILE: the pid of a "pid starttime" file.
pid_of() {
	awk '{print $1}' "$1"
}

# kc_field KUBECONFIG KEY: the value of "KEY: value" in a kubeconfig (the file kwokctl writes
# names its files; kubectl is not used, as `kubectl config view` would open a connection).
kc_field() {
	awk -v k="$1:" '$1 == k {print $2; exit}' "$2"
}

# request_ms KUBECONFIG: the median time (ms) of 15 GETs of /version on one connection, after
# a first one that opens it (TLS handshake), with the credentials KUBECONFIG names.
request_ms() {
	local kc=$1 server urls=() i
	server=$(kc_field server "$kc")
	for ((i = 0; i < 16; i++)); do
		urls+=(-o /dev/null "$server/version")
	done
	curl -sf --cacert "$(kc_field certificate-authority "$kc")" --cert "$(kc_field client-certificate "$kc")" \
		--key "$(kc_field client-key "$kc")" -w '%{time_total}\n' "${urls[@]}" >"$BATS_TEST_TMPDIR/times"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/times")" -eq 16 ] || return 1
	tail -n 15 "$BATS_TEST_TMPDIR/times" | sort -g | awk 'NR == 8 {printf "%d\n", $1 * 1000}'
}

# controller_uses_proxy PID PORT: process PID has a TCP connection to 127.0.0.1:PORT (within
# 10 s: a controller may serve metrics before its informers connect).
controller_uses_proxy() {
	local i
	for ((i = 0; i < 100; i++)); do
		ss -tnpH state established "( dport = :$2 )" | grep -q "pid=$1," && return 0
		sleep 0.1
	done
	return 1
}

@test "api-proxy: client bytes held the delay, server bytes passed at once, stops clean (valgrind)" {
	local vg=() port
	if [ -z "${LOADTEST_SAN:-}" ]; then
		command -v valgrind >/dev/null || fail "valgrind is not installed (.ci/run installs it)"
		local kinds=definite,indirect,possible
		vg=(valgrind -q --leak-check=full "--show-leak-kinds=$kinds" "--errors-for-leak-kinds=$kinds" --error-exitcode=99)
	fi
	mkdir "$BATS_TEST_TMPDIR/www"
	echo hello >"$BATS_TEST_TMPDIR/www/index.html"
	port=$(free_port)
	python3 -m http.server "$port" --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/www" \
		>"$BATS_TEST_TMPDIR/upstream.log" 2>&1 &
	UPSTREAM_PID=$!
	"${vg[@]}" "$BIN/kindctl" api-proxy --to "127.0.0.1:$port" --delay 300 --port-file "$BATS_TEST_TMPDIR/port" \
		2>"$BATS_TEST_TMPDIR/proxy.log" &
	PROXY_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && curl -sf "http://127.0.0.1:$port/" >/dev/null && break
		sleep 0.1
	done
	local pport
	pport=$(<"$BATS_TEST_TMPDIR/port")
	run curl -sf -w '%{time_total}\n' "http://127.0.0.1:$pport/"
	assert_success
	assert_line --index 0 hello
	# The request waits 300 ms; the answer would add another 300 if it were held as well.
	local ms
	ms=$(awk 'NR == 2 {printf "%d", $1 * 1000}' <<<"$output")
	[ "$ms" -ge 300 ] || fail "a request through a 300 ms proxy took $ms ms"
	[ "$ms" -lt 600 ] || fail "a request through a 300 ms proxy took $ms ms: the answer was held too"
	# A larger body, byte for byte.
	head -c 3000000 /dev/urandom >"$BATS_TEST_TMPDIR/www/big"
	curl -sf -o "$BATS_TEST_TMPDIR/got" "http://127.0.0.1:$pport/big"
	cmp "$BATS_TEST_TMPDIR/www/big" "$BATS_TEST_TMPDIR/got"
	kill -TERM "$PROXY_PID"
	local rc=0
	wait "$PROXY_PID" || rc=$?
	PROXY_PID=
	[ "$rc" -eq 0 ] || fail "the proxy exited with $rc (99: valgrind found an error or a leak): $(cat "$BATS_TEST_TMPDIR/proxy.log")"
	run cat "$BATS_TEST_TMPDIR/proxy.log"
	assert_line --partial "client-to-server bytes held 300 ms"
	assert_line --partial "stopped: 127.0.0.1:$pport: 2 connections accepted, 0 of them could not reach"
}

@test "--api-delay: bad values, other verbs and other providers are refused in one line" {
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name x --arm new --image bin:/bin/true --api-delay -5
	assert_failure 2
	assert_one_line
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name x --arm new --image bin:/bin/true --api-delay 1s
	assert_failure 2
	assert_one_line
	run --separate-stderr "$BIN/kindctl" --provider local arm-restart --name x --arm new --api-delay 50
	assert_failure 2
	assert_one_line
	for p in existing kind; do
		run --separate-stderr "$BIN/kindctl" --provider "$p" --context ctx arm-start --name x --arm new \
			--image stakater/reloader:v1.4.21 --api-delay 50
		assert_failure 2
		assert_one_line
		[[ "$stderr" == *"--api-delay: not supported by the $p provider"* ]] || fail "$stderr"
	done
	# The proxy itself forwards to this host only.
	run --separate-stderr "$BIN/kindctl" api-proxy --to 10.0.0.1:443 --delay 5 --port-file "$BATS_TEST_TMPDIR/p"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"not a loopback address"* ]] || fail "$stderr"
	assert_file_not_exists "$BATS_TEST_TMPDIR/p"
	run --separate-stderr "$BIN/kindctl" api-proxy --to 127.0.0.1:443 --port-file "$BATS_TEST_TMPDIR/p"
	assert_failure 2
	assert_one_line
}

@test "arm-start --api-delay: the controller's requests go through its proxy, held the delay; the proxy stops with the arm" {
	cluster_required
	local d=$STATE_DIR direct ms0 ms200 proxy port arm i
	# Without --api-delay: no proxy, the cluster's kubeconfig.
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21
	assert_success
	assert_file_not_exists "$d/arm-new-proxy.pid"
	assert_file_not_exists "$d/arm-new.kubeconfig"
	direct=$(request_ms "$d/kubeconfig")
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new

	# 0 ms: the arm has a kubeconfig of its own (only ours to read), pointing at the proxy,
	# with TLS verified by the cluster's CA as before.
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21 --api-delay 0
	assert_success
	arm=$output
	proxy=$(pid_of "$d/arm-new-proxy.pid")
	port=$(<"$d/arm-new-proxy.port")
	[ "$(stat -c %a "$d/arm-new.kubeconfig")" = 600 ]
	[ "$(kc_field server "$d/arm-new.kubeconfig")" = "https://127.0.0.1:$port" ]
	[ "$(kc_field certificate-authority "$d/arm-new.kubeconfig")" = "$(kc_field certificate-authority "$d/kubeconfig")" ]
	controller_uses_proxy "$arm" "$port" || fail "the controller (pid $arm) has no connection to its proxy (port $port)"
	ms0=$(request_ms "$d/arm-new.kubeconfig")
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	! running "$proxy" || fail "the proxy (pid $proxy) still runs after arm-stop"
	assert_file_not_exists "$d/arm-new-proxy.pid"
	assert_file_not_exists "$d/arm-new.kubeconfig"
	run cat "$d/arm-new-proxy.log"
	assert_line --partial "stopped: "
	refute_output --regexp 'Sanitizer|runtime error'

	# 200 ms: every request on an open connection takes 200 ms more.
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21 --api-delay 200
	assert_success
	arm=$output
	proxy=$(pid_of "$d/arm-new-proxy.pid")
	port=$(<"$d/arm-new-proxy.port")
	controller_uses_proxy "$arm" "$port" || fail "the controller (pid $arm) has no connection to its proxy (port $port)"
	ms200=$(request_ms "$d/arm-new.kubeconfig")
	echo "# GET /version: direct $direct ms, proxy at 0 ms $ms0 ms, at 200 ms $ms200 ms" >&3
	[ $((ms200 - ms0)) -ge 200 ] || fail "200 ms of delay added $((ms200 - ms0)) ms ($ms0 -> $ms200)"
	[ $((ms200 - ms0)) -lt 2000 ] || fail "200 ms of delay added $((ms200 - ms0)) ms ($ms0 -> $ms200)"

	# A restart keeps the proxy: a new controller, connected through the same one.
	run "$BIN/kindctl" --provider local arm-restart --name "$CLUSTER" --arm new
	assert_success
	[ "$output" != "$arm" ]
	arm=$output
	[ "$(pid_of "$d/arm-new-proxy.pid")" = "$proxy" ]
	controller_uses_proxy "$arm" "$port" || fail "the restarted controller (pid $arm) has no connection to its proxy: $(ss -tnpH "( dport = :$port )")"
	# A proxy that died is started again by a restart, with the same delay, on a new port.
	kill "$proxy"
	for ((i = 0; i < 50; i++)); do
		running "$proxy" || break
		sleep 0.1
	done
	run --separate-stderr "$BIN/kindctl" --provider local arm-restart --name "$CLUSTER" --arm new
	assert_success
	[[ "$stderr" == *"the API proxy of arm new had stopped: starting it again (200 ms)"* ]] || fail "$stderr"
	proxy=$(pid_of "$d/arm-new-proxy.pid")
	port=$(<"$d/arm-new-proxy.port")
	kill -0 "$proxy"
	[ "$(kc_field server "$d/arm-new.kubeconfig")" = "https://127.0.0.1:$port" ]
	controller_uses_proxy "$output" "$port" || fail "the restarted controller has no connection to the new proxy"
	ms200=$(request_ms "$d/arm-new.kubeconfig")
	[ $((ms200 - ms0)) -ge 200 ] || fail "after the restart, 200 ms of delay added $((ms200 - ms0)) ms"
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	! running "$proxy" || fail "the proxy (pid $proxy) still runs after arm-stop"
}

@test "isolated arm --api-delay: its bridge holds the requests made inside its namespace; nothing else is slowed" {
	LOADTEST_NETNS='' run "$BIN/kindctl" netns-check
	[ "$status" -eq 0 ] || cannot_run "network namespaces cannot be made here ($output)"
	local ms0 ms pid
	ms0=$(request_ms "$KUBECONFIG")
	LOADTEST_NETNS='' run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new \
		--image stakater/reloader:v1.4.21 --api-delay 300
	assert_success
	pid=$output
	# No proxy and no kubeconfig of the arm's own: the bridge answers at the API server's address.
	assert_file_not_exists "$STATE_DIR/arm-new-proxy.pid"
	assert_file_not_exists "$STATE_DIR/arm-new.kubeconfig"
	local bridge
	bridge=$(pid_of "$STATE_DIR/arm-new-bridge.pid")
	[ "$(readlink "/proc/$bridge/ns/net")" = "$(readlink "/proc/$pid/ns/net")" ]
	ms=$(nsenter --net="/proc/$pid/ns/net" bash -c "$(declare -f kc_field request_ms); BATS_TEST_TMPDIR=$BATS_TEST_TMPDIR request_ms $KUBECONFIG")
	[ $((ms - ms0)) -ge 300 ] || fail "inside the arm's namespace, 300 ms of delay added $((ms - ms0)) ms"
	# The host's own requests are not held.
	ms=$(request_ms "$KUBECONFIG")
	[ $((ms - ms0)) -lt 150 ] || fail "on the host, requests became $((ms - ms0)) ms slower"
	LOADTEST_NETNS='' run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	wait_until 5 bash -c "! ps -o stat= -p $bridge | grep -qv Z"
	assert_file_not_exists "$STATE_DIR/arm-new-bridge.pid"
}
