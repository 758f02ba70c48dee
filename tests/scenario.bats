#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# bin/scenario without a cluster: shipped and user scenario files, bad files, bad flags,
# bad kubeconfigs and an unreachable server (the live runs are in scenario-live.bats).

setup() {
	load helpers/common
	S="$FIXTURES/scenarios"
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
}

@test "every shipped scenario S1..S14 loads and expands" {
	local id
	for id in S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14; do
		run --separate-stderr "$BIN/scenario" --scenario "$id" --check
		assert_success
		assert_output --partial "$id: "
	done
	run "$BIN/scenario" --scenario S3 --check
	assert_output "S3: 11 namespaces, 220 configmaps/secrets, 220 workloads, 220 references, 1 update streams"
	run "$BIN/scenario" --scenario S13 --check
	assert_output "S13: 1 namespaces, 5 configmaps/secrets, 5 workloads, 10 references, 1 update streams"
	run "$BIN/scenario" --scenario S14 --check
	assert_output "S14: 1 namespaces, 25 configmaps/secrets, 25 workloads, 25 references, 2 update streams"
}

@test "a user adds a scenario by writing a file" {
	run --separate-stderr "$BIN/scenario" --scenario "$S/small.yaml" --check
	assert_success
	assert_output "small: 1 namespaces, 2 configmaps/secrets, 3 workloads, 3 references, 1 update streams"
}

@test "controller arguments come from the scenario (S11's annotation strategy)" {
	run --separate-stderr "$BIN/scenario" --scenario S11 --controller-args
	assert_success
	assert_output -- "--reload-strategy=annotations"
	run --separate-stderr "$BIN/scenario" --scenario S1 --controller-args
	assert_success
	assert_output ""
}

@test "bad scenario files: file:line:col and exit 2" {
	run --separate-stderr "$BIN/scenario" --scenario "$S/unknown-key.yaml" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"unknown-key.yaml:3:33: unknown key 'colour'"* ]]
	run --separate-stderr "$BIN/scenario" --scenario "$S/bad-duration.yaml" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"bad-duration.yaml:5:14: 'fast' is not a duration"* ]]
	run --separate-stderr "$BIN/scenario" --scenario "$S/not-yaml.yaml" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"not-yaml.yaml:3:1:"* ]]
	run --separate-stderr "$BIN/scenario" --scenario "$S/bad-ref.yaml" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"Deployment 'd' references Secret 'missing', which the scenario does not create"* ]]
	run --separate-stderr "$BIN/scenario" --scenario S99 --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"S99.yaml"* ]]
}

@test "S14 restarts the controller with --sync-after-restart and demands catch-up; S6 does not" {
	run --separate-stderr "$BIN/scenario" --scenario S14 --controller-args
	assert_success
	assert_output "--reload-on-create=true
--sync-after-restart=true"
	run --separate-stderr "$BIN/scenario" --scenario S6 --controller-args
	assert_success
	assert_output ""
}

@test "the keys a scenario file may add: during: restart needs a restart; min_rate is a share" {
	local f="$BATS_TEST_TMPDIR/s.yaml"
	printf '%s\n' 'id: x' 'objects: [ { kind: ConfigMap, name: c } ]' \
		'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: c } ], during: restart } ]' >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"s.yaml: an update stream sent during the restart needs restart: { at: ... }"* ]]
	printf '%s\n' 'restart: { at: 2s, catch_up: true }' 'expect: { min_rate: 90% }' >>"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_success
	printf '%s\n' 'id: x' 'objects: []' 'expect: { min_rate: 120% }' >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"s.yaml:3:21: min_rate must be above 0 and at most 100%"* ]]
}

@test "bad flags: one line and exit 2" {
	for args in "--bogus" "--scenario" "--scenario S1" "--scenario S1 --duration 10" \
		"--scenario S1 --duration x --out $OUT/r.json" "--scenario S1 --duration 10 --out $OUT/r.json --seed -1" \
		"--scenario S1 --duration 10 --out $OUT/r.json --max-inflight 0" "--scenario S1 --check extra"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$BIN/scenario" $args
		assert_failure 2
		assert_one_line
	done
	run --separate-stderr "$BIN/scenario" --help
	assert_success
	assert_line --index 0 --partial "usage: scenario --scenario ID|FILE"
}

# A kubeconfig for a server at URL with the given user entry.
kubeconfig() {
	cat >"$BATS_TEST_TMPDIR/kc" <<EOK
apiVersion: v1
kind: Config
current-context: c
contexts:
- name: c
  context: { cluster: k, user: u }
clusters:
- name: k
  cluster: { server: "$1", insecure-skip-tls-verify: true }
users:
- name: u
  user: $2
EOK
}

@test "bad kubeconfigs: missing context, bad certificate data; nothing written" {
	kubeconfig https://127.0.0.1:1 '{ token: s3cr3t-token }'
	run --separate-stderr "$BIN/scenario" --scenario S1 --duration 5 --out "$OUT/run.json" \
		--kubeconfig "$BATS_TEST_TMPDIR/kc" --context nope
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"nope"* ]]
	kubeconfig https://127.0.0.1:1 '{ client-certificate-data: "@@not base64@@", client-key-data: "@@" }'
	run --separate-stderr "$BIN/scenario" --scenario S1 --duration 5 --out "$OUT/run.json" \
		--kubeconfig "$BATS_TEST_TMPDIR/kc"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"base64"* ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "an unreachable API server: one line, exit 2, no token in it, nothing written" {
	kubeconfig https://127.0.0.1:1 '{ token: s3cr3t-token }'
	run --separate-stderr "$BIN/scenario" --scenario S1 --duration 5 --out "$OUT/run.json" \
		--kubeconfig "$BATS_TEST_TMPDIR/kc" --no-progress
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"cannot reach the API server"* ]]
	[[ "$stderr" != *"s3cr3t"* ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "the results folder must exist before anything touches the cluster" {
	kubeconfig https://127.0.0.1:1 '{ token: t }'
	run --separate-stderr "$BIN/scenario" --scenario S1 --duration 5 --out "$OUT/missing/run.json" \
		--kubeconfig "$BATS_TEST_TMPDIR/kc"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"its folder does not exist"* ]]
}
