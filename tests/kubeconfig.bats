#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# The Kubernetes client library through a process: build/*/unit/test_kube --live is a small
# probe (GET /version, a watch of namespaces) on the kubeconfig in KUBECONFIG. Its messages
# for broken kubeconfigs, and, when a local cluster exists, a real API server.

setup() {
	load helpers/common
	if [ -n "${LOADTEST_SAN:-}" ]; then
		PROBE="$REPO_ROOT/build/san/unit/test_kube"
	else
		PROBE="$REPO_ROOT/build/rel/unit/test_kube"
	fi
	[ -x "$PROBE" ] || fail "unit tests not built: run make unit"
	K="$FIXTURES/kubeconfig"
}

# assert_no_secret: neither stdout nor stderr holds a fixture's secret.
assert_no_secret() {
	if [[ "$output$stderr" == *s3cr3t* ]]; then
		fail "a secret was printed: $output $stderr"
	fi
}

@test "bad base64 key data: one line naming file:line:col and the user, not the value" {
	KUBECONFIG="$K/bad/key-data.yaml" run --separate-stderr "$PROBE" --live
	assert_failure 2
	assert_one_line
	[[ "$stderr" == "test_kube: $K/bad/key-data.yaml:7:22: user 'alice': client-key-data: not valid base64" ]] ||
		fail "unexpected message: $stderr"
	assert_no_secret
}

@test "an exec plugin printing bad JSON: named with its user, its output never shown" {
	KUBECONFIG="$K/bad/exec.yaml" run --separate-stderr "$PROBE" --live
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"bad/exec.yaml:4:3: user 'bob': exec plugin '$K/bad/leaky-plugin.sh' printed no valid JSON" ]] ||
		fail "unexpected message: $stderr"
	assert_no_secret
}

@test "a missing context names itself and every file read, in KUBECONFIG order" {
	KUBECONFIG="$K/merge/second/config:$BATS_TEST_TMPDIR/absent:$K/merge/first.yaml" \
		run --separate-stderr "$PROBE" --live nope
	assert_failure 2
	assert_one_line
	[[ "$stderr" == "test_kube: context 'nope' not found in '$K/merge/second/config', '$K/merge/first.yaml'" ]] ||
		fail "unexpected message: $stderr"
}

@test "no kubeconfig at all: KUBECONFIG unset and an empty HOME" {
	HOME="$BATS_TEST_TMPDIR" KUBECONFIG='' run --separate-stderr "$PROBE" --live
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"cannot read kubeconfig '$BATS_TEST_TMPDIR/.kube/config': No such file or directory" ]] ||
		fail "unexpected message: $stderr"
}

# plugin_kubeconfig DIR SCRIPT-LINES...: DIR/kc.yaml, whose user runs DIR/plugin.sh (those
# lines) as its exec plugin, for a server that is not there.
plugin_kubeconfig() {
	local d=$1
	shift
	printf '%s\n' '#!/bin/sh' "$@" >"$d/plugin.sh"
	chmod +x "$d/plugin.sh"
	cat >"$d/kc.yaml" <<-'EOF'
		clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
		users:
		- name: bob
		  user:
		    exec:
		      apiVersion: client.authentication.k8s.io/v1
		      command: ./plugin.sh
		contexts: [{name: x, context: {cluster: c, user: bob}}]
		current-context: x
	EOF
}

# running PID: the process is alive (not gone, and not a zombie no one has reaped yet).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[[ ${stat##*) } != Z* ]]
}

@test "an exec plugin that answers but leaves a child holding its stdout: no wait, and the child is killed" {
	local d="$BATS_TEST_TMPDIR" sleeper start
	# shellcheck disable=SC2016 # the plugin's own expansions
	plugin_kubeconfig "$d" 'sleep 100 &' 'echo $! >"$SLEEPER_PID"' \
		"echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t0k3n\"}}'"
	start=$SECONDS
	# Before the fix the probe read until the sleeper closed stdout: the plugin's 60 s limit.
	SLEEPER_PID="$d/sleeper.pid" KUBECONFIG="$d/kc.yaml" run --separate-stderr timeout 50 "$PROBE" --live
	[ "$((SECONDS - start))" -lt 10 ] || fail "the probe took $((SECONDS - start)) s: $stderr"
	# The credential was used: the failure is the absent server's, not the plugin's.
	assert_failure 1
	[[ "$stderr" == *"GET /version: Failed to connect to 127.0.0.1 port 1"* ]] || fail "unexpected: $stderr"
	sleeper=$(<"$d/sleeper.pid")
	[ -n "$sleeper" ] || fail "the plugin did not record its sleeper"
	if running "$sleeper"; then
		kill "$sleeper"
		fail "the plugin's sleeper (pid $sleeper) outlived it"
	fi
}

@test "a tokenFile or a kubeconfig that is a FIFO: one line, exit 2, no wait" {
	local d="$BATS_TEST_TMPDIR"
	mkfifo "$d/token"
	cat >"$d/kc.yaml" <<-'EOF'
		clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
		users: [{name: u, user: {tokenFile: token}}]
		contexts: [{name: x, context: {cluster: c, user: u}}]
		current-context: x
	EOF
	KUBECONFIG="$d/kc.yaml" run --separate-stderr timeout 20 "$PROBE" --live
	assert_failure 2
	assert_one_line
	[[ "$stderr" == "test_kube: $d/kc.yaml:2:"*": user 'u': cannot read tokenFile '$d/token': not a regular file (a FIFO)" ]] ||
		fail "unexpected: $stderr"
	KUBECONFIG="$d/token" run --separate-stderr timeout 20 "$PROBE" --live
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "test_kube: cannot read kubeconfig '$d/token': not a regular file (a FIFO)"
}

@test "a kubeconfig of 100,000 clusters loads in seconds: entries are found by name, not searched" {
	local d="$BATS_TEST_TMPDIR" i
	{
		echo 'clusters:'
		for ((i = 0; i < 100000; i++)); do echo "- {name: c$i, cluster: {server: \"https://127.0.0.1:1\"}}"; done
		echo 'users: [{name: u, user: {token: t}}]'
		echo 'contexts: [{name: x, context: {cluster: c99999, user: u}}]'
		echo 'current-context: x'
	} >"$d/kc.yaml"
	# The search per entry took 30 s of CPU (two minutes on a busy machine).
	KUBECONFIG="$d/kc.yaml" run --separate-stderr timeout 30 "$PROBE" --live
	assert_failure 1
	[[ "$stderr" == *"GET /version: Failed to connect to 127.0.0.1 port 1"* ]] || fail "unexpected: $stderr"
	# A name defined twice in one file is still an error.
	printf '%s\n' 'clusters:' '- {name: a, cluster: {server: "https://127.0.0.1:1"}}' '- {name: a, cluster: {server: "https://127.0.0.1:2"}}' \
		'contexts: [{name: x, context: {cluster: a}}]' 'current-context: x' >"$d/dup.yaml"
	KUBECONFIG="$d/dup.yaml" run --separate-stderr "$PROBE" --live
	assert_failure 2
	assert_equal "$stderr" "test_kube: $d/dup.yaml:3:3: cluster 'a' is defined twice in this file"
}

# A local cluster made by kindctl, or any cluster named by LOADTEST_KUBECONFIG.
live_kubeconfig() {
	if [ -n "${LOADTEST_KUBECONFIG:-}" ]; then
		printf '%s\n' "$LOADTEST_KUBECONFIG"
		return
	fi
	local state="${LOADTEST_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/reloader-loadtest}" f
	for f in "$state"/clusters/*/kubeconfig; do
		if [ -f "$f" ]; then
			printf '%s\n' "$f"
			return
		fi
	done
}

@test "a real API server: GET /version and a watch of namespaces" {
	local kc
	kc=$(live_kubeconfig)
	if [ -z "$kc" ]; then
		skip "SKIPPED: no cluster (set LOADTEST_KUBECONFIG or create one with kindctl)"
	fi
	KUBECONFIG="$kc" run --separate-stderr "$PROBE" --live
	assert_success
	assert_line --regexp '^version: v[0-9]+\.[0-9]+'
	assert_line --regexp '^watch: first event ADDED$'
}
