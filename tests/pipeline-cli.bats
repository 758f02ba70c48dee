#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# The pipeline's command line and make interface, offline: pipelines/loadtest (the
# reference's flags, in both forms), the reference's make targets and variables, scenario
# files outside the tree, and `make loadtest` itself with kindctl, scenario and promsnap
# stubbed (no cluster): its verdict and progress lines, its summary, cluster names, clean-up.

setup() {
	load helpers/common
	T=$BATS_TEST_TMPDIR
	RES="$T/results"
	CALLS="$T/calls"
	export CALLS
	# The tools the stages run, as stubs that log each call as one line in $CALLS.
	mkdir -p "$T/lbin"
	cat >"$T/lbin/kindctl" <<-'EOF'
		#!/usr/bin/env bash
		printf 'kindctl %s\n' "$*" >>"$CALLS"
		while [ $# -gt 0 ]; do
			case "$1" in --provider) shift 2 ;; *) break ;; esac
		done
		case "$1" in
		create) exit "${STUB_CREATE_RC:-0}" ;;
		kubeconfig) echo /dev/null ;;
		prometheus-start) echo http://127.0.0.1:1 ;;
		esac
		exit 0
	EOF
	# A run that did what its scenario says.
	cat >"$T/lbin/scenario" <<-'EOF'
		#!/usr/bin/env bash
		printf 'scenario %s\n' "$*" >>"$CALLS"
		out=""
		while [ $# -gt 0 ]; do
			case "$1" in
			--controller-args) exit 0 ;;
			--out) out=$2; shift ;;
			--) break ;;
			esac
			shift
		done
		printf '{"ok": true, "start": "2026-01-03T14:30:00Z", "end": "2026-01-03T14:31:00Z"}\n' >"$out"
	EOF
	# Snapshots: the fixture's passing S2, or its failing one for the scenario in STUB_FAIL.
	cat >"$T/lbin/promsnap" <<-'EOF'
		#!/usr/bin/env bash
		printf 'promsnap %s\n' "$*" >>"$CALLS"
		[ "$1" != wait ] || exit 0
		out="" job=""
		while [ $# -gt 0 ]; do
			case "$1" in --out) out=$2 ;; --job) job=$2 ;; esac
			shift
		done
		scenario=$(basename "$(dirname "$out")")
		set=pass
		[ "$scenario" != "${STUB_FAIL:-}" ] || set=fail
		cp "$FIXTURES/results/$set/S2/${job#reloader-}"/*.json "$out/"
	EOF
	chmod +x "$T/lbin"/*
}

# mk ARGS...: make in the tree, quietly, with the stubbed tools and no package check.
mk() {
	LOADTEST_SKIP_DEPS=1 make -s -C "$REPO_ROOT" --no-print-directory SAN="${LOADTEST_SAN:-}" \
		LT_BIN="$T/lbin" "$@"
}

# dry ARGS...: the command pipelines/loadtest would run.
dry() {
	LOADTEST_DRY_RUN=1 "$REPO_ROOT/pipelines/loadtest" "$@"
}

# ---- pipelines/loadtest: the reference's command line ----

@test "loadtest run: every reference flag becomes the pipeline's variable" {
	mkdir "$T/manifests"
	run --separate-stderr dry run --old-image stakater/reloader:v1.4.12 --new-image=stakater/reloader:v1.4.21 \
		--scenario S2 --duration 30 --parallelism=2 --skip-cluster --skip-image-load \
		--cluster-name mine --results-dir "$T/res" --manifests-dir "$T/manifests"
	assert_success
	local want="make -C $REPO_ROOT --no-print-directory loadtest RESULTS_DIR=$T/res"
	want+=" OLD_IMAGE=stakater/reloader:v1.4.12 NEW_IMAGE=stakater/reloader:v1.4.21 DURATION=30"
	want+=" PARALLELISM=2 SKIP_CLUSTER=1 SKIP_IMAGE_LOAD=1 CLUSTER_NAME=mine"
	want+=" LOADTEST_MANIFESTS=$T/manifests SCENARIOS=S2"
	assert_output "$want"
}

@test "loadtest: --flag value and --flag=value are the same, for every flag" {
	local pair
	mkdir "$T/m"
	for pair in old-image:a/b:v1 new-image:c/d:v2 scenario:S1,S4 duration:9 parallelism:3 \
		provider:kind contexts:x,y cluster-name:c1 results-dir:"$T/r" manifests-dir:"$T/m"; do
		local flag=${pair%%:*} val=${pair#*:}
		[ "$(dry run "--$flag" "$val")" = "$(dry run "--$flag=$val")" ] || fail "--$flag differs"
	done
	for pair in scenario:S2 results-dir:"$T/r" output:"$T/o" format:json; do
		local flag=${pair%%:*} val=${pair#*:}
		a=$(dry report --scenario S2 "--$flag" "$val")
		[ "$a" = "$(dry report --scenario S2 "--$flag=$val")" ] || fail "report --$flag differs"
	done
	[ "$(dry summary --test-type quick --format text)" = "$(dry summary --test-type=quick --format=text)" ]
	# A switch also takes =true and =false.
	[ "$(dry run --skip-cluster=true)" = "$(dry run --skip-cluster)" ]
	run dry run --keep-cluster=false
	assert_output --regexp " KEEP_CLUSTER=$"
}

@test "loadtest: a bad command line is one line and exit status 2" {
	for args in "run --duration" "run --bogus" "run --duration=0" "run --provider=docker" \
		"run --cluster-name=Big_Name" "run --skip-cluster=maybe" "run --manifests-dir=$T/none" \
		"run --scenario=$T/none.yaml" "report --duration=5" "report" "summary --scenario=S2" \
		"summary --test-type=slow" "frobnicate" "run --scale=0" "run --scale=0x10" "run --scale" \
		"report --scale=2" "summary --set=a=1"; do
		# shellcheck disable=SC2086 # the words of $args are the arguments
		run --separate-stderr dry $args
		[ "$status" -eq 2 ] || fail "'$args' exited $status"
		assert_one_line
		[[ $stderr == "loadtest: "* ]] || fail "'$args': $stderr"
	done
	run --separate-stderr dry run --duration
	assert_equal "$stderr" "loadtest: option --duration needs a value (see 'pipelines/loadtest --help')"
}

@test "loadtest run --scale and --set (repeatable) become SCALE and SET" {
	run --separate-stderr dry run --scenario S2 --scale 200 --set 'count.fanout-deploy-{i}=7' --set=duration=9
	assert_success
	assert_output --partial " SCALE=200 'SET=count.fanout-deploy-{i}=7,duration=9' SCENARIOS=S2"
}

@test "loadtest --help prints the synopsis and exits 0" {
	run --separate-stderr "$REPO_ROOT/pipelines/loadtest" --help
	assert_success
	assert_line --partial "loadtest run [--old-image I]"
	assert_line --partial "[--test-type quick|full]"
	run "$REPO_ROOT/pipelines/loadtest" run --help
	assert_success
}

@test "loadtest run --scenario takes scenario files, named from where the user stands" {
	cp "$REPO_ROOT/tools/scenario/scenarios/S2.yaml" "$T/fan.yaml"
	cd "$T"
	run dry run --scenario=S1,./fan.yaml
	assert_success
	assert_output --partial "SCENARIOS=S1,$T/fan.yaml"
}

@test "loadtest summary --test-type: accepted, the summary is compare's" {
	run --separate-stderr "$REPO_ROOT/pipelines/loadtest" summary --test-type quick \
		--results-dir "$FIXTURES/results/pass" --format markdown
	assert_success
	assert_output --partial "ALL TESTS PASSED"
}

# ---- the reference's make targets and variables ----

@test "make: LOADTEST_OLD_IMAGE, LOADTEST_NEW_IMAGE, LOADTEST_SCENARIOS, LOADTEST_DURATION are aliases" {
	run --separate-stderr mk loadtest-check PROVIDER=local LOADTEST_SCENARIOS=S1,S4,S6 \
		LOADTEST_DURATION=30 LOADTEST_OLD_IMAGE=stakater/reloader:v1.4.19 LOADTEST_NEW_IMAGE=bin:/x
	assert_success
	assert_equal "$stderr" "loadtest: 3 scenario(s) (S1 S4 S6), 1 cluster(s), provider local, old 'stakater/reloader:v1.4.19', new 'bin:/x', 30s each"
	# Given twice, differently: which one was meant is not guessed.
	run --separate-stderr mk loadtest-check PROVIDER=local SCENARIOS=S2 LOADTEST_SCENARIOS=S3
	assert_failure 2
	assert_output ""
	[[ $stderr == *"loadtest: SCENARIOS='S2' and LOADTEST_SCENARIOS='S3' differ: give one of them"* ]]
}

@test "make loadtest-quick runs S1, S4 and S6, loadtest-full all 14, whatever SCENARIOS says" {
	run --separate-stderr mk -n loadtest-quick PROVIDER=kind RESULTS_DIR="$RES" LOADTEST_SCENARIOS=S2
	assert_success
	run grep -o 'run-scenario.sh [^ ]*' <<<"$output"
	assert_output "$(printf 'run-scenario.sh %s\n' S1 S4 S6)"
	run --separate-stderr mk -n loadtest-full PROVIDER=kind RESULTS_DIR="$RES" SCENARIOS=S2
	assert_success
	run grep -c 'run-scenario.sh S' <<<"$output"
	assert_output 14
	assert_file_not_exists "$CALLS"
}

@test "make: SCENARIOS takes a scenario file; its results folder is its name" {
	cp "$REPO_ROOT/tools/scenario/scenarios/S2.yaml" "$T/fan-out.yaml"
	run --separate-stderr mk -n loadtest-reports PROVIDER=kind RESULTS_DIR="$RES" SCENARIOS="S4,$T/fan-out.yaml"
	assert_success
	assert_output --partial "SCENARIO_FILE='$T/fan-out.yaml' pipelines/run-scenario.sh fan-out "
	assert_output --partial "--scenario fan-out --format text --output $RES/fan-out/report.txt"
	assert_output --partial "SCENARIO_FILE='' pipelines/run-scenario.sh S4 "
	run --separate-stderr mk loadtest-check PROVIDER=local SCENARIOS="$T/nope.yaml"
	assert_failure 2
	[[ $stderr == *"loadtest: unknown scenario '$T/nope.yaml'"* ]]
}

@test "bin/scenario's folder of scenario files is LOADTEST_SCENARIO_DIR, not the reference's LOADTEST_SCENARIOS" {
	mkdir "$T/sc"
	sed 's/^\(  *\)count: 50$/\1count: 7/' "$REPO_ROOT/tools/scenario/scenarios/S2.yaml" >"$T/sc/S2.yaml"
	grep -q 'count: 7' "$T/sc/S2.yaml" || fail "the fixture edit did not apply"
	LOADTEST_SCENARIOS=S1,S4,S6 run --separate-stderr "$BIN/scenario" --scenario S2 --check
	assert_success
	assert_output --partial "50 workloads"
	LOADTEST_SCENARIO_DIR="$T/sc" run --separate-stderr "$BIN/scenario" --scenario S2 --check
	assert_success
	assert_output --partial "7 workloads"
}

# ---- make loadtest with stubbed tools ----

@test "make loadtest: each verdict as its report exists, progress with the time left, the summary" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S1,S2,S4 DURATION=5 RESULTS_DIR="$RES" \
		STUB_FAIL=S2
	assert_failure
	# Each verdict comes right after its report, before the next scenario starts.
	[[ $stderr == *"loadtest: S1: PASS"$'\n'"loadtest: 1/3 scenarios done, "*" left"$'\n'*"[2/3] S2 old: starting"* ]] ||
		fail "no verdict and progress after S1: $stderr"
	[[ $stderr == *$'\n'"loadtest: S2: FAIL ("*"metrics failed: "*")"$'\n'"loadtest: 2/3 scenarios done, "* ]] ||
		fail "no FAIL verdict for S2: $stderr"
	[[ $stderr == *$'\n'"loadtest: 3/3 scenarios done"$'\n'* ]] || fail "no last progress line: $stderr"
	assert_line --regexp '^Status: +FAIL'
	assert_file_exists "$RES/summary.md"
	# One cluster, made, loaded and deleted by name.
	run grep -E '^kindctl --provider kind (create|load-image|delete)' "$CALLS"
	assert_output "$(printf '%s\n' 'kindctl --provider kind create --name reloader-loadtest-0 --port-offset 0' \
		'kindctl --provider kind load-image --name reloader-loadtest-0 stakater/reloader:v1.4.12 stakater/reloader:v1.4.21' \
		'kindctl --provider kind delete --name reloader-loadtest-0')"
	assert_file_not_exists "$RES/.state/cluster-0.created"
}

@test "make loadtest PROMETHEUS_URL with a password: promsnap gets it in its environment; no message, command line or file holds it" {
	local pw=s3cr3t-$RANDOM
	# promsnap's stub also keeps the cluster's state file as it is while the run uses it.
	mv "$T/lbin/promsnap" "$T/promsnap-stub"
	export T
	# shellcheck disable=SC2016 # the stub's own expansions
	printf '%s\n' '#!/usr/bin/env bash' 'mkdir -p "$T/seen" && cp "$STATE"/cluster-*.ready "$T/seen/"' \
		'printf "%s\n" "${PROMETHEUS_URL:-}" >>"$T/env-url"' 'exec "$T/promsnap-stub" "$@"' >"$T/lbin/promsnap"
	chmod +x "$T/lbin/promsnap"
	# Not make -s: the recipes make echoes must not show it either.
	run --separate-stderr env LOADTEST_SKIP_DEPS=1 make -C "$REPO_ROOT" --no-print-directory \
		SAN="${LOADTEST_SAN:-}" LT_BIN="$T/lbin" loadtest PROVIDER=kind SCENARIOS=S4 DURATION=5 \
		RESULTS_DIR="$RES" PROMETHEUS_URL="http://lt:$pw@127.0.0.1:1/prom"
	assert_success
	# For each arm's wait and snapshot, in the environment, never on a command line.
	assert_equal "$(sort -u "$T/env-url")" "http://lt:$pw@127.0.0.1:1/prom"
	assert_equal "$(wc -l <"$T/env-url")" 4
	grep -q -F -- "promsnap wait --job reloader-old" "$CALLS" || fail "promsnap wait was not run: $(cat "$CALLS")"
	run grep -c -F -- "$pw" "$CALLS"
	assert_output 0
	[[ "$output$stderr" != *"$pw"* ]] || fail "the password was printed: $output $stderr"
	[[ "$stderr" == *"(Prometheus http://***@127.0.0.1:1/prom)"* ]] || fail "the cluster line does not name the server: $stderr"
	assert_file_exists "$T/seen/cluster-0.ready"
	run grep -rl -F -- "$pw" "$RES" "$T/seen"
	assert_output ""
	# A run resumed from that state without the password says what to do.
	mkdir -p "$RES/.state"
	cp "$T/seen/cluster-0.ready" "$RES/.state/"
	rm "$RES/S4/arms.done"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S4 DURATION=5 RESULTS_DIR="$RES"
	assert_failure
	[[ "$stderr" == *"its Prometheus (http://***@127.0.0.1:1/prom) needs the password it was given: set PROMETHEUS_URL again"* ]] ||
		fail "unexpected: $stderr"
}

@test "redact_url: the user information of any URL, nothing else" {
	# shellcheck disable=SC2016 # expanded by the inner shell
	redact() { bash -c '. "$1" && redact_url "$2"' _ "$REPO_ROOT/pipelines/lib.sh" "$1"; }
	assert_equal "$(redact 'http://u:p@h:1/x@y?a=@')" 'http://***@h:1/x@y?a=@'
	assert_equal "$(redact 'https://a:b@c@h')" 'https://***@h'
	assert_equal "$(redact 'http://h:9090')" 'http://h:9090'
	assert_equal "$(redact 'u:p@h:9090')" '***@h:9090'
}

@test "make loadtest: CLUSTER_NAME names the one cluster, prefixes a pool; SKIP_IMAGE_LOAD loads nothing" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S4 DURATION=5 RESULTS_DIR="$RES" \
		CLUSTER_NAME=mine SKIP_IMAGE_LOAD=1
	assert_success
	run grep -E '^kindctl .*(create|load-image)' "$CALLS"
	assert_output "kindctl --provider kind create --name mine --port-offset 0"
	rm -rf "$RES" "$CALLS"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S1,S4 PARALLELISM=2 DURATION=5 \
		RESULTS_DIR="$RES" CLUSTER_NAME=mine
	assert_success
	# (The two clusters come up at once: in either order.)
	run sort <(grep -oE 'create --name [^ ]+' "$CALLS")
	assert_output "$(printf '%s\n' 'create --name mine-0' 'create --name mine-1')"
}

@test "make loadtest: no cluster, no results: the summary says NO RESULTS, exit status non-zero" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S1 DURATION=5 RESULTS_DIR="$RES" STUB_CREATE_RC=1
	assert_failure
	assert_line --partial "NO RESULTS"
	[[ $stderr != *"No such file"* ]] || fail "$stderr"
	assert_file_exists "$RES/summary.md"
	grep -q "NO RESULTS" "$RES/summary.md"
}

@test "make report on an empty results folder: NO RESULTS and a non-zero exit, not a missing file" {
	mkdir -p "$RES"
	run --separate-stderr mk report RESULTS_DIR="$RES"
	assert_failure
	assert_line --partial "NO RESULTS"
	[[ $stderr != *"No such file"* ]] || fail "$stderr"
	run --separate-stderr "$REPO_ROOT/pipelines/loadtest" summary --results-dir "$RES"
	assert_failure 1
	assert_line --partial "NO RESULTS"
}

@test "loadtest run: exit status 1 when a scenario fails (make alone says 2 for any failure)" {
	LT_BIN="$T/lbin" STUB_FAIL=S2 LOADTEST_SKIP_DEPS=1 SAN="${LOADTEST_SAN:-}" \
		run --separate-stderr "$REPO_ROOT/pipelines/loadtest" run --provider kind --scenario S2 \
		--duration 5 --results-dir "$RES"
	assert_failure 1
	[[ $stderr == *"loadtest: S2: FAIL ("* ]] || fail "$stderr"
	rm -rf "$RES"
	LT_BIN="$T/lbin" LOADTEST_SKIP_DEPS=1 SAN="${LOADTEST_SAN:-}" \
		run --separate-stderr "$REPO_ROOT/pipelines/loadtest" run --provider kind --scenario S2 \
		--duration 5 --results-dir "$RES"
	assert_success
	assert_line --regexp '^Status: +PASS'
}

@test "make loadtest-clean deletes, by name, the clusters a run left, and the results folder" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S4 DURATION=5 RESULTS_DIR="$RES" KEEP_CLUSTER=1
	assert_success
	run grep -c ' delete ' "$CALLS"
	assert_output 0
	assert_file_exists "$RES/.state/cluster-0.created"
	run --separate-stderr mk loadtest-clean PROVIDER=kind RESULTS_DIR="$RES"
	assert_success
	run grep ' delete ' "$CALLS"
	assert_output "kindctl --provider kind delete --name reloader-loadtest-0"
	assert_dir_not_exists "$RES"
	# Never the tree itself.
	run --separate-stderr mk loadtest-clean PROVIDER=kind RESULTS_DIR=.
	assert_failure 2
	assert_file_exists "$REPO_ROOT/Makefile"
}

# ---- set-up ----

@test "make loadtest's set-up costs well under a second when everything is there" {
	LOADTEST_SKIP_DEPS="" make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest-deps >/dev/null 2>&1 ||
		cannot_run "pipelines/deps.sh build: something is missing on this machine"
	local cache=${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}/bin f provider=local
	local ETCD_VERSION KUBE_VERSION KWOK_VERSION RELOADER_VERSIONS v
	# shellcheck source=/dev/null
	. "$REPO_ROOT/tools/kindctl/versions.env"
	for f in "etcd-$ETCD_VERSION/etcd" "kube-$KUBE_VERSION/kube-apiserver" "kwok-$KWOK_VERSION/kwok"; do
		[ -x "$cache/$f" ] || provider=kind
	done
	for v in $RELOADER_VERSIONS; do
		[ -x "$cache/reloader-$v/reloader" ] || provider=kind
	done
	if [ "$provider" = local ] && ! "$REPO_ROOT/pipelines/deps.sh" --check loadtest --provider local 2>/dev/null; then
		provider=kind
	fi
	local t0 t1
	t0=$(date +%s%N)
	make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest-deps
	(cd "$REPO_ROOT" && PROVIDER=$provider OLD_IMAGE=stakater/reloader:v1.4.12 \
		NEW_IMAGE=stakater/reloader:v1.4.21 pipelines/setup.sh)
	t1=$(date +%s%N)
	local ms=$(((t1 - t0) / 1000000))
	echo "# set-up with everything present ($provider provider): ${ms} ms" >&3
	[ "$ms" -lt 1000 ] || fail "the set-up took ${ms} ms"
	[ "$provider" = local ] || cannot_run "the local provider's binaries are not all built (make deps): measured without them"
}

@test "make loadtest: a driver that says its run proves nothing makes the arm INVALID, and the next run redoes it" {
	# The new arm's driver: the run did not reach its rate (exit status 1, ok: false).
	cat >"$T/lbin/scenario" <<-'EOF2'
		#!/usr/bin/env bash
		printf 'scenario %s\n' "$*" >>"$CALLS"
		out="" arm=""
		while [ $# -gt 0 ]; do
			case "$1" in
			--controller-args) exit 0 ;;
			--out) out=$2; shift ;;
			--arm) arm=$2; shift ;;
			--) break ;;
			esac
			shift
		done
		if [ "$arm" = new ] && [ -n "${STUB_INVALID:-}" ]; then
			printf '{"ok": false, "problems": ["12 of 50 intended updates succeeded\\u001b[2J"], "start": 1, "end": 2, "checks": {"rate_reached": {"ok": false, "value": "12 of 50", "required": ">= 95%%"}}}\n' >"$out"
			exit 1
		fi
		printf '{"ok": true, "start": 1, "end": 2}\n' >"$out"
	EOF2
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" STUB_INVALID=1
	assert_failure
	assert_file_exists "$RES/S2/new/INVALID"
	[[ "$(cat "$RES/S2/new/INVALID")" == "the scenario driver exited with status 1: 12 of 50 intended updates succeeded"$'\e[2J' ]]
	[ "$(jq -r .status "$RES/summary.json")" = INVALID ]
	[[ $stderr == *"loadtest: S2: INVALID ("* ]] || fail "no INVALID verdict line: $stderr"
	# The reason's control characters reach no terminal raw: escaped, as compare does.
	[[ $stderr == *'INVALID: the scenario driver exited with status 1: 12 of 50 intended updates succeeded\x1b[2J'* ]] ||
		fail "the INVALID line is not escaped: $stderr"
	[[ "$output$stderr" != *$'\e'* ]] || fail "a control character reached the terminal: $stderr"
	# The next run keeps old and redoes new only; now valid, the scenario passes.
	: >"$CALLS"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES"
	assert_success
	[[ $stderr == *"S2: its arms run again"* ]] || fail "$stderr"
	[[ $stderr == *'redoing an INVALID run (the scenario driver exited with status 1: 12 of 50 intended updates succeeded\x1b[2J)'* ]] ||
		fail "the redo line is not escaped: $stderr"
	[[ "$output$stderr" != *$'\e'* ]] || fail "a control character reached the terminal: $stderr"
	run grep -c -- '^scenario .*--arm new' "$CALLS"
	assert_output 1
	run grep -c -- '^scenario .*--arm old' "$CALLS"
	assert_output 0
	assert_file_not_exists "$RES/S2/new/INVALID"
}

@test "make loadtest REPEATS=3: ARM/1..3 per arm, interleaved; a larger REPEATS later adds repeats only" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" REPEATS=3
	assert_success
	for a in old new; do
		for k in 1 2 3; do
			assert_file_exists "$RES/S2/$a/$k/run.json"
		done
	done
	# The order of the six runs: never every old one first.
	run bash -c "awk '/^scenario /{for (i = 1; i <= NF; i++) if (\$i == \"--arm\") { print \$(i + 1); break }}' '$CALLS' | paste -sd,"
	[ "$output" != old,old,old,new,new,new ] || fail "not interleaved: $output"
	[ "$(tr "," "\n" <<<"$output" | grep -c old)" = 3 ] || fail "order: $output"
	run jq -c .repeats <("$BIN/compare" --scenario S2 --results-dir "$RES" --format json)
	assert_output '{"old":3,"new":3}'
	: >"$CALLS"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" REPEATS=4
	assert_success
	run grep -c -- '^scenario .*--arm ' "$CALLS"
	assert_output 2
	assert_file_exists "$RES/S2/old/4/run.json"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" REPEATS=x
	assert_failure
	[[ $stderr == *"REPEATS must be a whole number from 1 to 30, not 'x'"* ]]
}

@test "make loadtest REPEATS=2 after a single run: the single run becomes repeat 1" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES"
	assert_success
	assert_file_exists "$RES/S2/old/run.json"
	: >"$CALLS"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" REPEATS=2
	assert_success
	assert_file_exists "$RES/S2/old/1/run.json"
	assert_file_exists "$RES/S2/old/2/run.json"
	assert_file_not_exists "$RES/S2/old/run.json"
	run grep -c -- '^scenario .*--arm ' "$CALLS"
	assert_output 2
	assert_file_exists "$RES/junit.xml"
}

@test "make calibrate: an A/A run with repeats, then each row's noise in calibration.json and .txt" {
	run --separate-stderr mk calibrate PROVIDER=kind SCENARIOS=S2 REPEATS=2 DURATION=5 RESULTS_DIR="$RES" \
		IMAGE=stakater/reloader:v1.4.21
	assert_success
	# Both arms ran the one image, twice each.
	run grep -c -- '^kindctl .*arm-start .*--image stakater/reloader:v1.4.21' "$CALLS"
	assert_output 4
	assert_file_exists "$RES-calibrate/calibration.txt"
	# Every repeat of both arms is one sample of the same build: n = 4 per row.
	run jq -r '.rows[] | select(.scenario == "S2" and .name == "cpu_cores_avg") | .n' "$RES-calibrate/calibration.json"
	assert_output 4
	run head -n 1 "$RES-calibrate/calibration.txt"
	assert_output --partial "A/A calibration"
}

@test "make loadtest NEW_API_DELAY_MS: the new arm starts behind a delaying proxy, the old one does not" {
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" \
		NEW_API_DELAY_MS=50 OLD_IMAGE=bin:/bin/true NEW_IMAGE=bin:/bin/true LOADTEST_SKIP_DEPS=1
	run grep -E '^kindctl .*arm-start' "$CALLS"
	assert_line --regexp 'arm-start .*--arm new .* --api-delay 50$'
	refute_line --regexp '--arm old .*--api-delay'
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" NEW_API_DELAY_MS=50
	assert_failure
	[[ $stderr == *"work on the local provider only"* ]]
	run --separate-stderr mk loadtest PROVIDER=local SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" NEW_API_DELAY_MS=fast
	assert_failure
	[[ $stderr == *"NEW_API_DELAY_MS must be a whole number of milliseconds, not 'fast'"* ]]
}

@test "make loadtest SCALE and SET: checked first, given to bin/scenario, recorded; an arm of another size runs again" {
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" SCALE=3 \
		SET='count.fanout-deploy-{i}=7,duration=9'
	assert_success
	run grep -E '^scenario .*--out' "$CALLS"
	assert_line --index 0 --partial -- "--scale 3 --set count.fanout-deploy-{i}=7,duration=9 -- "
	assert_line --index 1 --partial -- "--scale 3 --set count.fanout-deploy-{i}=7,duration=9 -- "
	run cat "$RES/S2/params.txt" "$RES/S2/old/params.txt" "$RES/S2/new/params.txt"
	assert_output "$(printf 'scale=3 set=count.fanout-deploy-{i}=7,duration=9\n%.0s' 1 2 3)"
	# The same again: nothing to do. Another SCALE: both arms run again, never compared with
	# arms of the other size.
	: >"$CALLS"
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" SCALE=3 \
		SET='count.fanout-deploy-{i}=7,duration=9'
	assert_success
	run grep -c '^scenario .*--out' "$CALLS"
	assert_output 0
	run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" SCALE=2
	assert_success
	[[ $stderr == *"S2: its arms run again (they ran with another SCALE or SET)"* ]]
	[[ $stderr == *"redoing a run made with another SCALE or SET (scale=3 set=count.fanout-deploy-{i}=7,duration=9)"* ]]
	run grep -c '^scenario .*--out .* --scale 2 ' "$CALLS"
	assert_output 2
	run cat "$RES/S2/old/params.txt"
	assert_output "scale=2 set="
	# Bad values stop the run before any cluster, naming the variable or the key.
	local bad=("SCALE=0|SCALE must be a whole number from 1 to 1000000, not '0'"
		"SCALE=0x10|SCALE must be a whole number from 1 to 1000000, not '0x10'"
		"SCALE=99999999999999999999|SCALE must be a whole number from 1 to 1000000"
		"SET=nonsense|SET must be KEY=VALUE[,KEY=VALUE...] (see bin/scenario --help), not 'nonsense'"
		"SET=colour=red|--set colour: unknown key"
		"SCALE=100000|--scale 100000: the count of Deployment 'fanout-deploy-{i}' would be more than 1000000")
	local pair
	for pair in "${bad[@]}"; do
		: >"$CALLS"
		run --separate-stderr mk loadtest PROVIDER=kind SCENARIOS=S2 DURATION=5 RESULTS_DIR="$RES" "${pair%%|*}"
		assert_failure
		[[ $stderr == *"${pair#*|}"* ]] || fail "${pair%%|*}: $stderr"
		run grep -c '^kindctl' "$CALLS"
		assert_output 0
	done
}
