#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# bin/scenario against a real API server (local provider) and real Reloader builds: the
# outside observer's counts against the exact expectation of each run, and against oracles the
# tool did not compute: the workloads and objects read back from the API server by the test,
# the controller's own log and counters, and counts worked by hand from the scenario files.

setup_file() {
	load helpers/common
	load helpers/prometheus
	load helpers/cluster
	cluster_up "bats-scn-$$"
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
	cluster_required
}

teardown() {
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new >/dev/null 2>&1 || true
}

# scn VERSION SCENARIO DURATION: run SCENARIO (its update phase is DURATION - 5 s) with Reloader
# VERSION as the new arm. The tool's results are in $RUN (run.json) and $EXP (expected.json);
# what the test reads itself, the oracles, in $API (the namespace as the API server holds it,
# see api_state), $LOG (the controller's own log), $MET_OK and $MET_FAILED (its
# reloader_reload_executed_total{success="true"|"false"} on its /metrics endpoint, read before
# it stops; $MET_ACTIONS: reloader_action_total{result="success"}, or "absent" as in releases
# before v1.4.13), and $SAME_PROCESS (yes when the process arm-start started still runs at the end).
scn() {
	local version=$1 id=$2 duration=$3 args=() a rc
	while read -r a; do
		[ -n "$a" ] && args+=(--arg "$a")
	done < <("$BIN/scenario" --scenario "$id" --controller-args)
	LOG="$BATS_TEST_TMPDIR/reloader-$version.log"
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new \
		--image "stakater/reloader:$version" --log "$LOG" "${args[@]}"
	assert_success
	local pid=$output
	RUN="$BATS_TEST_TMPDIR/run.json"
	EXP="$BATS_TEST_TMPDIR/expected.json"
	API="$BATS_TEST_TMPDIR/api-$version.json"
	run "$BIN/scenario" --scenario "$id" --duration "$duration" --out "$RUN" --quiet 2 \
		--settle-timeout 40 --setup-timeout 120 --no-progress \
		-- "$BIN/kindctl" --provider local arm-restart --name "$CLUSTER" --arm new
	rc=$status
	echo "$output"
	MET_OK=$(reloader_counter reloader_reload_executed_total success true || true)
	MET_FAILED=$(reloader_counter reloader_reload_executed_total success false || true)
	MET_ACTIONS=absent
	if reloader_exposes reloader_action_total; then
		MET_ACTIONS=$(reloader_counter reloader_action_total result success || true)
	fi
	VERSION=$version
	SAME_PROCESS=no
	if kill -0 "$pid" 2>/dev/null; then SAME_PROCESS=yes; fi
	api_state reloader-test >"$API"
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	jq -c '{updates: .updates | {intended, succeeded, failed, failed_by_kind}, expected, observed, checks, problems}' "$RUN"
	echo "oracles: API generation rolls $(api generation_rolls), last update $(api last_update);" \
		"controller: log rolls $(log_rolls), starts $(log_starts), reloads $MET_OK ok $MET_FAILED failed, actions $MET_ACTIONS;" \
		"first process still running: $SAME_PROCESS"
	[ "$rc" -eq 0 ]
}

# q FILTER: a value of run.json (the tool under test).
q() {
	jq -r "$1" "$RUN"
}

# api FILTER: a value of the API server's state as the test read it (defs of oracle.jq).
api() {
	jq -r -L "$REPO_ROOT/tests/helpers" "include \"oracle\"; $1" "$API"
}

# The controller's own log (JSON lines, the same in v1.4.12 and v1.4.21): "Changes detected in
# 'CM' of type 'CONFIGMAP' ...; updated 'W' of type 'Deployment' ..." once per workload it
# updated, "Starting Reloader" once per process start.
log_rolls() {
	grep -c "; updated '" "$LOG" || true
}
log_starts() {
	grep -c '"msg":"Starting Reloader"' "$LOG" || true
}
log_rolls_since_last_start() {
	awk '/"msg":"Starting Reloader"/ {n = 0} /; updated \x27/ {n++} END {print n + 0}' "$LOG"
}

# The checks every run must pass: it did what it claims, and nothing failed.
common_checks() {
	[ "$(q .ok)" = true ]
	[ "$(q .updates.failed)" = 0 ]
	[ "$(q .updates.succeeded)" -gt 0 ]
	[ "$(q .updates.succeeded)" = "$(q .updates.intended)" ]
	[ "$(q .observed.spurious)" = 0 ]
}

# The oracles every run answers to. The observer's roll count equals the pod-template changes
# the API server counted (generation - 1 over the workloads) and the reloads the controller
# logged; the controller counted no failed reload; the updates the driver says succeeded are
# the updates the API server holds (each is stamped with its number: the newest is the count).
oracles() {
	local rolls logged
	rolls=$(q .observed.rolls)
	assert_equal "$(api generation_rolls)" "$rolls"
	logged=$(log_rolls)
	if [ "$(log_starts)" -gt 1 ]; then
		# A controller stopped by a restart may have patched a workload and not yet logged
		# it: one roll per restart may be missing from the log, never more, never extra.
		if [ "$logged" -gt "$rolls" ] || [ "$rolls" -gt $((logged + $(log_starts) - 1)) ]; then
			fail "the controller logged $logged rolls, the API server counted $rolls"
		fi
	else
		assert_equal "$logged" "$rolls"
	fi
	assert_equal "$MET_FAILED" 0
	assert_equal "$(api last_update)" "$(q .updates.succeeded)"
}

# Without a restart: one controller process ran throughout, and its counters equal the rolls
# (reloader_action_total only from v1.4.13 on: v1.4.12 must not have it).
one_process() {
	assert_equal "$SAME_PROCESS" yes
	assert_equal "$(log_starts)" 1
	assert_equal "$MET_OK" "$(q .observed.rolls)"
	actions_are "$(q .observed.rolls)"
}
actions_are() {
	if [ "$VERSION" = v1.4.12 ]; then
		assert_equal "$MET_ACTIONS" absent
	elif [ "$1" = 0 ] && [ "$MET_ACTIONS" = absent ]; then
		# A counter with labels has no series until its first count.
		return 0
	else
		assert_equal "$MET_ACTIONS" "$1"
	fi
}

# templates MODE REFS INITIAL: every workload's pod template against the ConfigMaps and Secrets
# it references, all read from the API server (template_problems in oracle.jq). REFS is the
# scenario file's wiring, INITIAL the data it creates, both written out here by hand.
templates() {
	run api "template_problems($2; $3; \"$1\")"
	assert_success
	assert_output ""
}

# workloads N: the namespace holds the scenario's N workloads (the checks above are not vacuous).
workloads() {
	assert_equal "$(api '.workloads | length')" "$1"
}

# exact FACTOR: every update rolled FACTOR workloads, none missed, all converged.
exact() {
	local want=$(($(q .updates.succeeded) * $1))
	[ "$(q .observed.expected_rolls)" = "$want" ]
	[ "$(jq -r .action_total "$EXP")" = "$want" ]
	[ "$(q .observed.rolls)" = "$want" ]
	[ "$(q .observed.missed)" = 0 ]
	[ "$(q .observed.duplicate)" = 0 ]
	[ "$(q .observed.converged)" = true ]
	[ "$(q .observed.latency_seconds.count)" = "$want" ]
}

for_versions() {
	local t=$1
	"$t" v1.4.21
	"$t" v1.4.12
}

# The expected counts below are worked by hand from the scenario files and the durations: the
# update phase is DURATION - 5 s (S11: - 10 s), its ticks at 0, EVERY, 2 x EVERY, ... before
# its end. A 100 ms or 200 ms tick that falls on the end may land either side of it.

# 7 s: 2 s of 100 ms ticks, 20 (or 21) updates of random ConfigMaps, each rolling its one
# Deployment (burst-deploy-i -> burst-cm-i).
s1() {
	scn "$1" S1 7
	common_checks
	exact 1
	oracles
	one_process
	assert_equal "$(q '.updates.intended | . >= 20 and . <= 21')" true
	workloads 10
	templates env '["ConfigMap/" + (.name | sub("deploy"; "cm"))]' '{key: "initial-value"}'
}
# 11 s: 6 s of 5 s ticks, 2 updates of shared-cm; 50 Deployments roll twice each: 100 rolls.
s2() {
	scn "$1" S2 11
	common_checks
	exact 50
	oracles
	one_process
	assert_equal "$(q .updates.intended)" 2
	assert_equal "$(api generation_rolls)" 100
	assert_equal "$(jq -r .action_total "$EXP")" 100
	assert_equal "$(api '[.workloads[].generation] | unique | map(tostring) | join(",")')" 3
	# The per-update records beside run.json: one line per update and Deployment, each rolled,
	# as many as the API server's generations say, and never before it was sent.
	local upd="$BATS_TEST_TMPDIR/updates.jsonl"
	assert_equal "$(jq -s 'length' "$upd")" 100
	assert_equal "$(jq -s '[.[] | select(.rolled >= .sent and .sent >= .scheduled - 0.001)] | length' "$upd")" \
		"$(api generation_rolls)"
	workloads 50
	templates env '["ConfigMap/shared-cm"]' '{key: "initial-value"}'
}
# 7 s: 20 (or 21) writes that leave the data as it is: no roll, no stamp, the counter at 0.
s4() {
	scn "$1" S4 7
	common_checks
	oracles
	one_process
	assert_equal "$(q '.updates.intended | . >= 20 and . <= 21')" true
	assert_equal "$(q .observed.rolls)" 0
	assert_equal "$(api generation_rolls)" 0
	assert_equal "$MET_OK" 0
	assert_equal "$(q .expected.action_total)" 0
	assert_equal "$(jq -r .action_total "$EXP")" 0
	workloads 10
	# The writes reached the server (the newest carries the count, oracles) and changed no data.
	templates env '["ConfigMap/" + (.name | sub("deploy"; "cm"))]' '{key: "static-value"}'
}
# 30 s: 25 s of 200 ms ticks, 125 (or 126) updates of random ConfigMaps, the controller
# restarted 20 s in. Changes made while it is down may be lost by design, so no exact count:
# the oracles, a real restart, and templates consistent with what rolled.
s6() {
	scn "$1" S6 30
	common_checks
	oracles
	assert_equal "$(q '.updates.intended | . >= 125 and . <= 126')" true
	[ "$(q .observed.rolls)" -gt 0 ]
	[ "$(q .observed.rolls)" -le "$(q .updates.succeeded)" ]
	# The restart happened: the first process is gone, the controller logged two starts, and
	# its counter (reset by the restart) holds exactly the reloads logged after the second.
	assert_equal "$SAME_PROCESS" no
	assert_equal "$(log_starts)" 2
	assert_equal "$MET_OK" "$(log_rolls_since_last_start)"
	actions_are "$(log_rolls_since_last_start)"
	[ "$MET_OK" -lt "$(q .observed.rolls)" ]
	workloads 20
	templates lossy '["ConfigMap/" + (.name | sub("deploy"; "cm"))]' '{key: "initial-value"}'
}
# 7 s: 2 s of 5 s ticks, 1 update of multi-type-cm: 5 Deployments, 3 StatefulSets and 2
# DaemonSets roll once each.
s9() {
	scn "$1" S9 7
	common_checks
	exact 10
	oracles
	one_process
	assert_equal "$(q .updates.intended)" 1
	assert_equal "$(api '[.workloads[] | "\(.kind)=\(.generation)"] | group_by(.) | map("\(length) \(.[0])") | join(", ")')" \
		"2 DaemonSet=2, 5 Deployment=2, 3 StatefulSet=2"
	templates env '["ConfigMap/multi-type-cm"]' '{key: "initial-value"}'
}
# 7 s: 2 s of 500 ms ticks, 4 updates, alternately a random Secret and a random ConfigMap;
# secret-deploy-i -> mixed-secret-i, cm-deploy-i -> mixed-cm-i, mixed-deploy-i -> both.
s10() {
	scn "$1" S10 7
	common_checks
	oracles
	one_process
	assert_equal "$(q .updates.intended)" 4
	[ "$(q .observed.rolls)" = "$(q .observed.expected_rolls)" ]
	[ "$(q .observed.missed)" = 0 ]
	[ "$(q .observed.converged)" = true ]
	workloads 10
	# shellcheck disable=SC2016 # a jq program
	templates env '(.name | split("-") | last) as $i
		| if (.name | startswith("secret-")) then ["Secret/mixed-secret-\($i)"]
		elif (.name | startswith("cm-")) then ["ConfigMap/mixed-cm-\($i)"]
		else ["ConfigMap/mixed-cm-\($i)", "Secret/mixed-secret-\($i)"] end' \
		'if .kind == "Secret" then {password: "initial-secret"} else {key: "initial-value"} end'
}
# 14 s: 4 s of 500 ms ticks, 8 updates, 8 rolls, under the annotations strategy.
s11() {
	scn "$1" S11 14
	common_checks
	exact 1
	oracles
	one_process
	assert_equal "$(q .updates.intended)" 8
	assert_equal "$(api generation_rolls)" 8
	[ "$(q .observed.annotation_missing)" = 0 ]
	workloads 10
	templates annotation '["ConfigMap/" + (.name | sub("deploy"; "cm"))]' '{key: "initial-value"}'
}
# 8 s: 3 s of 2 s ticks, 2 updates; complex-deploy-i references complex-cm-i and
# complex-cm-((i+1) mod 5), so every update rolls two Deployments: 4 rolls.
s13() {
	scn "$1" S13 8
	common_checks
	exact 2
	oracles
	one_process
	assert_equal "$(q .updates.intended)" 2
	assert_equal "$(api generation_rolls)" 4
	workloads 5
	# shellcheck disable=SC2016 # a jq program
	templates env '(.name | split("-") | last | tonumber) as $i
		| ["ConfigMap/complex-cm-\($i)", "ConfigMap/complex-cm-\(($i + 1) % 5)"]' \
		'{key1: "value1", key2: "value2", config: "setting: initial"}'
}

@test "S1 burst: every update rolls its one deployment (v1.4.21, v1.4.12)" { for_versions s1; }
@test "S2 fan-out: rolls = 2 updates x 50, none missed, converged (v1.4.21, v1.4.12)" { for_versions s2; }
@test "S4 no-op: no roll, no stamp, the controller counts none (v1.4.21, v1.4.12)" { for_versions s4; }
@test "S6 restart: a real restart; rolls agree with the API server and the controller (v1.4.21, v1.4.12)" { for_versions s6; }
@test "S9 workload kinds: 1 update rolls all 10 (v1.4.21, v1.4.12)" { for_versions s9; }
@test "S10 secrets + mixed: exact count from which object changed (v1.4.21, v1.4.12)" { for_versions s10; }
@test "S11 annotation strategy: 8 rolls, the annotation on every rolled template (v1.4.21, v1.4.12)" { for_versions s11; }
@test "S13 complex references: 2 updates x 2 rolls (v1.4.21, v1.4.12)" { for_versions s13; }

@test "--namespace-suffix: the run's own namespaces; an earlier run's leftovers of this scenario deleted, another scenario's kept" {
	local label=loadtest.reloader.stakater.com/scenario ns
	# Leftovers of interrupted runs, made by hand: one of S4's, one of S1's.
	for ns in reloader-test-left:S4 reloader-test-other:S1; do
		kubectl create namespace "${ns%%:*}" >/dev/null
		kubectl label namespace "${ns%%:*}" "$label=${ns#*:}" >/dev/null
	done
	run "$BIN/scenario" --scenario S4 --duration 6 --namespace-suffix t1 --out "$BATS_TEST_TMPDIR/run.json" \
		--quiet 1 --settle-timeout 20 --no-progress
	echo "$output"
	assert_success
	# The API server's objects, read back: the run made its 10 Deployments in reloader-test-t1.
	assert_equal "$(kubectl get deployments -n reloader-test-t1 -o name | wc -l)" 10
	# S4's leftover is going (or gone), S1's untouched.
	run kubectl get namespace reloader-test-left -o jsonpath='{.metadata.deletionTimestamp}'
	[ "$status" -ne 0 ] || [ -n "$output" ] || fail "reloader-test-left was not deleted"
	assert_equal "$(kubectl get namespace reloader-test-other -o jsonpath='{.status.phase}')" Active
	kubectl delete namespace reloader-test-other reloader-test-t1 --wait=false >/dev/null
}
