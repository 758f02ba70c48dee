#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# Faults in a real run: make loadtest on the local provider (real etcd, kube-apiserver and kwok,
# real Prometheus, real Reloader builds) over S1, with one fault injected into one arm while it
# runs. After each, the results folder must be consistent (every JSON file parses, no
# temporary file is left, each FAILED or INVALID marker gives its reason, the faulted arm
# claims no value it did not measure, the verdict is never PASS) and the next make loadtest on
# the same folder must redo the faulted arm only. The faults follow each other on one results
# folder, on a small tmpfs of its own (so that its disk can be filled): each test's run is the
# resume of the one before. Then SIGTERM at each stage of the pipeline in turn, on a folder of
# its own, each run resuming the interrupted one. Processes are found in the state folder
# kindctl keeps (pid files) and signalled by those pids only.

setup_file() {
	load helpers/common
	export LOADTEST_STATE="$BATS_FILE_TMPDIR/state"
	export DISK="$BATS_FILE_TMPDIR/disk"
	export RES="$DISK/results" TRES="$BATS_FILE_TMPDIR/term"
	# Update phase: DURATION - 5 = 5 s of S1's 10 updates a second.
	export DURATION=10
	mkdir -p "$DISK"
	# 32 MiB: one S1 results folder takes under 1 MiB.
	if mount -t tmpfs -o size=32m,mode=0755 loadtest-faults "$DISK" 2>"$BATS_FILE_TMPDIR/mount.err"; then
		touch "$BATS_FILE_TMPDIR/mounted"
	fi
}

teardown_file() {
	load helpers/common
	# Whatever a failed test left: its clusters (stopped by their recorded pids), the filler,
	# the tmpfs.
	local d
	for d in "$LOADTEST_STATE"/clusters/*/; do
		[ -d "$d" ] || continue
		"$BIN/kindctl" --provider local delete --name "$(basename "$d")" || true
	done
	rm -f "$DISK/filler"
	if [ -f "$BATS_FILE_TMPDIR/mounted" ]; then
		umount "$DISK"
	fi
}

setup() {
	load helpers/common
	load helpers/prometheus
	if ! "$REPO_ROOT/tools/kindctl/build-binaries.sh" all >/dev/null 2>"$BATS_TEST_TMPDIR/build.log"; then
		cannot_run "the local control plane cannot be built here: $(tail -n 1 "$BATS_TEST_TMPDIR/build.log")"
	fi
}

# The pool's one cluster (cluster-up.sh's name for it) and the folders kindctl keeps it in.
CL=reloader-loadtest-0
cl_dir() {
	printf '%s\n' "$LOADTEST_STATE/clusters/$CL"
}
kwok_dir() {
	printf '%s\n' "$LOADTEST_STATE/clusters/$CL/kwok/clusters/$CL"
}

# lt_start DIR: make loadtest over S1 (Reloader v1.4.12 against v1.4.21) into DIR, in the
# background and in a process group of its own (a TERM to it reaches make and its children as
# Ctrl-C's would); its pid in LT_PID, its output in LT_LOG.
lt_start() {
	LT_LOG="$BATS_TEST_TMPDIR/loadtest.log" LT_DIR=$1
	setsid make -s -C "$REPO_ROOT" SAN="${LOADTEST_SAN:-}" loadtest PROVIDER=local SCENARIOS=S1 \
		DURATION="$DURATION" RESULTS_DIR="$1" >"$LT_LOG" 2>&1 3>&- &
	LT_PID=$!
}

# lt_wait: until that run ends (at most 5 min); its exit status in LT_RC; its last lines and
# what the results folder holds shown.
lt_wait() {
	LT_RC=0
	wait_until 300 bash -c "! kill -0 $LT_PID 2>/dev/null" || {
		kill -TERM -- "-$LT_PID" 2>/dev/null || true
		fail "make loadtest did not end within 5 min"
	}
	wait "$LT_PID" || LT_RC=$?
	echo "== make loadtest exited with status $LT_RC after:"
	tail -n 30 "$LT_LOG"
	[ ! -d "$LT_DIR" ] || show_results "$LT_DIR"
}

# lt_until CONDITION...: wait until CONDITION holds (checked every 0.1 s) while the run goes on;
# the test fails, with the run's last lines, when the run ends first or after 5 min.
lt_until() {
	local deadline=$((SECONDS + 300))
	until "$@"; do
		if ! kill -0 "$LT_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			tail -n 40 "$LT_LOG"
			fail "the run ended (or 5 min passed) before: $*"
		fi
		sleep 0.1
	done
}

# lt_log_has TEXT: the run's output holds TEXT (a fixed string).
lt_log_has() {
	grep -qsF -- "$1" "$LT_LOG"
}

# in_update_phase ARM: the driver of S1's ARM has begun its update phase.
in_update_phase() {
	grep -qsE "^scenario: S1 $1 \[[0-9]+s\]: update phase" "$LT_LOG"
}

# recorded_pids: every pid the run's clusters record (control plane, Prometheus, arms, bridges).
recorded_pids() {
	cat "$LOADTEST_STATE"/clusters/*/*.pid "$LOADTEST_STATE"/clusters/*/kwok/clusters/*/pids/*.pid 2>/dev/null |
		awk '{print $1}'
}

# assert_all_gone "PID PID ...": none of them runs; no process at all names the state folder
# in its command line or environment (one started but never recorded: a bridge, a controller
# with its KUBECONFIG there); and no cluster is left in the state folder.
assert_all_gone() {
	local p all f state_re
	read -r -d "" -a all <<<"$*" || true
	# The folder as a pattern that is not its own text (grep's command line would match it):
	# each character in brackets.
	# shellcheck disable=SC2001 # every character, not one substring
	state_re=$(sed 's/./[&]/g' <<<"$LOADTEST_STATE/")
	for p in "${all[@]}"; do
		if kill -0 "$p" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ]; then
			fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" | head -c 120)) still runs"
		fi
	done
	while IFS= read -r f; do
		p=${f#/proc/}
		p=${p%%/*}
		[ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ] || continue
		fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" | head -c 160)) of this run still runs, unrecorded"
	done < <(grep -lsE -- "$state_re" /proc/[0-9]*/cmdline /proc/[0-9]*/environ || true)
	run ls "$LOADTEST_STATE/clusters"
	assert_output ""
}

# pid_of FILE EXE: the pid recorded in FILE (kindctl's "pid starttime" or kwok's "pid"),
# checked to be a running EXE (a path ending so); 1, saying why, when it is not.
pid_of() {
	local pid exe
	pid=$(awk '{ print $1; exit }' "$1")
	[[ $pid =~ ^[0-9]+$ ]] || { echo "no pid in $1" >&2; return 1; }
	exe=$(readlink "/proc/$pid/exe") || { echo "pid $pid of $1 does not run" >&2; return 1; }
	[[ $exe == *"$2" ]] || { echo "pid $pid of $1 runs $exe, not $2" >&2; return 1; }
	printf '%s\n' "$pid"
}

# assert_consistent DIR: the results folder holds no scrap and nothing unreadable: every JSON
# file parses (JSON lines line by line, junit.xml as XML), each report ends as a whole one
# does, no temporary file is left (write_atomic's FILE.XXXXXX, the tools' .FILE.XXXXXX,
# *.tmp, make's FILE+), no file is empty but the lock files, and every FAILED or INVALID
# marker gives a reason.
assert_consistent() {
	local d=$1 f bad
	while IFS= read -r -d '' f; do
		jq -e . "$f" >/dev/null 2>&1 || fail "$f: not JSON"
	done < <(find "$d" -name '*.json' -print0)
	while IFS= read -r -d '' f; do
		jq -c . "$f" >/dev/null 2>&1 || fail "$f: not JSON lines"
	done < <(find "$d" -name '*.jsonl' -print0)
	while IFS= read -r -d '' f; do
		xmllint --noout "$f" 2>/dev/null || fail "$f: not XML"
	done < <(find "$d" -name '*.xml' -print0)
	# Reports end as compare and report-html.sh end them (their last line that is not empty).
	while IFS= read -r -d '' f; do
		[[ $(grep -v '^$' "$f" | tail -n 1) =~ ^=+$ ]] || fail "$f does not end as a report does"
	done < <(find "$d" -name report.txt -print0)
	while IFS= read -r -d '' f; do
		[ "$(grep -v '^$' "$f" | tail -n 1)" = "</html>" ] || fail "$f does not end as a page does"
	done < <(find "$d" -name index.html -print0)
	while IFS= read -r -d '' f; do
		[ "$(grep -v '^$' "$f" | tail -n 1)" = "</section>" ] || fail "$f does not end as a report part does"
	done < <(find "$d" -name report.part.html -print0)
	bad=$(find "$d" -regextype posix-extended \( -name '*.tmp' -o -name '*+' -o \
		-regex '.*/[^/]+\.[A-Za-z0-9]{6}' \) ! -name '*.failed' -print)
	[ -z "$bad" ] || fail "temporary files left: $bad"
	bad=$(find "$d" -type f -empty ! -name '*.lock' ! -name updates.jsonl -print)
	[ -z "$bad" ] || fail "empty files: $bad"
	while IFS= read -r -d '' f; do
		[ -n "$(head -n 1 "$f" | tr -d '[:space:]')" ] || fail "$f gives no reason"
	done < <(find "$d" \( -name FAILED -o -name INVALID \) -print0)
}

# show_results DIR: what the results folder holds (shown with a failure, or with bats
# --show-output-of-passing-tests): its files, each arm's markers, the verdict.
show_results() {
	local d=$1 f
	echo "== $d:"
	(cd "$d" && find . -path ./S1/old/series -prune -o -path ./S1/new/series -prune -o -type f -print | sort |
		awk '{ if ($0 ~ /\/(old|new)\/[a-z_0-9]+\.json$/ && $0 !~ /(run|expected)\.json$/) snap[substr($0, 1, index($0, "/old/") ? index($0, "/old/") + 4 : index($0, "/new/") + 4)]++; else print }
			END { for (a in snap) print a "*.json: " snap[a] " snapshot files" }')
	for f in "$d"/S1/*/FAILED "$d"/S1/*/INVALID; do
		[ -f "$f" ] && echo "${f#"$d"/}: $(head -c 300 "$f")"
	done
	[ ! -f "$d/summary.json" ] || echo "summary: $(jq -r '.status + " " + ([.scenarios[] | .id + " " + .status + ": " + (.reason // "")] | join("; "))' "$d/summary.json")"
}

# assert_no_value ARMDIR: no snapshot of the arm holds a value (each one there records an error).
assert_no_value() {
	local f
	for f in "$1"/*.json "$1"/series/*.json; do
		[ -e "$f" ] || continue
		case ${f##*/} in run.json | expected.json) continue ;; esac
		[ "$(jq -r .status "$f")" = error ] || fail "$f holds a value: $(head -c 200 "$f")"
	done
}

# verdict FIELD: a field of compare's JSON report on S1 of $RES (the folder as it is now).
verdict() {
	"$BIN/compare" --scenario S1 --results-dir "$RES" --format json | jq -r "$1"
}

# started_at ARM: when that arm's driver started (run.json's own start): equal before and after
# a rerun only when the rerun kept the arm.
started_at() {
	jq -r .start "$RES/S1/$1/run.json"
}

# ---- faults, one after the other on one results folder ----

@test "Prometheus killed mid-arm: that arm FAILED with the reason; the next arm ran on a Prometheus started again" {
	lt_start "$RES"
	lt_until in_update_phase old
	local prom pids
	prom=$(pid_of "$(cl_dir)/prometheus.pid" /prometheus)
	kill -KILL "$prom"
	# The Prometheus started again with the next arm is recorded too.
	lt_until lt_log_has "S1 new: running for"
	pids=$(recorded_pids)
	lt_wait
	[ "$LT_RC" -ne 0 ] || fail "make loadtest succeeded after Prometheus was killed"
	assert_consistent "$RES"
	# The faulted arm: what the driver measured is there; no snapshot claims a value; the
	# marker says why.
	run cat "$RES/S1/old/FAILED"
	assert_output --partial "Prometheus"
	assert_file_exists "$RES/S1/old/run.json"
	assert_no_value "$RES/S1/old"
	# The pipeline started Prometheus again for the next arm, which was measured.
	grep -E "^loadtest: \[1/1\] S1: Prometheus at 'http://127\.0\.0\.1:[0-9]+' does not answer: starting it again$" "$LT_LOG"
	assert_file_not_exists "$RES/S1/new/FAILED"
	assert_file_not_exists "$RES/S1/new/INVALID"
	[ "$(jq -r .status "$RES/S1/new/reloader_reload_executed_total.json")" = success ]
	# The verdict says why, and the summary is not a PASS.
	[ "$(verdict .status)" = FAIL ]
	[[ "$(verdict .summary)" == *"arm old failed: "*Prometheus* ]] || fail "report: $(verdict .summary)"
	[ "$(jq -r .status "$RES/summary.json")" = FAIL ]
	# Nothing is left running, the restarted Prometheus included.
	assert_all_gone "$prom $pids"
}

@test "the rerun redoes only the FAILED arm; kube-apiserver restarted in its update phase: INVALID, failed writes by kind" {
	[ -f "$RES/S1/old/FAILED" ] || cannot_run "needs the previous test's results"
	local new_start down=""
	new_start=$(started_at new)
	lt_start "$RES"
	lt_until in_update_phase old
	sleep 1
	# SIGKILL, as a crash would; then the same binary, arguments and folder as kwokctl ran it,
	# its pid recorded where and as kwokctl keeps it (no newline: kwokctl reads a bare number),
	# so that the cluster's delete stops it.
	local k pid port t0 cwd
	k=$(kwok_dir)
	pid=$(pid_of "$k/pids/kube-apiserver.pid" /kube-apiserver)
	local -a argv
	mapfile -d '' argv <"/proc/$pid/cmdline"
	cwd=$(readlink "/proc/$pid/cwd")
	port=$(printf '%s\n' "${argv[@]}" | sed -n 's/^--secure-port=//p')
	[ -n "$port" ] || fail "no --secure-port in ${argv[*]}"
	t0=$EPOCHREALTIME
	kill -KILL "$pid"
	wait_until 30 bash -c "! curl -sk --max-time 1 https://127.0.0.1:$port/livez >/dev/null"
	# Down long enough that writes are refused whatever the timing (S1 writes every 100 ms).
	sleep 1.5
	(
		cd "$cwd" || exit 1
		setsid "${argv[@]}" >>"$k/logs/kube-apiserver.log" 2>&1 </dev/null 3>&- &
		printf '%s' $! >"$k/pids/kube-apiserver.pid"
	)
	local again
	again=$(<"$k/pids/kube-apiserver.pid")
	wait_until 60 curl -sfk --max-time 1 -o /dev/null "https://127.0.0.1:$port/readyz"
	down=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "kube-apiserver down for ${down} s (pid $pid, then $again)"
	local pids
	pids=$(recorded_pids)
	lt_wait
	[ "$LT_RC" -ne 0 ] || fail "make loadtest succeeded across an API server restart"
	assert_consistent "$RES"
	# Only the FAILED arm ran again.
	lt_log_has "S1 new: already done, kept"
	lt_log_has "S1 old: redoing a FAILED run ("
	[ "$(started_at new)" = "$new_start" ] || fail "the new arm was run again"
	assert_file_not_exists "$RES/S1/old/FAILED"
	# The driver counted its failed writes by kind, every one of them, and no more than the
	# outage could cost: S1 sends 10 a second (its file: every 100ms).
	local r="$RES/S1/old/run.json"
	jq -c '.updates | {intended, sent, succeeded, failed, failed_by_kind}' "$r"
	local failed
	failed=$(jq -r .updates.failed "$r")
	[ "$failed" -ge 1 ] || fail "no failed write counted while the API server was down"
	[ "$(jq -r '[.updates.failed_by_kind[]] | add' "$r")" = "$failed" ]
	[ "$(jq -r '.updates.succeeded + .updates.failed == .updates.sent' "$r")" = true ]
	awk -v f="$failed" -v d="$down" 'BEGIN { exit !(f <= 10 * (d + 1) + 1) }' ||
		fail "$failed failed writes for an outage of $down s"
	[[ "$(jq -r '.updates.failed_by_kind | keys | join(",")' "$r")" == *transport* ]]
	# It reconnected its watches (each one cut, then resumed), and says whether it had to list
	# again (its place in the event stream gone with the old server: a gap).
	jq -c '.checks | {api_server_reachable, observer_complete}' "$r"
	[[ "$(jq -r .checks.observer_complete.value "$r")" =~ ([1-9][0-9]*)\ watch\ restarts ]] ||
		fail "no watch restarted: $(jq -r .checks.observer_complete.value "$r")"
	[ "$(jq -r .checks.api_server_reachable.ok "$r")" = false ]
	# The arm is INVALID with the reason, and so is the scenario: never a PASS.
	run cat "$RES/S1/old/INVALID"
	assert_output --partial "the API server could not be reached during the run"
	[ "$(verdict .status)" = INVALID ]
	[ "$(jq -r .status "$RES/summary.json")" = INVALID ]
	assert_all_gone "$again $pids"
}

@test "the controller killed mid-arm: the arm FAILED, reported as such; nothing snapshotted" {
	[ -f "$RES/S1/old/INVALID" ] || cannot_run "needs the previous test's results"
	local new_start
	new_start=$(started_at new)
	lt_start "$RES"
	lt_until in_update_phase old
	sleep 1
	local ctl pids
	ctl=$(pid_of "$(cl_dir)/arm-old.pid" /reloader)
	kill -KILL "$ctl"
	pids=$(recorded_pids)
	lt_wait
	[ "$LT_RC" -ne 0 ] || fail "make loadtest succeeded with its controller killed"
	assert_consistent "$RES"
	lt_log_has "S1 new: already done, kept"
	lt_log_has "S1 old: redoing an INVALID run ("
	[ "$(started_at new)" = "$new_start" ] || fail "the new arm was run again"
	assert_file_not_exists "$RES/S1/old/INVALID"
	run cat "$RES/S1/old/FAILED"
	assert_output --partial "the controller exited during the run"
	# The driver's own measurement is kept: the updates the dead controller never answered.
	# Oracle: the controller's own log, one line per workload it updated before it died.
	local logged rolls
	logged=$(grep -c "; updated '" "$RES/S1/old/reloader.log" || true)
	rolls=$(jq -r .observed.rolls "$RES/S1/old/run.json")
	echo "controller log: $logged updates; observer: $rolls rolls, $(jq -r .observed.missed "$RES/S1/old/run.json") missed"
	if [ "$logged" -gt "$rolls" ] || [ "$rolls" -gt $((logged + 1)) ]; then
		fail "the controller logged $logged updates, the observer saw $rolls rolls"
	fi
	[ "$(jq -r .observed.missed "$RES/S1/old/run.json")" -gt 0 ]
	# No snapshot of a controller that was not there.
	run compgen -G "$RES/S1/old/reloader_*.json"
	assert_failure
	assert_no_value "$RES/S1/old"
	[ "$(verdict .status)" = FAIL ]
	[[ "$(verdict .summary)" == *"arm old failed: the controller exited during the run"* ]] ||
		fail "report: $(verdict .summary)"
	[ "$(jq -r .status "$RES/summary.json")" = FAIL ]
	assert_all_gone "$pids"
}

@test "the results disk full mid-arm: a clear error, no half-written file, the kept arms untouched" {
	[ -f "$BATS_FILE_TMPDIR/mounted" ] || cannot_run "cannot mount a tmpfs here: $(cat "$BATS_FILE_TMPDIR/mount.err")"
	[ -f "$RES/S1/old/FAILED" ] || cannot_run "needs the previous test's results"
	local new_start old_failed summary
	new_start=$(started_at new)
	old_failed=$(cat "$RES/S1/old/FAILED")
	summary=$(cat "$RES/summary.json")
	lt_start "$RES"
	lt_until in_update_phase old
	# Every free block taken, while the controller logs and the driver runs.
	dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true
	[ "$(df --output=avail -B1 "$DISK" | tail -n 1 | tr -d ' ')" -lt 65536 ] || fail "the disk did not fill"
	local pids
	pids=$(recorded_pids)
	lt_wait
	[ "$LT_RC" -ne 0 ] || fail "make loadtest succeeded on a full disk"
	# One clear line saying which folder is full and what to do.
	grep -E "^loadtest: S1 old: cannot write its results in '.*/S1/\.old\.partial': .*No space left on device" "$LT_LOG" ||
		fail "no clear error about the full disk"
	lt_log_has "free space there, then run make loadtest again"
	# No half-written file, no scrap of the arm; the arms there before are as they were.
	assert_consistent "$RES"
	assert_dir_not_exists "$RES/S1/.old.partial"
	[ "$(cat "$RES/S1/old/FAILED")" = "$old_failed" ]
	[ "$(started_at new)" = "$new_start" ]
	# The summary there is the last one written whole (a full disk cannot write another).
	jq -e . "$RES/summary.json" >/dev/null
	[ "$(jq -r .status "$RES/summary.json")" != PASS ]
	[ "$(jq -S . "$RES/summary.json")" = "$(jq -S . <<<"$summary")" ] ||
		jq -e '.scenarios | length == 1' "$RES/summary.json" >/dev/null
	assert_all_gone "$pids"
	rm -f "$DISK/filler"
}

@test "after the faults, the next run redoes the FAILED arm only and ends with a report" {
	[ -f "$RES/S1/old/FAILED" ] || cannot_run "needs the previous test's results"
	[ ! -e "$DISK/filler" ] || cannot_run "the disk is still full"
	local new_start
	new_start=$(started_at new)
	lt_start "$RES"
	local pids=""
	lt_until in_update_phase old
	pids=$(recorded_pids)
	lt_wait
	assert_consistent "$RES"
	lt_log_has "S1 new: already done, kept"
	lt_log_has "S1 old: redoing a FAILED run ("
	[ "$(started_at new)" = "$new_start" ]
	assert_file_not_exists "$RES/S1/old/FAILED"
	assert_file_not_exists "$RES/S1/old/INVALID"
	assert_file_exists "$RES/S1/old/reloader_reload_executed_total.json"
	assert_file_exists "$RES/S1/report.txt"
	assert_file_exists "$RES/index.html"
	# The exit status follows the verdict.
	local status
	status=$(jq -r .status "$RES/summary.json")
	[ "$status" = "$(verdict .status)" ]
	if [ "$status" = PASS ]; then [ "$LT_RC" -eq 0 ]; else [ "$LT_RC" -ne 0 ]; fi
	assert_all_gone "$pids"
}

# ---- SIGTERM at each stage in turn, on a folder of its own: each run resumes the one before ----

# term_when CONDITION...: start a run into $TRES, send TERM to its process group once
# CONDITION holds (checked every 0.1 s), and check what every interrupted run must leave: a
# non-zero exit after saying it was interrupted, no cluster and no process left, and a
# consistent results folder with no partial arm folder, in which no arm folder lacks its run.
term_when() {
	lt_start "$TRES"
	lt_until "$@"
	local pids
	pids=$(recorded_pids)
	kill -TERM -- "-$LT_PID"
	lt_wait
	[ "$LT_RC" -ne 0 ] || fail "an interrupted make loadtest exited 0"
	lt_log_has "interrupted; run it again to resume"
	assert_all_gone "$pids $(recorded_pids)"
	[ ! -d "$TRES" ] || assert_consistent "$TRES"
	[ -z "$(find "$TRES" -name '*.partial' 2>/dev/null)" ] || fail "the interrupted arm's partial folder is left"
	local a
	for a in "$TRES"/S1/old "$TRES"/S1/new; do
		[ ! -d "$a" ] || [ -f "$a/run.json" ] || [ -f "$a/FAILED" ] || fail "$a has neither a run nor a reason"
	done
}

# creating: kindctl create has been running a second.
creating() {
	lt_log_has "cluster $CL: creating (local)" && sleep 1
}

@test "SIGTERM while the cluster comes up: no cluster, no process, nothing in the results" {
	term_when creating
	assert_dir_not_exists "$TRES/S1/old"
	assert_file_not_exists "$TRES/.state/cluster-0.ready"
	assert_file_not_exists "$TRES/.state/cluster-0.created"
}

@test "SIGTERM while the arm starts: the controller is stopped, no arm folder" {
	[ -d "$TRES" ] || cannot_run "needs the previous test's results"
	term_when lt_log_has "S1 old: starting "
	assert_dir_not_exists "$TRES/S1/old"
}

@test "SIGTERM in the update phase: the driver's partial run is nobody's arm" {
	[ -d "$TRES" ] || cannot_run "needs the previous test's results"
	term_when in_update_phase old
	assert_dir_not_exists "$TRES/S1/old"
	run --separate-stderr "$BIN/compare" --scenario S1 --results-dir "$TRES" --format json
	[ "$(jq -r .status <<<"$output")" != PASS ]
}

@test "SIGTERM in the snapshot: the finished arm kept, the snapshotted one not in place" {
	[ -d "$TRES" ] || cannot_run "needs the previous test's results"
	term_when lt_log_has "S1 new: snapshot of "
	assert_file_exists "$TRES/S1/old/run.json"
	assert_file_exists "$TRES/S1/old/reloader_reload_executed_total.json"
	assert_dir_not_exists "$TRES/S1/new"
	assert_file_not_exists "$TRES/S1/arms.done"
}

@test "SIGTERM in the report: no half-written report; the next run ends with the report" {
	[ -f "$TRES/S1/old/run.json" ] || cannot_run "needs the previous test's results"
	local old_start
	old_start=$(jq -r .start "$TRES/S1/old/run.json")
	# Once the scenario's report is written: the HTML part, the summaries and the index follow.
	term_when test -f "$TRES/S1/report.txt"
	assert_file_exists "$TRES/S1/new/run.json"
	[ "$(jq -r .start "$TRES/S1/old/run.json")" = "$old_start" ] || fail "the old arm was run again"
	# The resumed run: both arms are there (arms.done), so no cluster and no arm; every report
	# is written.
	local new_start
	new_start=$(jq -r .start "$TRES/S1/new/run.json")
	lt_start "$TRES"
	lt_wait
	! lt_log_has "creating" || fail "a cluster was made to write reports"
	! lt_log_has "starting" || fail "an arm ran again"
	[ "$(jq -r .start "$TRES/S1/old/run.json")" = "$old_start" ]
	[ "$(jq -r .start "$TRES/S1/new/run.json")" = "$new_start" ]
	assert_consistent "$TRES"
	assert_file_exists "$TRES/S1/report.txt"
	assert_file_exists "$TRES/index.html"
	local status
	status=$(jq -r .status "$TRES/summary.json")
	if [ "$status" = PASS ]; then [ "$LT_RC" -eq 0 ]; else [ "$LT_RC" -ne 0 ]; fi
	run ls "$LOADTEST_STATE/clusters"
	assert_output ""
}
