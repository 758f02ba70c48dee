#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# Negative controls: the whole pipeline (make loadtest, local provider, real API server, real
# Prometheus) measuring stand-ins for a controller (tests/controls/control.c). A framework
# that gave them a PASS would make every PASS worthless. Oracles: the scenario files' own
# arithmetic (S1: one roll per update; S2: 50 Deployments per update), and the controls'
# own count of the patches the API server accepted (the last line of their log), never a
# number the tools computed alone.

setup_file() {
	load helpers/common
	export LOADTEST_STATE="$BATS_FILE_TMPDIR/state"
	export CONTROLS="${LOADTEST_CONTROLS:-$REPO_ROOT/build/rel/controls}"
}

setup() {
	load helpers/common
	[ -x "$CONTROLS/control-idle" ] || fail "no control binaries in $CONTROLS (make builds them)"
	if ! "$REPO_ROOT/tools/kindctl/build-binaries.sh" all >/dev/null 2>"$BATS_TEST_TMPDIR/build.log"; then
		cannot_run "the local control plane cannot be built here: $(tail -n 1 "$BATS_TEST_TMPDIR/build.log")"
	fi
}

# control_run NAME RESULTS: make loadtest with only a new arm, run by the control NAME.
control_run() {
	run --separate-stderr make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest PROVIDER=local \
		NEW_IMAGE="bin:$CONTROLS/$1" SCENARIOS=S1,S2 DURATION=10 RESULTS_DIR="$2"
	echo "$stderr" | tail -20
}

# row RESULTS S NAME: the judged (new) arm's value and the status of report row NAME.
row() {
	"$BIN/compare" --scenario "$2" --results-dir "$1" --format json |
		jq -r --arg n "$3" '.rows[] | select(.name == $n) | "\(.new.value) \(.status)"'
}

@test "a controller that does nothing: every exact scenario FAILs, every expected roll missed" {
	local res="$BATS_TEST_TMPDIR/idle"
	control_run control-idle "$res"
	assert_failure
	[ "$(jq -r .status "$res/summary.json")" = FAIL ]
	for s in S1 S2; do
		local r="$res/$s/new/run.json" n
		n=$(jq -r .updates.succeeded "$r")
		[ "$n" -gt 0 ]
		# Hand-worked from the scenario files: S1 rolls one Deployment per update, S2 fifty.
		local want=$n
		[ $s = S1 ] || want=$((n * 50))
		assert_equal "$(row "$res" $s observed_missed)" "$want fail"
		assert_equal "$(row "$res" $s observed_rolls)" "0 fail"
		assert_equal "$(jq -r .status <("$BIN/compare" --scenario $s --results-dir "$res" --format json))" FAIL
	done
	# The control's own account, the last line of its log: it never patched anything.
	run tail -n 1 "$res/S2/new/reloader.log"
	assert_output "control-idle: 0 pod-template patches accepted"
}

@test "a controller that rolls every workload twice: every exact scenario FAILs on duplicates" {
	local res="$BATS_TEST_TMPDIR/double"
	control_run control-double "$res"
	assert_failure
	[ "$(jq -r .status "$res/summary.json")" = FAIL ]
	for s in S1 S2; do
		local r="$res/$s/new/run.json" n dup
		n=$(jq -r .updates.succeeded "$r")
		local want=$n
		[ $s = S1 ] || want=$((n * 50))
		read -r dup st < <(row "$res" $s observed_duplicate)
		[ "$st" = fail ] || fail "$s: observed_duplicate is '$st', not fail"
		# Two patches per referencing workload and update: as many duplicates as expected rolls
		# (at most; an update that lands while the control is still patching folds in).
		[ "$dup" -gt 0 ] && [ "$dup" -le "$want" ] || fail "$s: $dup duplicates for $want expected rolls"
		assert_equal "$(row "$res" $s observed_missed)" "0 pass"
		# The control's own count of the patches the API server accepted: every one of them is
		# a roll the observer saw.
		local patched
		patched=$(tail -n 1 "$res/$s/new/reloader.log" | sed -n 's/^control-double: \([0-9]*\) pod-template patches accepted$/\1/p')
		[ -n "$patched" ] || fail "$s: the control's log does not end with its count"
		assert_equal "$(jq -r .observed.rolls "$r")" "$patched"
	done
}
