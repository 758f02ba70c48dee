#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# bin/scenario against a real API server (local provider) and real Reloader builds: the
# outside observer's counts against the exact expectation of each run.

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

# scn VERSION SCENARIO DURATION: run SCENARIO (its update phase is DURATION - 5 s) with Reloader VERSION as the new arm; the
# results are in $RUN (run.json) and $EXP (expected.json).
scn() {
	local version=$1 id=$2 duration=$3 args=()
	local a
	while read -r a; do
		[ -n "$a" ] && args+=(--arg "$a")
	done < <("$BIN/scenario" --scenario "$id" --controller-args)
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new \
		--image "stakater/reloader:$version" "${args[@]}"
	assert_success
	RUN="$BATS_TEST_TMPDIR/run.json"
	EXP="$BATS_TEST_TMPDIR/expected.json"
	run "$BIN/scenario" --scenario "$id" --duration "$duration" --out "$RUN" --quiet 2 \
		--settle-timeout 40 --setup-timeout 120 --no-progress \
		-- "$BIN/kindctl" --provider local arm-restart --name "$CLUSTER" --arm new
	echo "$output"
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	jq -c '{updates: .updates | {intended, succeeded, failed, failed_by_kind}, expected, observed, checks, problems}' "$RUN"
	assert_success
}

# q FILTER: a value of run.json.
q() {
	jq -r "$1" "$RUN"
}

# The checks every run must pass: it did what it claims, and nothing failed.
common_checks() {
	[ "$(q .ok)" = true ]
	[ "$(q .updates.failed)" = 0 ]
	[ "$(q .updates.succeeded)" -gt 0 ]
	[ "$(q .updates.succeeded)" = "$(q .updates.intended)" ]
	[ "$(q .observed.spurious)" = 0 ]
	[ "$(jq -r .action_total "$EXP")" = "$(q .observed.expected_rolls)" ]
}

# exact FACTOR: every update rolled FACTOR workloads, none missed, all converged.
exact() {
	local want=$(($(q .updates.succeeded) * $1))
	[ "$(q .observed.expected_rolls)" = "$want" ]
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

s1() { scn "$1" S1 7; common_checks; exact 1; }
s2() { scn "$1" S2 11; common_checks; exact 50; }
s4() {
	scn "$1" S4 7
	common_checks
	[ "$(q .observed.rolls)" = 0 ]
	[ "$(q .expected.action_total)" = 0 ]
	[ "$(q .expected.skipped_total)" = "$(q .updates.succeeded)" ]
}
s6() {
	scn "$1" S6 30
	common_checks
	# The restart really happened (kindctl verified a new pid serving metrics).
	[ "$(q .checks.restart_happened)" = true ]
	[ "$(q .observed.expected_rolls)" = "$(q .updates.succeeded)" ]
	[ "$(q .observed.rolls)" -le "$(q .observed.expected_rolls)" ]
	[ $(($(q .observed.rolls) + $(q .observed.missed))) = "$(q .observed.expected_rolls)" ]
}
s9() { scn "$1" S9 7; common_checks; exact 10; }
s10() {
	scn "$1" S10 7
	common_checks
	[ "$(q .observed.rolls)" = "$(q .observed.expected_rolls)" ]
	[ "$(q .observed.missed)" = 0 ]
	[ "$(q .observed.converged)" = true ]
}
s11() {
	scn "$1" S11 14
	common_checks
	exact 1
	[ "$(q .observed.annotation_missing)" = 0 ]
}
s13() { scn "$1" S13 8; common_checks; exact 2; }

@test "S1 burst: every update rolls its one deployment (v1.4.21, v1.4.12)" { for_versions s1; }
@test "S2 fan-out: rolls = updates x 50, none missed, converged (v1.4.21, v1.4.12)" { for_versions s2; }
@test "S4 no-op: no roll at all; skipped = updates (v1.4.21, v1.4.12)" { for_versions s4; }
@test "S6 restart: the restart happens; rolls + missed = expected (v1.4.21, v1.4.12)" { for_versions s6; }
@test "S9 workload kinds: rolls = updates x 10 (v1.4.21, v1.4.12)" { for_versions s9; }
@test "S10 secrets + mixed: exact count from which object changed (v1.4.21, v1.4.12)" { for_versions s10; }
@test "S11 annotation strategy: exact rolls, annotation on every rolled template (v1.4.21, v1.4.12)" { for_versions s11; }
@test "S13 complex references: rolls = updates x 2 (v1.4.21, v1.4.12)" { for_versions s13; }
