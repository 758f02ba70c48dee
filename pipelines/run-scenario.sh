#!/usr/bin/env bash
# run-scenario.sh SCENARIO INDEX COUNT: run each arm of one scenario on a free cluster of the
# pool, one arm after the other, into $RESULTS_DIR/SCENARIO/{old,new}. An arm already there
# (an earlier, interrupted run) is kept. A failed arm leaves ARM/FAILED with the reason.
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
exec {lock}>>"$STATE/pool.lock"
cluster=""
for c in "${pool[@]}"; do
	exec {fd}>>"${c%.ready}.lock"
	if flock -n "$fd"; then
		cluster=$c
		break
	fi
	exec {fd}>&-
done
if [ -z "$cluster" ]; then
	cluster=${pool[$(((index - 1) % ${#pool[@]}))]}
	exec {fd}>>"${cluster%.ready}.lock"
	say "[$index/$count] $scenario: waiting for cluster $(kv "$cluster" name)"
	flock "$fd"
fi
exec {lock}>&-
name=$(kv "$cluster" name)
kubeconfig=$(kv "$cluster" kubeconfig)
url=$(kv "$cluster" prometheus)
context=$(kv "$cluster" context)

# Both arms run with the scenario's controller arguments, or the scenario does not run.
text=$("$LOADTEST_BIN/scenario" --scenario "$scenario" --controller-args) ||
	die "$scenario: cannot read its controller arguments"
cargs=()
[ -z "$text" ] || mapfile -t cargs <<<"$text"
arm_args=()
for a in "${cargs[@]}"; do
	arm_args+=(--arg "$a")
done
ctx_args=()
[ -n "$context" ] && ctx_args=(--context "$context")

current_tmp=""
current_arm=""
cleanup() {
	local rc=$?
	if [ -n "$current_arm" ]; then
		kindctl arm-stop --name "$name" "${ctx_args[@]}" --arm "$current_arm" \
			--log "$current_tmp/reloader.log" >/dev/null 2>&1 || true
		if [ -d "$current_tmp" ]; then
			echo "interrupted" >"$current_tmp/INCOMPLETE"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_arm() {
	local arm=$1 image=$2 tmp="$sdir/.$1.partial" job="reloader-$1" rc=0 why=""
	rm -rf "$tmp"
	mkdir -p "$tmp"
	current_tmp=$tmp
	current_arm=$arm
	local t0=$SECONDS
	say "[$index/$count] $scenario $arm: starting $image on $name"
	if ! kindctl arm-start --name "$name" "${ctx_args[@]}" --arm "$arm" --image "$image" \
		--log "$tmp/reloader.log" "${arm_args[@]}" >"$tmp/arm.txt"; then
		why="the controller did not start"
	elif ! "$LOADTEST_BIN/promsnap" wait --url "$url" --job "$job" --timeout 120; then
		why="Prometheus did not scrape the controller"
	else
		say "[$index/$count] $scenario $arm: running for ${DURATION}s"
		"$LOADTEST_BIN/scenario" --scenario "$scenario" --duration "$DURATION" --arm "$arm" \
			--kubeconfig "$kubeconfig" "${ctx_args[@]}" --out "$tmp/run.json" --seed "${SEED:-1}" \
			-- "$LOADTEST_BIN/kindctl" --provider "$PROVIDER" arm-restart --name "$name" \
			"${ctx_args[@]}" --arm "$arm" || rc=$?
		if [ "$rc" -ge 2 ] || [ ! -f "$tmp/run.json" ]; then
			why="the scenario driver failed (exit status $rc)"
		else
			local start end
			start=$(jq -r .start "$tmp/run.json")
			end=$(jq -r .end "$tmp/run.json")
			say "[$index/$count] $scenario $arm: snapshot of $job over [$start, $end]"
			"$LOADTEST_BIN/promsnap" --url "$url" --job "$job" --start "$start" --end "$end" \
				--fresh "$end" --out "$tmp" || why="some Prometheus queries failed (see the snapshot files)"
		fi
	fi
	kindctl arm-stop --name "$name" "${ctx_args[@]}" --arm "$arm" --log "$tmp/reloader.log" >/dev/null ||
		say "$scenario $arm: the controller did not stop cleanly"
	current_arm=""
	if [ -n "$why" ] && [ ! -f "$tmp/run.json" ]; then
		printf '%s\n' "$why" >"$tmp/FAILED"
	elif [ -n "$why" ]; then
		say "$scenario $arm: $why"
	fi
	printf 'arm_seconds=%s\n' "$((SECONDS - t0))" >"$tmp/timing.txt"
	rm -rf "${sdir:?}/${arm:?}"
	mv "$tmp" "$sdir/$arm"
	say "[$index/$count] $scenario $arm: done in $((SECONDS - t0))s${why:+ ($why)}"
}

for arm in old new; do
	if [ "$arm" = old ]; then image=${OLD_IMAGE:-}; else image=${NEW_IMAGE:-}; fi
	[ -n "$image" ] || continue
	if [ -d "$sdir/$arm" ] && [ ! -f "$sdir/$arm/INCOMPLETE" ]; then
		say "[$index/$count] $scenario $arm: already done, kept"
		continue
	fi
	run_arm "$arm" "$image"
done
date +%s | write_atomic "$sdir/arms.done"
