#!/usr/bin/env bash
# run-scenario.sh SCENARIO INDEX COUNT: run each arm of one scenario on a free cluster of the
# pool, one arm after the other, into $RESULTS_DIR/SCENARIO/{old,new}. An arm is built in
# SCENARIO/.ARM.partial and renamed into place when it ends, so an interrupted arm leaves no
# ARM folder and is redone by the next run. An arm whose controller could not run (did not
# start, was not scraped, died during the run) or whose snapshot failed leaves ARM/FAILED with
# the reason (the scenario fails); one whose run did not do what the scenario says (the
# driver's exit status 1, or the driver failing) leaves ARM/INVALID with the reason (the
# scenario is INVALID). The next run redoes both kinds; other arms already there are kept. A
# results disk that fills up stops the run, and the arm it was writing is not kept.
# With REPEATS=N (N >= 2) each arm runs N times, into ARM/1 .. ARM/N, the arms interleaved in
# an order drawn from SEED (each repeat's pair in a random order: never all old first); a
# repeat already there is kept, so an interrupted run resumes and a larger N adds repeats (an
# arm of one earlier run, at ARM/, becomes its repeat 1). SCALE and SET (bin/scenario's --scale
# and --set) are recorded in each arm's params.txt: an arm that ran with others runs again.
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

scenario=${1:?usage: run-scenario.sh SCENARIO INDEX COUNT}
index=${2:-1}
count=${3:-1}
: "${STATE:?}" "${RESULTS_DIR:?}" "${DURATION:?}" "${PROVIDER:?}"
sdir="$RESULTS_DIR/$scenario"
mkdir -p "$sdir"

# A cluster of the pool: the first free one, else wait (on its lock) for one of them.
mapfile -t pool < <(find "$STATE" -maxdepth 1 -name "cluster-*.ready" | sort -V)
[ "${#pool[@]}" -gt 0 ] || die "$scenario: no cluster came up (see $STATE/*.failed)"
# The pool lock makes looking for a free cluster one step: two scenarios starting at once
# cannot both see the same cluster free. It is released before waiting for a busy one.
exec {lock}>>"$STATE/pool.lock"
flock "$lock"
cluster=""
for c in "${pool[@]}"; do
	exec {fd}>>"${c%.ready}.lock"
	if flock -n "$fd"; then
		cluster=$c
		break
	fi
	exec {fd}>&-
done
exec {lock}>&-
if [ -z "$cluster" ]; then
	cluster=${pool[$(((index - 1) % ${#pool[@]}))]}
	exec {fd}>>"${cluster%.ready}.lock"
	say "[$index/$count] $scenario: waiting for cluster $(kv "$cluster" name)"
	flock "$fd"
fi
name=$(kv "$cluster" name)
kubeconfig=$(kv "$cluster" kubeconfig)
# PROMETHEUS_URL, when given, is every cluster's (its password is not in the state file).
url=${PROMETHEUS_URL:-$(kv "$cluster" prometheus)}
[[ $url != *'***@'* ]] ||
	die "cluster $name: its Prometheus ($url) needs the password it was given: set PROMETHEUS_URL again"
context=$(kv "$cluster" context)

# Both arms run with the scenario's controller arguments, or the scenario does not run.
text=$("$LOADTEST_BIN/scenario" --scenario "${SCENARIO_FILE:-$scenario}" --controller-args) ||
	die "$scenario: cannot read its controller arguments"
cargs=()
[ -z "$text" ] || mapfile -t cargs <<<"$text"
arm_args=()
for a in "${cargs[@]}"; do
	arm_args+=(--arg "$a")
done
ctx_args=()
[ -n "$context" ] && ctx_args=(--context "$context")
# The scenario as scaled and changed (SCALE, SET): every arm runs the same.
scale=${SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] || die "SCALE must be a positive whole number, not '$scale'"
size_args=(--scale "$scale")
[ -z "${SET:-}" ] || size_args+=(--set "$SET")
params="scale=$scale set=${SET:-}"

current_tmp=""
current_arm=""
# An interrupted arm stops its controller; its .partial folder, never renamed into place, goes
# (the next run starts that arm afresh).
cleanup() {
	local rc=$?
	# A second signal (make passes its own on) must not cut the clean-up short.
	trap '' INT TERM
	if [ -n "$current_arm" ]; then
		kindctl arm-stop --name "$name" "${ctx_args[@]}" --arm "$current_arm" >/dev/null 2>&1 || true
	fi
	[ -z "$current_tmp" ] || rm -rf "$current_tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# prometheus_up: the cluster's own Prometheus answers, or is started again (it may have died
# during an earlier arm). A Prometheus of the user's (PROMETHEUS_URL) is theirs: the arm's
# wait says whether it answers. 1 when it could not be started again.
prometheus_up() {
	[ -z "${PROMETHEUS_URL:-}" ] || return 0
	curl -sf --max-time 5 -o /dev/null "$url/-/ready" && return 0
	# Started by cluster-up.sh at this URL's port (kindctl prometheus-start's URL).
	[[ $url =~ ^http://127\.0\.0\.1:([0-9]+)$ ]] || return 1
	say "[$index/$count] $scenario: Prometheus at '$url' does not answer: starting it again"
	kindctl prometheus-start --name "$name" "${ctx_args[@]}" --port "${BASH_REMATCH[1]}" >/dev/null
}

# arm_exited ARM: kindctl says the arm's controller no longer runs (a provider that cannot tell
# says nothing, and is not taken for a no).
arm_exited() {
	[ "$(kindctl arm-status --name "$name" "${ctx_args[@]}" --arm "$1" 2>/dev/null)" = "not running" ]
}

# unwritable TMP LABEL: the arm's results cannot be written (a full disk): its folder goes, and
# the run stops with one line saying where and what to do.
unwritable() {
	rm -rf "${1:?}"
	current_tmp=""
	die "$scenario $2: cannot write its results in '$1': $put_error; nothing of this arm was kept: free space there, then run make loadtest again"
}

# run_arm ARM IMAGE [REPEAT]: one run of an arm into SCENARIO/ARM (or SCENARIO/ARM/REPEAT).
# Its controller not starting, not scraped, not running at the end, or its snapshot failing
# make it FAILED, with the reason; its driver's exit status 1 or 2 make it INVALID.
run_arm() {
	local arm=$1 image=$2 k=${3:-} job="reloader-$1" rc=0 why="" invalid=""
	local tmp="$sdir/.$arm${k:+.$k}.partial" dest="$sdir/$arm${k:+/$k}" label="$arm${k:+ #$k}"
	# OLD_API_DELAY_MS / NEW_API_DELAY_MS: that arm reaches the API server through a proxy that
	# holds each request so many ms (kindctl arm-start --api-delay; local provider only).
	local delay_var="${arm^^}_API_DELAY_MS" delay_args=()
	if [ -n "${!delay_var:-}" ]; then
		delay_args=(--api-delay "${!delay_var}")
	fi
	rm -rf "$tmp"
	if ! put_error=$(mkdir -p "$tmp" 2>&1); then
		put_error=${put_error##*: }
		unwritable "$tmp" "$label"
	fi
	current_tmp=$tmp
	current_arm=$arm
	local t0=$SECONDS
	# Where the arm's time goes, stage by stage (timing.txt): a stage not reached is absent;
	# what the tools said, stage by stage, in messages.log.
	stage_reset "$tmp/messages.log"
	say "[$index/$count] $scenario $label: starting $image on $name"
	if ! prometheus_up; then
		why="Prometheus at '$url' does not answer and could not be started again"
	elif ! stage arm_start kindctl arm-start --name "$name" "${ctx_args[@]}" --arm "$arm" --image "$image" \
		--log "$tmp/reloader.log" "${arm_args[@]}" "${delay_args[@]}" >"$tmp/arm.txt"; then
		why="the controller did not start${stage_said:+: $stage_said}"
	elif ! stage scrape_wait "$LOADTEST_BIN/promsnap" wait --url "$url" --job "$job" --timeout 120; then
		why="Prometheus did not scrape the controller${stage_said:+: $stage_said}"
	else
		say "[$index/$count] $scenario $label: running for ${DURATION}s"
		# Namespaces of this run's own (NAME-ARM[K]-TIME): the namespaces of the arm before,
		# deleted at its end, may still be going; this run need not wait for them.
		local ns_args=() ns_suffix
		ns_suffix="$arm${k}-$(printf '%x' "$(date +%s)")"
		# (Not where a namespace's name would grow past Kubernetes' 63 characters.)
		if "$LOADTEST_BIN/scenario" --scenario "${SCENARIO_FILE:-$scenario}" "${size_args[@]}" \
			--namespace-suffix "$ns_suffix" --check >/dev/null 2>&1; then
			ns_args=(--namespace-suffix "$ns_suffix")
		fi
		stage scenario "$LOADTEST_BIN/scenario" --scenario "${SCENARIO_FILE:-$scenario}" --duration "$DURATION" --arm "$arm" \
			--kubeconfig "$kubeconfig" "${ctx_args[@]}" --out "$tmp/run.json" --seed "${SEED:-1}" --delete-after \
			"${ns_args[@]}" "${size_args[@]}" \
			-- "$LOADTEST_BIN/kindctl" --provider "$PROVIDER" arm-restart --name "$name" \
			"${ctx_args[@]}" --arm "$arm" || rc=$?
		if [ "$rc" -ne 0 ] || [ ! -f "$tmp/run.json" ]; then
			invalid="the scenario driver exited with status $rc"
			if [ "$rc" -eq 1 ] && [ -f "$tmp/run.json" ]; then
				invalid+=": $(jq -r '[.problems[]? | strings] | join("; ")' "$tmp/run.json" 2>/dev/null | head -c 300)"
			elif [ -n "$stage_said" ]; then
				invalid+=": $stage_said"
			fi
		fi
		# A controller that died during the run (outside the scenario's own restart) is not
		# snapshotted: its metrics stopped where it died.
		if arm_exited "$arm"; then
			why="the controller exited during the run: it was not running when the scenario ended (see reloader.log)"
		elif [ -f "$tmp/run.json" ]; then
			local start end
			start=$(jq -r .start "$tmp/run.json")
			end=$(jq -r .end "$tmp/run.json")
			say "[$index/$count] $scenario $label: snapshot of $job over [$start, $end]"
			stage snapshot "$LOADTEST_BIN/promsnap" --url "$url" --job "$job" --start "$start" --end "$end" --series "$tmp/series" \
				--fresh "$end" --out "$tmp" || why="the snapshot failed${stage_said:+: $stage_said}"
		fi
	fi
	stage arm_stop kindctl arm-stop --name "$name" "${ctx_args[@]}" --arm "$arm" --log "$tmp/reloader.log" >/dev/null ||
		say "$scenario $label: the controller did not stop cleanly"
	current_arm=""
	# The markers and timing written whole, or the arm is not kept at all.
	if [ -n "$why" ]; then
		put "$tmp/FAILED" "$why" || unwritable "$tmp" "$label"
		say "$scenario $label: FAILED: $(printable "$why")"
	fi
	if [ -n "$invalid" ]; then
		put "$tmp/INVALID" "$invalid" || unwritable "$tmp" "$label"
		say "$scenario $label: INVALID: $(printable "$invalid")"
		why=${why:-INVALID}
	fi
	put "$tmp/timing.txt" "arm_seconds=$((SECONDS - t0))${stage_times:+$'\n'}${stage_times%$'\n'}" || unwritable "$tmp" "$label"
	put "$tmp/params.txt" "$params" || unwritable "$tmp" "$label"
	[ -s "$tmp/messages.log" ] || rm -f "$tmp/messages.log"
	rm -rf "${dest:?}"
	mkdir -p "$(dirname "$dest")"
	mv "$tmp" "$dest"
	current_tmp=""
	say "[$index/$count] $scenario $label: done in $((SECONDS - t0))s${why:+ ($why)}"
}

# stage NAME CMD...: run CMD, adding "NAME_seconds=S.SSS" to stage_times; CMD's status. Its
# stderr is shown as it comes and kept in the arm's messages.log; its last message (progress
# lines left out) in stage_said, for the reason of a failure.
stage_times=""
stage_log=/dev/null
stage_said=""
stage_reset() {
	stage_times=""
	stage_log=$1
}
stage() {
	local name=$1 t0=$EPOCHREALTIME rc=0 from=0
	shift
	[ ! -f "$stage_log" ] || from=$(stat -c %s "$stage_log")
	# The tee outlives a Ctrl-C or TERM to the group (it ends when the writers are gone): else
	# this script, writing to its pipe after the signal, would die of SIGPIPE before cleaning up.
	"$@" 2> >(trap '' INT TERM; exec tee -a "$stage_log" >&2) || rc=$?
	# The tee has written everything before its file is read.
	wait "$!" 2>/dev/null || true
	stage_said=$(tail -c +"$((from + 1))" "$stage_log" 2>/dev/null |
		grep -vE '^scenario: [^ ]+ [^ ]+ \[[0-9]+s\]: |^tee: ' | tail -n 1 | head -c 300 || true)
	stage_times+=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$name" 'BEGIN { printf "%s_seconds=%.3f\n", n, b - a }')$'\n'
	return "$rc"
}

image_of() {
	if [ "$1" = old ]; then printf '%s' "${OLD_IMAGE:-}"; else printf '%s' "${NEW_IMAGE:-}"; fi
}

# run_if_needed ARM [REPEAT]: run it unless a valid run is already there (one that is neither
# INVALID nor FAILED: a failed arm may have failed for a cause outside the controller, such as
# Prometheus or the disk, and runs again; a controller that really cannot run fails again).
run_if_needed() {
	local arm=$1 k=${2:-} image dest
	image=$(image_of "$arm")
	[ -n "$image" ] || return 0
	dest="$sdir/$arm${k:+/$k}"
	if [ -d "$dest" ] && [ ! -f "$dest/INVALID" ] && [ ! -f "$dest/FAILED" ] &&
		[ "$(cat "$dest/params.txt" 2>/dev/null || echo 'scale=1 set=')" != "$params" ]; then
		say "[$index/$count] $scenario $arm${k:+ #$k}: redoing a run made with another SCALE or SET ($(cat "$dest/params.txt" 2>/dev/null || echo 'scale=1 set='))"
	elif [ -d "$dest" ] && [ ! -f "$dest/INVALID" ] && [ ! -f "$dest/FAILED" ]; then
		say "[$index/$count] $scenario $arm${k:+ #$k}: already done, kept"
		return 0
	elif [ -f "$dest/INVALID" ]; then
		say "[$index/$count] $scenario $arm${k:+ #$k}: redoing an INVALID run ($(printable "$(head -n 1 "$dest/INVALID" | head -c 200)"))"
	elif [ -f "$dest/FAILED" ]; then
		say "[$index/$count] $scenario $arm${k:+ #$k}: redoing a FAILED run ($(printable "$(head -n 1 "$dest/FAILED" | head -c 200)"))"
	fi
	run_arm "$arm" "$image" "$k"
}

repeats=${REPEATS:-1}
[[ $repeats =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive whole number, not '$repeats'"
if [ "$repeats" -eq 1 ]; then
	for arm in old new; do
		run_if_needed "$arm"
	done
else
	# An arm of an earlier single run becomes repeat 1 (one rename: never half moved).
	for arm in old new; do
		if [ -d "$sdir/$arm" ] && ! find "$sdir/$arm" -mindepth 1 -maxdepth 1 -type d -regex '.*/[1-9][0-9]*' | grep -q .; then
			mv "$sdir/$arm" "$sdir/.$arm.flat"
			mkdir "$sdir/$arm"
			mv "$sdir/.$arm.flat" "$sdir/$arm/1"
		fi
	done
	# The pair of each repeat in an order drawn from SEED and the scenario's name.
	RANDOM=$(((${SEED:-1} * 7919 + $(cksum <<<"$scenario" | cut -d' ' -f1)) % 32768))
	for k in $(seq "$repeats"); do
		if ((RANDOM % 2)); then order="new old"; else order="old new"; fi
		for arm in $order; do
			run_if_needed "$arm" "$k"
		done
	done
fi
if ! put "$sdir/params.txt" "$params" || ! put "$sdir/arms.done" "$(date +%s)"; then
	die "$scenario: cannot write '$sdir/arms.done': $put_error; free space there, then run make loadtest again"
fi
