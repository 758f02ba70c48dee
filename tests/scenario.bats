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

# ---- hostile scenario files (issue 16) ----

# check_error FILE WANT: --check refuses FILE with exactly the line "scenario: WANT".
check_error() {
	run --separate-stderr timeout 60 "$BIN/scenario" --scenario "$1" --check
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "scenario: $2"
	assert_output ""
}

@test "durations, counts and rates are decimal numbers: no nan, inf, 1e309, hex or spaces" {
	local f="$BATS_TEST_TMPDIR/n.yaml" v
	for v in nan inf .inf -nan 1e309 1e309s 0x10 0x10s "' 5s'" "'5s '" 5h; do
		printf '%s\n' 'id: n' 'objects: [ { kind: ConfigMap, name: c } ]' \
			"updates: [ { every: $v, targets: [ { kind: ConfigMap, name: c } ] } ]" >"$f"
		run --separate-stderr "$BIN/scenario" --scenario "$f" --check
		assert_failure 2
		assert_one_line
		[[ "$stderr" == "scenario: $f:3:21: '"*"' is not a duration (e.g. 500ms, 2s, 1m)" ||
			"$stderr" == "scenario: $f:3:21: '"*"' is too long a duration (at most a year)" ]] ||
			fail "every: $v: $stderr"
	done
	printf '%s\n' 'id: n' 'objects: [ { kind: ConfigMap, name: c } ]' 'restart: { at: 1e400ms }' >"$f"
	check_error "$f" "$f:3:16: '1e400ms' is too long a duration (at most a year)"
	for v in 0x32 "' 50'" 1e2 5.0 99999999999999999999; do
		printf '%s\n' 'id: n' "objects: [ { kind: ConfigMap, name: 'c-{i}', count: $v } ]" >"$f"
		run --separate-stderr "$BIN/scenario" --scenario "$f" --check
		assert_failure 2
		assert_one_line
		[[ "$stderr" == "scenario: $f:2:53: "*" is not a whole number" ||
			"$stderr" == "scenario: $f:2:53: 99999999999999999999 is out of range (1 to 100000)" ]] ||
			fail "count: $v: $stderr"
	done
	printf '%s\n' 'id: n' 'objects: []' 'expect: { min_rate: nan% }' >"$f"
	check_error "$f" "$f:3:21: 'nan%' is not a share of the intended rate (e.g. 95% or 0.95)"
}

@test "names: namespaces are DNS labels, objects DNS subdomains, workloads at most 63: file:line:col" {
	local f="$BATS_TEST_TMPDIR/names.yaml" long300 long64
	long300=$(printf 'a%.0s' {1..300})
	long64=$(printf 'd%.0s' {1..64})
	printf '%s\n' 'id: names' 'namespaces: [ ok, ../../x ]' 'objects: []' >"$f"
	check_error "$f" "$f:2:19: namespace '../../x' has a character other than lowercase letters, digits and '-'"
	printf '%s\n' 'id: names' 'namespaces: [ "UPPER CASE" ]' 'objects: []' >"$f"
	check_error "$f" "$f:2:15: namespace 'UPPER CASE' has a character other than lowercase letters, digits and '-'"
	printf '%s\n' 'id: names' "namespaces: [ $long64 ]" 'objects: []' >"$f"
	check_error "$f" "$f:2:15: namespace '$long64' is longer than 63 characters"
	printf '%s\n' 'id: names' 'namespaces: [ -x ]' 'objects: []' >"$f"
	check_error "$f" "$f:2:15: namespace '-x' must start and end with a lowercase letter or a digit (and so must each part between dots)"
	printf '%s\n' 'id: names' 'objects:' "  - { kind: ConfigMap, name: $long300 }" >"$f"
	check_error "$f" "$f:3:30: ConfigMap name '$long300' is longer than 253 characters"
	printf '%s\n' 'id: names' 'objects:' "  - { kind: Deployment, name: $long64 }" >"$f"
	check_error "$f" "$f:3:31: Deployment name '$long64' is longer than 63 characters"
	# The longest a pattern gives is checked at the index that gives it.
	printf '%s\n' 'id: names' 'objects:' "  - { kind: Secret, name: 'a{i*1000000000000000}', count: 200 }" >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_success
	# Valid at the first and the last index, not at i = 100: found when the graph is built.
	printf '%s\n' 'id: names' 'objects:' "  - { kind: ConfigMap, name: '{(i-100)*(i-100)-1}.x', count: 200 }" >"$f"
	check_error "$f" "$f:3:30: ConfigMap name '-1.x' must start and end with a lowercase letter or a digit (and so must each part between dots)"
	# 253 characters is a valid ConfigMap name.
	printf '%s\n' 'id: names' 'objects:' "  - { kind: ConfigMap, name: ${long300:0:253} }" >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_success
	printf '%s\n' 'id: "S1/../x"' 'objects: []' >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_failure 2
	assert_one_line
	[[ "$stderr" == "scenario: $f:1:5: id must be one word usable as a folder name and a label value"* ]]
}

@test "--namespace and --duration are checked as strictly as the file" {
	local args
	for args in "--namespace ../../x" "--namespace UPPER" "--namespace $(printf 'n%.0s' {1..64})" \
		"--duration nan" "--duration 0x10" "--duration ' 5'" "--duration 1e309" "--seed ' 1'" "--max-inflight 0x10"; do
		eval "run --separate-stderr \"\$BIN/scenario\" --scenario S1 --out \"$OUT/run.json\" $args"
		assert_failure 2
		assert_one_line
		[[ "$stderr" == *"(see 'scenario --help')" ]] || fail "$args: $stderr"
	done
	# A renamed namespace that grows past 63 characters (S3's reloader-test-0 ... from a long prefix).
	run --separate-stderr "$BIN/scenario" --scenario S3 --check --namespace "$(printf 'n%.0s' {1..62})"
	assert_failure 2
	assert_one_line
	[[ "$stderr" == *"is longer than 63 characters" ]] || fail "$stderr"
}

@test "an update target that matches no object is an error of the file, file:line:col" {
	local f="$BATS_TEST_TMPDIR/t.yaml"
	printf '%s\n' 'id: t' 'objects:' '  - { kind: ConfigMap, name: "cm-{i}", count: 3 }' \
		'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: "cm-{i}" }, { kind: Secret, name: "cm-{i}" } ] } ]' >"$f"
	check_error "$f" "$f:4:95: the update target Secret 'cm-{i}' matches no object the scenario creates"
	printf '%s\n' 'id: t' 'objects:' '  - { kind: ConfigMap, name: "cm-{i}", count: 3 }' \
		'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: cm-3 } ] } ]' >"$f"
	check_error "$f" "$f:4:61: the update target ConfigMap 'cm-3' matches no object the scenario creates"
	printf '%s\n' 'id: t' 'objects:' '  - { kind: ConfigMap, name: "cm-{i}", count: 3 }' \
		'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: "cm-{ i }" } ] } ]' >"$f"
	check_error "$f" "$f:4:61: the update target ConfigMap 'cm-{ i }' matches no object the scenario creates"
	printf '%s\n' 'id: t' 'objects:' '  - { kind: ConfigMap, name: "cm-{i}", count: 3 }' \
		'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: cm-2 } ] } ]' >"$f"
	run --separate-stderr "$BIN/scenario" --scenario "$f" --check
	assert_success
}

@test "an overflow or a division by zero met only while expanding: file:line:col, exit 2" {
	local d="$REPO_ROOT/tests/fuzz/crashers/scenario"
	check_error "$d/name-overflow" "$d/name-overflow:4:30: bad name pattern 'cm-{i*4611686018427387904}': integer overflow (i = 2)"
	check_error "$d/divzero-exits" "$d/divzero-exits:4:30: bad name pattern 'cm-{6/(i-1)}': division by zero (i = 1)"
	# In a reference, at the index of the workload that meets it.
	local f="$BATS_TEST_TMPDIR/r.yaml"
	printf '%s\n' 'id: r' 'objects:' '  - { kind: ConfigMap, name: "cm-{i}", count: 3 }' \
		'  - { kind: Deployment, name: "d-{i}", count: 3, refs: [ { kind: ConfigMap, name: "cm-{2/(2-i)}" } ] }' >"$f"
	check_error "$f" "$f:4:83: bad name pattern 'cm-{2/(2-i)}': division by zero (i = 2)"
}

@test "a FIFO, /dev/zero through a link, a folder or a file over 16 MiB: one line, exit 2, at once" {
	local f="$BATS_TEST_TMPDIR/s.yaml"
	mkfifo "$f"
	check_error "$f" "cannot read '$f': not a regular file (a FIFO)"
	rm "$f"
	ln -s /dev/zero "$f"
	check_error "$f" "cannot read '$f': not a regular file (a character device)"
	rm "$f"
	mkdir "$f"
	check_error "$f" "cannot read '$f': not a regular file (a folder)"
	rmdir "$f"
	truncate -s 17M "$f"
	check_error "$f" "cannot read '$f': larger than 16 MiB, the limit for this kind of file"
	rm "$f"
	ln -s "$BATS_TEST_TMPDIR/nothing" "$f"
	check_error "$f" "cannot read '$f': a symbolic link to a file that does not exist"
	printf '%s\n' 'id: two' 'objects: []' '---' 'id: three' 'objects: []' >"$BATS_TEST_TMPDIR/two.yaml"
	check_error "$BATS_TEST_TMPDIR/two.yaml" "$BATS_TEST_TMPDIR/two.yaml:3:1: a second YAML document (after '---'): a file holds one document"
}

@test "--check is linear: 100,000 objects as entries, patterns, many keys and many namespaces in seconds" {
	local d="$BATS_TEST_TMPDIR" i
	# 100,000 object entries (and 50,000 update targets): each name checked unique, each target matched.
	{
		echo 'id: entries'
		echo 'objects:'
		for ((i = 0; i < 50000; i++)); do echo "  - { kind: ConfigMap, name: c$i, data: { k: v } }"; done
		for ((i = 0; i < 50000; i++)); do echo "  - { kind: Deployment, name: d$i, refs: [ { kind: ConfigMap, name: c$i } ] }"; done
		echo 'updates: [ { every: 1s, targets: ['
		for ((i = 0; i < 50000; i++)); do echo "  { kind: ConfigMap, name: c$i },"; done
		echo '] } ]'
	} >"$d/entries.yaml"
	# One ConfigMap with 100,000 keys: duplicate keys looked for in each mapping.
	{
		printf '%s\n' 'id: keys' 'objects:' '  - kind: ConfigMap' '    name: c' '    data:'
		for ((i = 0; i < 100000; i++)); do echo "      k$i: v"; done
	} >"$d/keys.yaml"
	# One Deployment with 100,000 references, and 2,000 namespaces of 50 Deployments.
	{
		printf '%s\n' 'id: refs' 'objects:' '  - { kind: ConfigMap, name: "c-{i}", count: 100000 }' \
			'  - kind: Deployment' '    name: d' '    refs:'
		for ((i = 0; i < 100000; i++)); do echo "      - { kind: ConfigMap, name: c-$i }"; done
	} >"$d/refs.yaml"
	{
		printf 'id: ns\nnamespaces: [ n0'
		for ((i = 1; i < 2000; i++)); do printf ', n%d' "$i"; done
		printf ' ]\nobjects:\n'
		printf '%s\n' '  - { kind: ConfigMap, name: shared }' \
			'  - { kind: Deployment, name: "d-{i}", count: 50, refs: [ { kind: ConfigMap, name: shared } ] }' \
			'updates: [ { every: 1s, targets: [ { kind: ConfigMap, name: shared } ] } ]'
	} >"$d/ns.yaml"
	local -A want=(
		[entries]="entries: 1 namespaces, 50000 configmaps/secrets, 50000 workloads, 50000 references, 1 update streams"
		[keys]="keys: 1 namespaces, 1 configmaps/secrets, 0 workloads, 0 references, 0 update streams"
		[refs]="refs: 1 namespaces, 100000 configmaps/secrets, 1 workloads, 100000 references, 0 update streams"
		[ns]="ns: 2000 namespaces, 2000 configmaps/secrets, 100000 workloads, 100000 references, 1 update streams"
	)
	local name start
	for name in entries keys refs ns; do
		start=$SECONDS
		# Quadratic steps took 47 s (keys) and 2 s (refs); linear ones take well under a second
		# (more under the sanitizers): 20 s tells them apart on a busy machine.
		run --separate-stderr timeout 20 "$BIN/scenario" --scenario "$d/$name.yaml" --check
		assert_success
		assert_output "${want[$name]}"
		echo "# $name: $((SECONDS - start)) s" >&3
	done
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

# plan_field ARGS... -- FILTER: bin/scenario ARGS --plan, then jq FILTER on its JSON.
plan_field() {
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	"$BIN/scenario" "${args[@]}" --plan | jq -c "$1"
}

@test "--scale multiplies every patterned count (a single named object stays one); --check shows it" {
	# S2: one ConfigMap, 50 Deployments; x200: 10,000 Deployments, still one ConfigMap.
	run --separate-stderr "$BIN/scenario" --scenario S2 --scale 200 --check
	assert_success
	assert_output "S2: 1 namespaces, 1 configmaps/secrets, 10000 workloads, 10000 references, 1 update streams"
	# S9: 5 Deployments, 3 StatefulSets, 2 DaemonSets; x1000: 5,000 + 3,000 + 2,000.
	run plan_field --scenario S9 --scale 1000 --duration 60 -- '.objects'
	assert_output '{"ConfigMap":1,"Secret":0,"Deployment":5000,"StatefulSet":3000,"DaemonSet":2000}'
	# S13: 5 ConfigMaps and 5 Deployments each referencing complex-cm-{i} and complex-cm-{(i+1)%5}:
	# x3 gives 15 and 15, and 2 distinct references each (the expression is kept as written).
	run --separate-stderr "$BIN/scenario" --scenario S13 --scale 3 --check
	assert_output "S13: 1 namespaces, 15 configmaps/secrets, 15 workloads, 30 references, 1 update streams"
	# S3: 11 namespaces x 20 pairs; x2: 440 pairs.
	run --separate-stderr "$BIN/scenario" --scenario S3 --scale 2 --check
	assert_output "S3: 11 namespaces, 440 configmaps/secrets, 440 workloads, 440 references, 1 update streams"
}

@test "--plan: the updates intended and expected.json's counts follow the scaling exactly" {
	# S2, 60 s: a 55 s phase, an update every 5 s at 0, 5, ..., 50 s: 11 updates, each owed
	# a roll by all 10,000 Deployments (and each scans the 10,000 of the namespace).
	run plan_field --scenario S2 --scale 200 --duration 60 -- \
		'[.updates.intended, .expected.action_total, .expected.reload_executed_total, .expected.workloads_matched_total, .expected.workloads_scanned_total, .expected.skipped_total]'
	assert_output '[11,110000,110000,110000,110000,0]'
	run plan_field --scenario S2 --duration 60 -- '[.updates.intended, .expected.action_total]'
	assert_output '[11,550]'
	# S9 x1000: 11 updates x 10,000 workloads of three kinds.
	run plan_field --scenario S9 --scale 1000 --duration 60 -- '[.workloads, .expected.action_total]'
	assert_output '[10000,110000]'
	# S1 x10, 10 s: a 5 s phase at 100 ms: 50 updates of 100 ConfigMaps with one Deployment each.
	run plan_field --scenario S1 --scale 10 --duration 10 -- '[.updates.intended, .expected.action_total, .objects.ConfigMap]'
	assert_output '[50,50,100]'
	# S4 x3, 20 s: 150 no-op updates: nothing to roll, 150 to skip; the rate is not scaled.
	run plan_field --scenario S4 --scale 3 --duration 20 -- '[.updates.intended, .expected.action_total, .expected.skipped_total, .updates.streams[0].rate_per_second]'
	assert_output '[150,0,150,10]'
	# S3: the namespace holds workloads that do not reference the target: no exact scan count.
	run plan_field --scenario S3 --scale 2 --duration 60 -- '.expected | has("workloads_scanned_total")'
	assert_output 'false'
	# No expectation where none can be known ahead: S5 (churn), S12 (pause folds), S14 (updates
	# sent only while the controller restarts: their count is not planned either).
	for id in S5 S12 S14; do
		run plan_field --scenario "$id" --scale 2 --duration 60 -- 'has("expected")'
		assert_output 'false'
	done
	run plan_field --scenario S14 --duration 60 -- '[.updates.intended, (.updates.streams[1] | has("intended"))]'
	assert_output '[275,false]'
}

@test "--set changes counts, streams, phase and duration, before --scale; in one flag or many" {
	# 7 Deployments x3 = 21; 60 s: 11 updates: 231 rolls.
	run plan_field --scenario S2 --set 'count.fanout-deploy-{i}=7' --scale 3 --duration 60 -- '[.workloads, .expected.action_total]'
	assert_output '[21,231]'
	# duration=12 (in place of --duration): a 7 s phase; an update a second: 7 x 50 rolls.
	run plan_field --scenario S2 --set 'updates.1.every=1s,duration=12' -- '[.duration_seconds, .updates.intended, .expected.action_total]'
	assert_output '[12,7,350]'
	run plan_field --scenario S2 --set updates.1.every=1s --set duration=12 --duration 99 -- '[.duration_seconds, .updates.intended]'
	assert_output '[12,7]'
	# phase.minus=0: a 10 s phase, updates at 0 and 5 s; 3 writers spread over 5 s: 6 updates.
	run plan_field --scenario S2 --set phase.minus=0 --set updates.1.writers=3 --duration 10 -- '[.updates.intended, .expected.action_total]'
	assert_output '[6,300]'
	run plan_field --scenario S2 --set duration=10 -- '.set'
	assert_output '{"duration":"10"}'
	run plan_field --scenario S6 --set restart.at=5s --duration 30 -- '.set'
	assert_output '{"restart.at":"5s"}'
	run plan_field --scenario S5 --set churn.every=1s,churn.keep=3 --duration 30 -- '.set'
	assert_output '{"churn.every":"1s","churn.keep":"3"}'
}

@test "bad --scale and --set: one line naming the flag or the key, exit 2, nothing written" {
	local v
	for v in 0 -1 0x10 1.5 '' ' 2' 99999999999999999999 1000001; do
		run --separate-stderr "$BIN/scenario" --scenario S2 --scale "$v" --duration 10 --out "$OUT/run.json"
		assert_failure 2
		assert_one_line
		[[ $stderr == *"--scale needs a whole number from 1 to 1000000, not '$v'"* ]] || fail "--scale '$v': $stderr"
	done
	# 50 x 100000 is past the 1,000,000 an entry may hold (the product would not overflow; the
	# bound stops it first); so is the largest factor.
	run --separate-stderr "$BIN/scenario" --scenario S2 --scale 100000 --check
	assert_failure 2
	assert_one_line
	[[ $stderr == *"--scale 100000: the count of Deployment 'fanout-deploy-{i}' would be more than 1000000"* ]]
	run --separate-stderr "$BIN/scenario" --scenario S2 --scale 1000000 --check
	assert_failure 2
	local bad=(
		"colour=red|--set colour: unknown key (count.NAME"
		"count.nope-{i}=3|--set count.nope-{i}: no object entry is named 'nope-{i}'"
		"count.fanout-deploy-{i}=0|--set count.fanout-deploy-{i}: '0' is out of range (1 to 100000)"
		"count.fanout-deploy-{i}=-1|--set count.fanout-deploy-{i}: '-1' is not a whole number (1 to 100000)"
		"count.fanout-deploy-{i}=0x10|--set count.fanout-deploy-{i}: '0x10' is not a whole number (1 to 100000)"
		"count.fanout-deploy-{i}=99999999999999999999|--set count.fanout-deploy-{i}: '99999999999999999999' is out of range (1 to 100000)"
		"count.shared-cm=2|--set count.shared-cm: count 2 needs a name pattern with {i}"
		"updates.2.every=1s|--set updates.2.every: the scenario has 1 update stream(s)"
		"updates.0.every=1s|--set updates.0.every: unknown key"
		"updates.1.every=fast|--set updates.1.every: 'fast' is not a duration"
		"updates.1.every=0s|--set updates.1.every: '0s' is shorter than 0.001s"
		"updates.1.colour=1|--set updates.1.colour: unknown key"
		"restart.at=5s|--set restart.at: the scenario has no restart"
		"churn.keep=3|--set churn.keep: the scenario has no churn"
		"duration=0|--set duration: '0' is shorter than 1s"
		"phase.minus=-1s|--set phase.minus: '-1s' is negative"
		"duration=5,duration=6|--set duration: given twice"
		"duration|--set needs KEY=VALUE, not 'duration'"
		"=5|--set needs KEY=VALUE, not '=5'"
		"duration=5,|--set needs KEY=VALUE[,KEY=VALUE...], not 'duration=5,'"
		"a=1,,b=2|--set needs KEY=VALUE[,KEY=VALUE...], not 'a=1,,b=2'"
	)
	local pair
	for pair in "${bad[@]}"; do
		run --separate-stderr "$BIN/scenario" --scenario S2 --set "${pair%%|*}" --duration 10 --out "$OUT/run.json"
		assert_failure 2
		assert_one_line
		[[ $stderr == *"${pair#*|}"* ]] || fail "--set '${pair%%|*}': $stderr"
	done
	assert_file_not_exists "$OUT/run.json"
	assert_file_not_exists "$OUT/expected.json"
	run --separate-stderr "$BIN/scenario" --scenario S2 --plan
	assert_failure 2
	[[ $stderr == *"--plan needs --duration"* ]]
}
