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
