#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $lines and $status
# promsnap against a real Prometheus: backfilled fixtures with values worked out by hand,
# a live scrape for waiting, and a server that is down, erring or hanging.


# The fixture's arm window (tests/fixtures/prom/openmetrics.awk): T0 .. T0 + 600 s.
T0=1767225600
T1=1767226200
# Every server here is on the loopback: never through a proxy from the environment.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

setup_file() {
	load 'helpers/prometheus'
	FIX=$BATS_FILE_TMPDIR/fixture
	mkdir -p "$FIX"
	awk -v T0="$T0" -f "$BATS_TEST_DIRNAME/fixtures/prom/openmetrics.awk" >"$FIX/fixture.om"
	prom_backfill "$FIX/fixture.om" "$FIX"
	prom_start "$FIX"
	PROM_URL=$(<"$FIX/url")
	export FIX PROM_URL
}

teardown_file() {
	load 'helpers/prometheus'
	prom_stop "$FIX"
}

setup() {
	load 'helpers/common'
	load 'helpers/prometheus'
	PROMSNAP=$BIN/promsnap
	COMPARE=$BIN/compare
	OUT=$BATS_TEST_TMPDIR/out
	FAKE=$REPO_ROOT/tests/helpers/fakeprom.py
	# A sanitizer report must not pass for one of promsnap's own exit statuses.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1
	unset LOADTEST_QUERIES
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.pid "$BATS_TEST_TMPDIR"/*/*.pid; do
		[[ -e $f ]] && bg_stop "$f"
	done
	return 0
}

# snap JOB [ARGS...]: snapshot the fixture window of JOB into $OUT.
snap() {
	local job=$1
	shift
	"$PROMSNAP" --url "$PROM_URL" --job "$job" --start "$T0" --end "$T1" --out "$OUT" "$@"
}

# compare_ ARGS...: bin/compare reading promsnap's files. Its own leaks are for
# compare.bats and valgrind.bats to find; memory errors still fail here.
compare_() {
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 "$COMPARE" "$@"
}

# val FILE: the sum of the values of every series in a snapshot file.
val() {
	jq -r '[.data.result[].value[1] | tonumber] | add' "$1"
}

# val_by FILE LABEL VALUE: the value of the series whose LABEL is VALUE.
val_by() {
	jq -r --arg k "$2" --arg v "$3" \
		'[.data.result[] | select(.metric[$k] == $v) | .value[1] | tonumber] | add' "$1"
}

# exact GOT WANT: the same number, exactly (counts).
exact() {
	if ! jq -en --argjson a "$1" --argjson b "$2" '$a == $b' >/dev/null; then
		echo "expected exactly $2, got $1" >&2
		return 1
	fi
}

# near GOT WANT: equal up to floating-point noise.
near() {
	if ! jq -en --argjson a "$1" --argjson b "$2" \
		'(($a - $b) | fabs) <= 1e-9 * ([1, ($b | fabs)] | max)' >/dev/null; then
		echo "expected $2, got $1" >&2
		return 1
	fi
}

# fake MODE [ARGS...]: start tests/helpers/fakeprom.py; sets FAKE_URL and FAKE_LOG.
fake() {
	local dir=$BATS_TEST_TMPDIR/fake
	mkdir -p "$dir"
	FAKE_LOG=$dir/requests.log
	: >"$FAKE_LOG"
	bg_start "$dir/fake.pid" "$dir/fake.out" python3 "$FAKE" "$dir/port" "$FAKE_LOG" "$@"
	wait_until 10 test -s "$dir/port"
	FAKE_URL=http://127.0.0.1:$(<"$dir/port")
}

# catalogue FILE: a one-query catalogue (go_threads of the job) at FILE.
one_query() {
	cat >"$1" <<-'EOF'
		version: 1
		queries:
		  - name: threads
		    file: threads.json
		    query: last_over_time(go_threads{job="{{job}}"}[{{window}}])
	EOF
}

# ---- usage ----

@test "--help prints the synopsis and the exit statuses" {
	run -0 "$PROMSNAP" --help
	assert_line --index 0 --partial 'usage: promsnap --url URL --job JOB --start T0 --end T1 --out DIR'
	assert_output --partial 'promsnap wait --url URL --job JOB'
	assert_output --partial 'Exit status: 0'
}

@test "bad flags exit 2 with one line" {
	local args
	cd "$BATS_TEST_TMPDIR"
	for args in "--bogus" \
		"--job j --start 1 --end 2 --out o" \
		"--url http://127.0.0.1:1 --start 1 --end 2 --out o" \
		"--url http://127.0.0.1:1 --job j --start 5 --end 2 --out o" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2" \
		"--url http://127.0.0.1:1 --job j --start yesterday --end 2 --out o" \
		"--url ftp://127.0.0.1:1 --job j --start 1 --end 2 --out o" \
		"--url http://127.0.0.1:1/?x=1 --job j --start 1 --end 2 --out o" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --tries 0" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --query-timeout -1" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --step 0" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --step 0.0004" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --step 1s" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o --timeout" \
		"--url http://127.0.0.1:1 --job j --start 1 --end 2 --out o extra" \
		"wait --url http://127.0.0.1:1 --job j --out o" \
		"wait --url http://127.0.0.1:1 --job j --step 1" \
		"wait --url http://127.0.0.1:1 --job j --fresh soon"; do
		# shellcheck disable=SC2086 # word splitting of the argument list is the point
		run -2 "$PROMSNAP" $args
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '^promsnap: .+'
	done
	assert_not_exists o
}

@test "catalogue mistakes are reported as file:line:col and exit 2" {
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - name: a\n    file: a.json\n    query: up\n    help: x\n' >"$q"
	run -2 snap j --queries "$q"
	assert_output "promsnap: $q:6:5: unknown key 'help'"
	printf 'version: 1\nqueries:\n  - name: a\n    file: a.json\n    query: up{job="{{jobs}}"}\n' >"$q"
	run -2 snap j --queries "$q"
	assert_output --partial "$q:5:12: unknown parameter '{{jobs}}'"
	printf 'version: 1\nqueries:\n  - {name: a, file: a.json, query: up}\n  - {name: b, file: a.json, query: up}\n' >"$q"
	run -2 snap j --queries "$q"
	assert_output --partial "$q:4:21: file 'a.json' is written by query 'a' already"
	printf 'version: 1\nqueries:\n  - {name: a, file: ../a.json, query: up}\n' >"$q"
	run -2 snap j --queries "$q"
	assert_output --partial "$q:3:21: file must be a plain file name"
	printf 'version: 1\nqueries:\n  - {name: a, query: up}\n' >"$q"
	run -2 snap j --queries "$q"
	assert_output --partial "$q:3:5: missing key 'file'"
	assert_not_exists "$OUT/a.json"
}

# ---- snapshots of the backfilled fixture ----

@test "every file compare reads is written, and nothing else" {
	run -0 snap reloader-new
	assert_output ''
	local f n
	while read -r f; do
		assert_file_exists "$OUT/$f"
	done < <(sed -n 's/^ *file: *//p' "$REPO_ROOT/tools/promsnap/queries.yaml")
	n=$(grep -c '^ *file: ' "$REPO_ROOT/tools/promsnap/queries.yaml")
	# No temporary or partial file is left beside them.
	run ls -A "$OUT"
	assert_equal "${#lines[@]}" "$n"
	refute_line --regexp '^\.|[^a-z0-9_.]|[^n]$'
	# compare finds a snapshot for every row it shows (rows read from other stages' files
	# are optional and left out when those files are missing).
	mkdir -p "$BATS_TEST_TMPDIR/r/S1"
	mv "$OUT" "$BATS_TEST_TMPDIR/r/S1/new"
	# (One arm without expectations judges only its absolute limits: errors_total, 0 here, is
	# at most 0; the values are what this test is about.)
	run -0 compare_ --scenario S1 --results-dir "$BATS_TEST_TMPDIR/r" --format json
	assert_equal "$(jq -r .status <<<"$output")" PASS
	assert_equal "$(jq -r '.rows[] | select(.name == "errors_total") | .status' <<<"$output")" pass
	assert_equal "$(jq -c '[.rows[] | select(.new.state != "measured") | .name]' <<<"$output")" '[]'
	jq -e '.rows | length >= 27' <<<"$output" >/dev/null
}

@test "a window with a restart: counts, quantiles and averages match the hand-worked values" {
	run -0 snap reloader-new
	# Counts are exact: din per scrape inside the window (tests/fixtures/prom/openmetrics.awk,
	# scraped()). The process is scraped 7 s after each 15 s step, at T0 + 7 .. T0 + 307
	# (21 scrapes), restarts, and the new one is scraped from T0 + 311 (4 s later, from 0)
	# to T0 + 596 (20 scrapes): 41 * din. Before T0 and after T1 the series grow 10x faster,
	# so a scrape counted from outside the window would show.
	exact "$(val "$OUT/reloader_reconcile_total.json")" 82             # din 2
	exact "$(val "$OUT/reloader_action_total.json")" 121               # 82 + 39 StatefulSet
	exact "$(val "$OUT/reloader_reload_executed_total.json")" 123      # 3 (+ 0 failed)
	exact "$(val "$OUT/reloader_skipped_total.json")" 123              # 1 + 2
	exact "$(val "$OUT/reloader_errors_total.json")" 0                 # never incremented
	exact "$(val "$OUT/reloader_events_received_total.json")" 41
	exact "$(val "$OUT/reloader_workloads_scanned_total.json")" 123
	exact "$(val "$OUT/reloader_workloads_matched_total.json")" 82
	exact "$(val "$OUT/rest_client_requests_total.json")" 328         # 5 GET + 2 PATCH + 1 PATCH 409
	exact "$(val "$OUT/rest_client_requests_get.json")" 205
	exact "$(val "$OUT/rest_client_requests_patch.json")" 123
	exact "$(val "$OUT/rest_client_requests_put.json")" 0             # no PUT series at all
	exact "$(val "$OUT/rest_client_requests_errors.json")" 41         # the 409s
	# Histograms, per step inside the window: reconcile buckets le 0.1/0.5/1/+Inf gain
	# 4/9/10/10, i.e. 160/360/400/400 over the window. p50: rank 200 in (0.1, 0.5]:
	# 0.1 + 0.4 * 40/200 = 0.18; p95: rank 380 in (0.5, 1]: 0.5 + 0.5 * 20/40 = 0.75;
	# p99: 0.5 + 0.5 * 36/40 = 0.95. Outside the window all land in +Inf.
	near "$(val "$OUT/reconcile_p50.json")" 0.18
	near "$(val "$OUT/reconcile_p95.json")" 0.75
	near "$(val "$OUT/reconcile_p99.json")" 0.95
	# Action buckets le 0.05/0.1/0.5/+Inf: 80/240/400/400. p50: 0.05 + 0.05 * 120/160;
	# p95: 0.1 + 0.4 * 140/160; p99: 0.1 + 0.4 * 156/160.
	near "$(val "$OUT/action_p50.json")" 0.0875
	near "$(val "$OUT/action_p95.json")" 0.45
	near "$(val "$OUT/action_p99.json")" 0.49
	# Gauges: 41 samples in the window (T0 and T1 included). RSS 40 MiB with one 81 MiB
	# spike: avg (40 * 40 + 81) / 41 = 41 MiB; before T0 it is 200 MiB, after T1 300 MiB.
	near "$(val "$OUT/memory_rss_bytes_avg.json")" $((41 * 1048576))
	near "$(val "$OUT/memory_rss_bytes_max.json")" $((81 * 1048576))
	near "$(val "$OUT/memory_rss_bytes_cur.json")" $((40 * 1048576))
	near "$(val "$OUT/memory_heap_bytes_avg.json")" $((21 * 1048576)) # (40 * 20 + 61) / 41
	near "$(val "$OUT/memory_heap_bytes_max.json")" $((61 * 1048576))
	near "$(val "$OUT/goroutines_avg.json")" 101                       # (40 * 100 + 141) / 41
	near "$(val "$OUT/goroutines_max.json")" 141
	near "$(val "$OUT/goroutines_cur.json")" 100
	near "$(val "$OUT/threads_cur.json")" 12                           # 30 after T1
	# CPU: 0.15 s per step, 1.5 s in steps 31-34, across the restart:
	# (36 * 0.15 + 4 * 1.5) / 600 = 0.019 cores; the busiest minute is 6 / 60 = 0.1.
	near "$(val "$OUT/cpu_usage_cores_avg.json")" 0.019
	near "$(val "$OUT/cpu_usage_cores_max.json")" 0.1
	# GC: the summary's quantile="1" is 0.002 s with one 0.008 s pause (0.05 before T0).
	near "$(val "$OUT/gc_duration_seconds_p99.json")" 0.008
}

@test "label groupings compare selects on are kept" {
	run -0 snap reloader-new
	exact "$(val_by "$OUT/reloader_reload_executed_total.json" success true)" 123
	# 7 before the restart, 0 after it: a drop, and no failure inside the window.
	exact "$(val_by "$OUT/reloader_reload_executed_total.json" success false)" 0
	exact "$(val_by "$OUT/reloader_skipped_total.json" reason no_data_change)" 41
	exact "$(val_by "$OUT/reloader_skipped_total.json" reason not_matched)" 82
	exact "$(val_by "$OUT/reloader_action_total.json" workload_kind Deployment)" 82
	exact "$(val_by "$OUT/reloader_reconcile_total.json" result success)" 82
}

@test "counts: a series created inside the window counts its first value, a restart loses nothing" {
	run -0 snap reloader-new
	# StatefulSet actions are created lazily by each process, at its 5th scrape with the
	# value 5: T0 + 82 .. T0 + 307 gives 5 + 15, T0 + 386 .. T0 + 596 gives 5 + 14.
	exact "$(val_by "$OUT/reloader_action_total.json" workload_kind StatefulSet)" 39
	# An earlier process's series, last scraped a minute before T0, has no row.
	run jq -c '[.data.result[].metric.reason]' "$OUT/reloader_skipped_total.json"
	assert_output '["no_data_change","not_matched"]'
	# The fixture is one where increase() is off (about 116.3, not 121): it extrapolates to
	# the window's edges and misses the lazily created series' first values.
	run -0 curl -sS --get "$PROM_URL/api/v1/query" --data-urlencode "time=$T1" \
		--data-urlencode 'query=sum(increase(reloader_action_total{job="reloader-new"}[600s]))'
	jq -e '.data.result[0].value[1] | tonumber | . != 121' <<<"$output" >/dev/null
	# A step too coarse: at 15 s the old process's last scrape (T0 + 307) and the new
	# one's first (T0 + 311) share the step (T0 + 300, T0 + 315], and the old process's
	# last increment (2) is lost. Hence --step at most half the scrape interval.
	run -0 snap reloader-new --step 15
	exact "$(val "$OUT/reloader_reconcile_total.json")" 80
}

@test "counts: a sample at T0 is the base, a sample at T1 counts, whatever the step" {
	# reloader-old is scraped at T0 + 15k + 7 with no restart. The window
	# (T0 + 7, T1 + 7] starts on a scrape (not counted) and ends on one (counted): scrapes
	# T0 + 22 .. T0 + 592 gain 3 each, the one at T1 + 7 gains 30: 39 * 3 + 30.
	local step
	for step in 1 2 0.5 5; do
		run -0 "$PROMSNAP" --url "$PROM_URL" --job reloader-old --start $((T0 + 7)) \
			--end $((T1 + 7)) --out "$OUT" --step "$step" -v
		exact "$(val_by "$OUT/reloader_reload_executed_total.json" success true)" 147
	done
	# --step 5 on an odd T0 is shortened to 1 s, the longest step T0 and T1 both fall on.
	assert_line 'promsnap: counts are read every 1000 ms, the longest step both --start and --end fall on'
}

@test "{{step}} puts a step on T0 and one on T1" {
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - {name: n, file: n.json, query: "count_over_time(vector(1)[{{window}}:{{step}}])"}\n' >"$q"
	# steps: T0, T0 + step, ..., T1
	run -0 snap j --queries "$q"
	exact "$(val "$OUT/n.json")" 601
	run -0 snap j --queries "$q" --step 2
	exact "$(val "$OUT/n.json")" 301
	run -0 "$PROMSNAP" --url "$PROM_URL" --job j --start $((T0 + 1)) --end "$T1" --out "$OUT" --queries "$q" --step 2
	exact "$(val "$OUT/n.json")" 600
	run -0 "$PROMSNAP" --url "$PROM_URL" --job j --start "$T0.5" --end "$T1" --out "$OUT" --queries "$q"
	exact "$(val "$OUT/n.json")" 1200
	assert_output ''
	# A step under 100 ms is slow: said, but the answer is still exact.
	run -0 "$PROMSNAP" --url "$PROM_URL" --job j --start "$T0.05" --end "$T1" --out "$OUT" --queries "$q"
	exact "$(val "$OUT/n.json")" 12000
	assert_output 'promsnap: counts are read every 50 ms, the longest step both --start and --end fall on, which is slow; times in whole seconds avoid it'
	# Without {{step}} in the catalogue, nothing to say.
	one_query "$BATS_TEST_TMPDIR/one.yaml"
	run -0 "$PROMSNAP" --url "$PROM_URL" --job j --start "$T0.05" --end "$T1" --out "$OUT" \
		--queries "$BATS_TEST_TMPDIR/one.yaml"
	assert_output ''
}

@test "the window bounds every query: the minute before T0 does not count" {
	# reloader-old burns 0.05 cores before T0 and 0.02 inside: a 1m rate that looked
	# back past T0 would make the maximum 0.05.
	run -0 snap reloader-old
	near "$(val "$OUT/cpu_usage_cores_max.json")" 0.02
	near "$(val "$OUT/cpu_usage_cores_avg.json")" 0.02
	near "$(val "$OUT/memory_rss_bytes_max.json")" $((60 * 1048576)) # 500 MiB outside
	near "$(val "$OUT/gc_duration_seconds_p99.json")" 0.004
	# A window shifted by 5 minutes sees other numbers: the query follows the window.
	run -0 "$PROMSNAP" --url "$PROM_URL" --job reloader-new --start $((T0 - 300)) \
		--end $((T1 - 300)) --out "$BATS_TEST_TMPDIR/shifted"
	# Scrapes T0 - 293 .. T0 - 8 gain 20 each, T0 + 7 .. T0 + 292 gain 2: 400 + 40.
	exact "$(val "$BATS_TEST_TMPDIR/shifted/reloader_reconcile_total.json")" 440
}

@test "a v1.0 build's missing metrics stay absent, not zero" {
	run -0 snap reloader-old
	run jq -c '.data.result' "$OUT/reloader_reconcile_total.json" "$OUT/reloader_errors_total.json" \
		"$OUT/reconcile_p99.json" "$OUT/rest_client_requests_errors.json"
	assert_output $'[]\n[]\n[]\n[]'
	exact "$(val "$OUT/reloader_reload_executed_total.json")" 120
}

@test "a job with no data: every file is Prometheus's empty answer, exit 0" {
	run -0 snap nobody
	local f
	for f in "$OUT"/*.json; do
		run jq -ce '.status == "success" and .data.result == []' "$f"
		assert_success
	done
	[[ -e "$OUT/threads_cur.json" ]]
}

@test "each file is Prometheus's own response body, byte for byte" {
	run -0 snap reloader-new
	curl -sS --get "$PROM_URL/api/v1/query" --data-urlencode 'query=last_over_time(go_threads{job="reloader-new"}[600s])' \
		--data-urlencode "time=$T1" -o "$BATS_TEST_TMPDIR/direct.json"
	cmp "$BATS_TEST_TMPDIR/direct.json" "$OUT/threads_cur.json"
}

@test "RFC 3339 times give the same snapshot as unix seconds" {
	run -0 snap reloader-new
	run -0 "$PROMSNAP" --url "$PROM_URL/" --job reloader-new --start 2026-01-01T01:00:00+01:00 \
		--end 2026-01-01T00:10:00Z --out "$BATS_TEST_TMPDIR/rfc"
	diff -r "$OUT" "$BATS_TEST_TMPDIR/rfc"
}

@test "a window of fractional seconds and a job name that needs escaping" {
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - {name: n, file: n.json, query: '"'"'count_over_time(go_threads{job="{{job}}"}[{{window}}])'"'"'}\n' >"$q"
	# Half a second after T0: the sample at T0 is out, 40 of the 41 remain.
	run -0 "$PROMSNAP" --url "$PROM_URL" --job reloader-new --start "$T0.5" --end "$T1" --out "$OUT" --queries "$q"
	near "$(val "$OUT/n.json")" 40
	run -0 "$PROMSNAP" --url "$PROM_URL" --job 'say "hi" \o/' --start "$T0" --end "$T1" --out "$OUT" --queries "$q"
	run jq -c '.data.result' "$OUT/n.json"
	assert_output '[]'
}

@test "LOADTEST_QUERIES names the default catalogue" {
	one_query "$BATS_TEST_TMPDIR/one.yaml"
	LOADTEST_QUERIES=$BATS_TEST_TMPDIR/one.yaml run -0 snap reloader-new
	run ls "$OUT"
	assert_output threads.json
}

@test "compare reads the snapshots of both arms and shows the expected numbers" {
	local r=$BATS_TEST_TMPDIR/results
	run -0 "$PROMSNAP" --url "$PROM_URL" --job reloader-old --start "$T0" --end "$T1" --out "$r/S6/old"
	run -0 "$PROMSNAP" --url "$PROM_URL" --job reloader-new --start "$T0" --end "$T1" --out "$r/S6/new"
	# Heap max rose from 30 to 61 MB (> 50 % and > 20 MB): the scenario fails on that.
	run -1 compare_ --scenario S6 --results-dir "$r" --format json
	local json=$output
	row() { jq -c --arg n "$1" '.rows[] | select(.name == $n) | [.old.state, .old.value, .new.state, .new.value, .status]' <<<"$json"; }
	assert_equal "$(row action_total)" '["absent",null,"measured",121,"info"]'
	assert_equal "$(row reload_executed_total)" '["measured",120,"measured",123,"pass"]'
	assert_equal "$(row reconcile_total)" '["absent",null,"measured",82,"info"]'
	assert_equal "$(row errors_total)" '["absent",null,"measured",0,"info"]'
	assert_equal "$(row skipped_total_no_data_change)" '["absent",null,"measured",41,"info"]'
	assert_equal "$(row rest_client_requests_put)" '["absent",null,"measured",0,"info"]'
	assert_equal "$(row memory_heap_mb_max)" '["measured",30,"measured",61,"fail"]'
	assert_equal "$(row memory_rss_mb_avg | jq -c '[.[0], .[1], .[2], .[4]]')" '["measured",60,"measured","pass"]'
	near "$(row memory_rss_mb_avg | jq '.[3]')" 41
	assert_equal "$(jq -r '.status' <<<"$json")" FAIL
	near "$(jq '.rows[] | select(.name == "gc_pause_p99_ms") | .new.value' <<<"$json")" 8
	near "$(jq '.rows[] | select(.name == "gc_pause_p99_ms") | .old.value' <<<"$json")" 4
	near "$(jq '.rows[] | select(.name == "cpu_cores_max") | .new.value' <<<"$json")" 0.1
	near "$(jq '.rows[] | select(.name == "action_latency_p95") | .new.value' <<<"$json")" 0.45
	# The text report too.
	run -1 compare_ --scenario S6 --results-dir "$r"
	assert_line --regexp '^reload_executed_total +120 +123 .* pass$'
	assert_line --regexp '^action_total +n/a +121 .* info$'
	assert_line --regexp '^memory_rss_mb_avg \(MB\) +60\.0000 +41\.0000 .* pass$'
}

# ---- credentials in the URL (issue 16) ----

# with_password URL: URL with a user and a password in it ("http://u:PW@host:port").
with_password() {
	printf '%s\n' "${1/:\/\//://loadtest:$PW@}"
}

# assert_no_password DIR [TEXT...]: the password is in no file under DIR and in no TEXT.
assert_no_password() {
	local dir=$1 hits
	shift
	hits=$(grep -rl -F -- "$PW" "$dir" || true)
	[ -z "$hits" ] || fail "the password is in: $hits"
	local t
	for t in "$@"; do
		[[ "$t" != *"$PW"* ]] || fail "the password was printed: $t"
	done
}

@test "a password in the URL reaches no message, snapshot file or report: a real Prometheus, and one that is down" {
	PW=s3cr3t-Pw-$RANDOM
	local r=$BATS_TEST_TMPDIR/results url down port
	url=$(with_password "$PROM_URL")
	port=$(free_port)
	down=$(with_password "http://127.0.0.1:$port")
	# Prometheus ignores the credentials: the snapshot is the same as without them.
	run --separate-stderr "$PROMSNAP" --url "$url" --job reloader-old --start "$T0" --end "$T1" \
		--out "$r/S6/old" --series "$r/S6/old/series" --verbose
	assert_success
	local out1=$output err1=$stderr
	near "$(val "$r/S6/old/reloader_reload_executed_total.json")" 120
	run --separate-stderr "$PROMSNAP" wait --url "$url" --job reloader-old --timeout 5 --verbose
	local out2=$output err2=$stderr
	# Down: every file records the failure, naming the server without its password.
	run --separate-stderr timeout 60 "$PROMSNAP" --url "$down" --job reloader-new --start "$T0" --end "$T1" \
		--out "$r/S6/new" --series "$r/S6/new/series" --verbose
	assert_failure 1
	local out3=$output err3=$stderr
	[[ "$err3" == *"Prometheus at 'http://***@127.0.0.1:$port' stopped answering"* ]] || fail "unexpected: $err3"
	grep -q -F "Prometheus at 'http://***@127.0.0.1:$port' stopped answering" "$r/S6/new/reloader_action_total.json" ||
		fail "the error body does not name the server: $(cat "$r/S6/new/reloader_action_total.json")"
	run --separate-stderr timeout 30 "$PROMSNAP" wait --url "$down" --job reloader-new --timeout 2
	assert_failure 1
	local out4=$output err4=$stderr
	# A URL that is not one: named without its password too.
	run --separate-stderr "$PROMSNAP" wait --url "ftp://loadtest:$PW@127.0.0.1:$port" --job j
	assert_failure 2
	assert_equal "$stderr" "promsnap: bad --url 'ftp://***@127.0.0.1:$port': only http:// and https:// URLs are supported (see 'promsnap --help')"
	local err5=$stderr
	# compare on those snapshots, in every format.
	local fmt reports=()
	for fmt in text json markdown; do
		run --separate-stderr compare_ --scenario S6 --results-dir "$r" --format "$fmt" \
			--output "$r/report.$fmt"
		[ "$status" -le 1 ] || fail "compare failed: $stderr"
		reports+=("$output" "$stderr")
	done
	run --separate-stderr compare_ --summary --results-dir "$r" --format junit --output "$r/junit.xml"
	reports+=("$output" "$stderr")
	grep -q 'error' "$r/report.text" || fail "the report shows no failed query"
	assert_no_password "$r" "$out1" "$err1" "$out2" "$err2" "$out3" "$err3" "$out4" "$err4" "$err5" "${reports[@]}"
	# The check itself would see one: the password is in the URL given.
	[[ "$url" == *"$PW"* ]]
}

# ---- faults ----

@test "a bad query in a custom catalogue: saved as Prometheus's error, not retried, exit 1" {
	local q=$BATS_TEST_TMPDIR/q.yaml
	cat >"$q" <<-'EOF'
		version: 1
		queries:
		  - {name: good, file: good.json, query: 'last_over_time(go_threads{job="{{job}}"}[{{window}}])'}
		  - {name: broken, file: broken.json, query: 'sum(rate(go_threads{job="{{job}}"}[{{window}}])'}
	EOF
	run -1 snap reloader-new --queries "$q"
	assert_line "promsnap: 1 of 2 queries failed: broken"
	assert_line --regexp "^promsnap: query 'broken' failed: bad_data: .*parse error.* \(HTTP 400\) \(1 try\)$"
	assert_equal "$(jq -r '.status + " " + .errorType' "$OUT/broken.json")" "error bad_data"
	near "$(val "$OUT/good.json")" 12
	# compare shows such a file as an error, not as a value or n/a.
	mkdir -p "$BATS_TEST_TMPDIR/r/S1/new"
	cp "$OUT/broken.json" "$BATS_TEST_TMPDIR/r/S1/new/gc_duration_seconds_p99.json"
	run -1 compare_ --scenario S1 --results-dir "$BATS_TEST_TMPDIR/r"
	assert_line --regexp '^gc_pause_p99_ms \(ms\) +error .* error$'
}

@test "Prometheus down (connection refused): every file records the failure, exit 1, quickly" {
	local port
	port=$(free_port)
	local start=$SECONDS
	run -1 timeout 60 "$PROMSNAP" --url "http://127.0.0.1:$port" --job reloader-new --start "$T0" --end "$T1" --out "$OUT"
	(( SECONDS - start < 10 ))
	assert_line --regexp "^promsnap: query 'reconcile_total' failed: unavailable: .*127\.0\.0\.1.*$port.* \(3 tries\)$"
	assert_line "promsnap: 30 queries not run: Prometheus at 'http://127.0.0.1:$port' stopped answering"
	assert_line --partial 'promsnap: 31 of 31 queries failed: reconcile_total, action_total,'
	local f
	for f in "$OUT"/*.json; do
		assert_equal "$(jq -r '.status + " " + .errorType' "$f")" "error unavailable"
	done
	mkdir -p "$BATS_TEST_TMPDIR/r/S1"
	mv "$OUT" "$BATS_TEST_TMPDIR/r/S1/new"
	run -1 compare_ --scenario S1 --results-dir "$BATS_TEST_TMPDIR/r"
	assert_line --regexp '^action_total +error .* error$'
}

@test "HTTP 503 with an HTML body is retried with backoff, then recorded, exit 1" {
	echo '<html><body>502 Bad Gateway</body></html>' >"$BATS_TEST_TMPDIR/body"
	fake status 503 "$BATS_TEST_TMPDIR/body" text/html
	one_query "$BATS_TEST_TMPDIR/one.yaml"
	run -1 "$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT" --queries "$BATS_TEST_TMPDIR/one.yaml"
	assert_line "promsnap: query 'threads' failed: bad_response: HTTP 503, not a Prometheus response (not JSON): '<html><body>502 Bad Gateway</body></html>' (3 tries)"
	assert_equal "$(wc -l <"$FAKE_LOG")" 3
	assert_equal "$(jq -r .errorType "$OUT/threads.json")" bad_response
	# The request carried the query and the evaluation time, encoded.
	run head -1 "$FAKE_LOG"
	assert_output "/api/v1/query?query=last_over_time%28go_threads%7Bjob%3D%22j%22%7D%5B600s%5D%29&time=$T1"
}

@test "a success status with a body that is not a Prometheus response is retried, --tries bounds it" {
	echo '{"hello": "world"}' >"$BATS_TEST_TMPDIR/body"
	fake status 200 "$BATS_TEST_TMPDIR/body"
	one_query "$BATS_TEST_TMPDIR/one.yaml"
	run -1 "$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT" \
		--queries "$BATS_TEST_TMPDIR/one.yaml" --tries 2
	assert_line --partial 'not a Prometheus response (no "status")'
	assert_equal "$(wc -l <"$FAKE_LOG")" 2
}

@test "a 4xx answer is not retried" {
	echo '{"status":"error","errorType":"bad_data","error":"nope"}' >"$BATS_TEST_TMPDIR/body"
	fake status 400 "$BATS_TEST_TMPDIR/body"
	run -1 "$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT"
	# One try per query: nothing is asked twice.
	assert_equal "$(wc -l <"$FAKE_LOG")" 31
	assert_line "promsnap: query 'reconcile_total' failed: bad_data: nope (HTTP 400) (1 try)"
	cmp "$BATS_TEST_TMPDIR/body" "$OUT/threads_cur.json"
}

@test "a server that accepts and never answers: bounded by --query-timeout, the rest not run" {
	fake hang
	local start=$SECONDS
	run -1 timeout 60 "$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT" \
		--query-timeout 1 --tries 2
	(( SECONDS - start < 10 ))
	assert_line --regexp "^promsnap: query 'reconcile_total' failed: timeout: .*timed out after 10[0-9][0-9] milliseconds.* \(2 tries\)$"
	assert_line "promsnap: 30 queries not run: Prometheus at '$FAKE_URL' stopped answering"
	# Two tries and one check that the server is still there; no query after that.
	assert_equal "$(wc -l <"$FAKE_LOG")" 3
	assert_equal "$(jq -r .errorType "$OUT/reloader_reconcile_total.json")" timeout
	run jq -r .error "$OUT/threads_cur.json"
	assert_output --partial "not run: Prometheus at '$FAKE_URL' stopped answering (query 'reconcile_total': timeout"
}

@test "an interrupted snapshot leaves no file behind" {
	fake hang
	mkdir -p "$OUT"
	bg_start "$BATS_TEST_TMPDIR/snap.pid" "$BATS_TEST_TMPDIR/snap.log" \
		"$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT" --query-timeout 30
	wait_until 10 test -s "$FAKE_LOG"
	local pid
	pid=$(<"$BATS_TEST_TMPDIR/snap.pid")
	kill -TERM "$pid"
	wait_until 10 _gone "$pid"
	run ls -A "$OUT"
	assert_output ''
}

# ---- waiting ----

@test "PROMETHEUS_URL stands for --url (a password kept off the command line); --url given wins" {
	PW=s3cr3t-Pw-$RANDOM
	local r=$BATS_TEST_TMPDIR/r
	PROMETHEUS_URL=$(with_password "$PROM_URL") run --separate-stderr "$PROMSNAP" --job reloader-old \
		--start "$T0" --end "$T1" --out "$r/env"
	assert_success
	near "$(val "$r/env/reloader_reload_executed_total.json")" 120
	assert_no_password "$r" "$output" "$stderr"
	# A URL on the command line is used before the environment's (here one that is down).
	PROMETHEUS_URL=$PROM_URL run -1 timeout 30 "$PROMSNAP" wait --url "http://127.0.0.1:$(free_port)" --job j --timeout 1
	assert_output --partial "(last: unavailable: "
	PROMETHEUS_URL='' run -2 "$PROMSNAP" wait --job j
	assert_output "promsnap: --url is required (see 'promsnap --help')"
}

@test "wait times out with one line when the job has no target" {
	local start=$SECONDS
	run -1 timeout 30 "$PROMSNAP" wait --url "$PROM_URL" --job reloader-new --timeout 1
	(( SECONDS - start < 5 ))
	assert_output "promsnap: timed out after 1 s waiting for every target of job 'reloader-new' to be up (last: no target, or a target down)"
}

@test "wait on a Prometheus that is down names the last error" {
	run -1 timeout 30 "$PROMSNAP" wait --url "http://127.0.0.1:$(free_port)" --job j --timeout 1
	assert_output --regexp "^promsnap: timed out after 1 s waiting for .* \(last: unavailable: .*\)$"
	assert_equal "${#lines[@]}" 1
}

@test "wait and --fresh give up once Prometheus has refused connections for 5 s, not at their timeout" {
	local url start
	url="http://127.0.0.1:$(free_port)"
	start=$SECONDS
	run -1 timeout 60 "$PROMSNAP" wait --url "$url" --job j --timeout 50
	(( SECONDS - start >= 5 && SECONDS - start < 10 )) || fail "gave up after $((SECONDS - start)) s"
	assert_output --regexp "^promsnap: cannot wait for every target of job 'j' to be up: Prometheus at '$url' has refused every connection for 5 s \(last: unavailable: .*\)$"
	assert_equal "${#lines[@]}" 1
	# A snapshot's wait for a fresh sample alike, and it writes nothing.
	start=$SECONDS
	run -1 timeout 60 "$PROMSNAP" --url "$url" --job j --start "$T0" --end "$T1" --fresh "$T1" --timeout 50 --out "$OUT"
	(( SECONDS - start < 10 ))
	assert_output --partial "has refused every connection for 5 s"
	run ls -A "$OUT"
	assert_output ''
}

@test "wait on a server that hangs keeps to its own deadline" {
	fake hang
	local start=$SECONDS
	run -1 timeout 60 "$PROMSNAP" wait --url "$FAKE_URL" --job j --timeout 2 --query-timeout 30
	(( SECONDS - start < 6 ))
	assert_output --regexp "^promsnap: timed out after 2 s .* \(last: timeout: .*\)$"
}

@test "a snapshot with --fresh waits for a newer sample first, and writes nothing on timeout" {
	run -1 snap reloader-new --fresh "$T1" --timeout 1
	assert_output "promsnap: timed out after 1 s waiting for a sample of job 'reloader-new' newer than $T1 (last: no sample that new)"
	run ls -A "$OUT"
	assert_output ''
}

@test "live: wait returns once the target is scraped, --fresh once a newer sample is in" {
	local live=$BATS_TEST_TMPDIR/live tport url now
	mkdir -p "$live/www"
	printf '# TYPE go_goroutines gauge\ngo_goroutines 42\n# TYPE go_threads gauge\ngo_threads 7\n' >"$live/www/metrics"
	tport=$(free_port)
	cat >"$live/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: live
		    static_configs:
		      - targets: ['127.0.0.1:$tport']
	EOF
	prom_start "$live" "$live/prometheus.yml"
	url=$(<"$live/url")

	# The target is not serving yet: Prometheus scrapes it and finds it down.
	run -1 timeout 30 "$PROMSNAP" wait --url "$url" --job live --timeout 2
	assert_output --partial "waiting for every target of job 'live' to be up"

	# A wait started now must return once the target comes up.
	# shellcheck disable=SC2016 # expanded by the inner shell
	bg_start "$live/wait.pid" "$live/wait.log" \
		bash -c '"$0" wait --url "$1" --job live --timeout 30; echo "rc=$?"' "$PROMSNAP" "$url"
	bg_start "$live/target.pid" "$live/target.log" \
		python3 -m http.server --bind 127.0.0.1 --directory "$live/www" "$tport"
	wait_until 40 grep -q '^rc=' "$live/wait.log"
	run cat "$live/wait.log"
	assert_output 'rc=0'

	# --fresh: the window ends 2 s from now, and the snapshot must wait until Prometheus
	# holds a sample newer than that end before it queries.
	now=$(($(date +%s) + 2))
	run -0 timeout 30 "$PROMSNAP" --url "$url" --job live --start $((now - 10)) --end "$now" \
		--fresh "$now" --timeout 20 --out "$OUT"
	near "$(val "$OUT/goroutines_max.json")" 42
	near "$(val "$OUT/threads_cur.json")" 7
	run jq -c '.data.result' "$OUT/reloader_reconcile_total.json"
	assert_output '[]'
	run -0 timeout 30 "$PROMSNAP" wait --url "$url" --job live --fresh "$now" --timeout 20
	local newest
	newest=$(curl -sS --get "$url/api/v1/query" --data-urlencode 'query=max(timestamp(up{job="live"}))' | jq -r '.data.result[0].value[1]')
	jq -en --argjson a "$newest" --argjson b "$now" '$a > $b' >/dev/null
}

@test "live: counts are exact across a restart that leaves the target down for seconds" {
	local live=$BATS_TEST_TMPDIR/live tport prom t0 t1
	local rx='reloader_reload_executed_total{job="live",success="true"}'
	mkdir -p "$live/www"
	tport=$(free_port)
	cat >"$live/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: live
		    static_configs:
		      - targets: ['127.0.0.1:$tport']
	EOF
	# metrics RELOADS [ACTIONS]: what the target serves; ACTIONS is created lazily, at
	# the first action, as Reloader does.
	metrics() {
		{
			printf '# TYPE reloader_reload_executed_total counter\n'
			printf 'reloader_reload_executed_total{success="true"} %s\n' "$1"
			[[ -z ${2:-} ]] || printf 'reloader_action_total{workload_kind="Deployment",result="success"} %s\n' "$2"
		} >"$live/www/metrics+"
		mv "$live/www/metrics+" "$live/www/metrics"
	}
	serve() {
		bg_start "$live/target.pid" "$live/target.log" \
			python3 -m http.server --bind 127.0.0.1 --directory "$live/www" "$tport"
	}
	# scraped QUERY VALUE: wait until Prometheus holds VALUE as the latest sample.
	scraped() {
		wait_until 20 prom_has "$prom" "$1" "$2"
	}
	# after T: the clock is past unix second T.
	after() {
		(($(date +%s) > $1))
	}
	metrics 10
	serve
	prom_start "$live" "$live/prometheus.yml"
	prom=$(<"$live/url")
	scraped "$rx" 10
	# T0: the process has 10 reloads from before the window; they do not count.
	t0=$(($(date +%s) + 1))
	wait_until 5 after "$t0"
	metrics 13 4
	scraped "$rx" 13
	scraped 'reloader_action_total{job="live"}' 4
	# The restart: the target is down for about 3 s (failed scrapes, staleness markers;
	# the sleep is that gap), and the new process starts from 0, its action series not
	# created yet.
	bg_stop "$live/target.pid"
	scraped 'up{job="live"}' 0
	sleep 2
	metrics 2
	serve
	scraped "$rx" 2
	metrics 5 1
	scraped 'reloader_action_total{job="live"}' 1
	scraped "$rx" 5
	t1=$(($(date +%s) + 1))
	wait_until 5 after "$t1"
	# After T1: does not count.
	metrics 100 50
	scraped "$rx" 100
	run -0 timeout 60 "$PROMSNAP" --url "$prom" --job live --start "$t0" --end "$t1" --fresh "$t1" --out "$OUT"
	# 3 + 2 + 3 reloads; 4 + 1 actions, each a series created inside the window. (In a
	# trial run, increase() over the window said 9.3 and 1.4.)
	exact "$(val "$OUT/reloader_reload_executed_total.json")" 8
	exact "$(val "$OUT/reloader_action_total.json")" 5
}

@test "valgrind: no memory error or leak in a snapshot, a failed one, a wait and bad input" {
	skip_under_sanitizers
	local vg=(valgrind -q --leak-check=full '--show-leak-kinds=definite,indirect,possible'
		'--errors-for-leak-kinds=definite,indirect,possible' --error-exitcode=99)
	run -0 "${vg[@]}" "$PROMSNAP" --url "$PROM_URL" --job reloader-new --start "$T0" --end "$T1" --out "$OUT"
	assert_output ''
	run -1 "${vg[@]}" "$PROMSNAP" --url "http://127.0.0.1:$(free_port)" --job j --start "$T0" --end "$T1" \
		--out "$BATS_TEST_TMPDIR/down"
	run -1 "${vg[@]}" "$PROMSNAP" wait --url "$PROM_URL" --job j --timeout 0.5
	printf 'version: 1\nqueries:\n  - {name: a, file: a.json, query: up, colour: red}\n' >"$BATS_TEST_TMPDIR/q.yaml"
	run -2 "${vg[@]}" "$PROMSNAP" --url "$PROM_URL" --job j --start "$T0" --end "$T1" --out "$OUT" \
		--queries "$BATS_TEST_TMPDIR/q.yaml"
	run -2 "${vg[@]}" "$PROMSNAP" --bogus
}

# ---- time series (--series) ----

# points FILE: the first series of a matrix answer as "k value" lines, k the number of
# 15 s steps since T0.
points15() {
	jq -r --argjson t0 "$T0" '.data.result[0].values[] | "\((.[0] - $t0) / 15) \(.[1])"' "$1"
}

@test "time series: one matrix per series over [T0, T1], points worked by hand" {
	run -0 snap reloader-new --series "$OUT/series" --series-step 15
	assert_output ''
	# Every series of the catalogue has its file, named after it, and nothing else.
	local names
	names=$(sed -n '/^series:/,$s/^  - name: *//p' "$REPO_ROOT/tools/promsnap/queries.yaml" | sort | sed 's/$/.json/')
	assert_equal "$(ls -A "$OUT/series")" "$names"
	assert_equal "$(jq -r '.data.resultType' "$OUT/series/cpu_cores.json")" matrix
	# RSS (tests/fixtures/prom/openmetrics.awk, gauge()): a point at T0 + 15k for k = 0 .. 40
	# (T0 and T1 included), 40 MiB, 81 MiB at k = 20; 200 MiB before T0, 300 MiB after T1.
	run points15 "$OUT/series/memory_rss_bytes.json"
	assert_equal "${#lines[@]}" 41
	local k v want
	while read -r k v; do
		want=$((k == 20 ? 81 : 40))
		near "$v" $((want * 1048576))
	done <<<"$output"
	# CPU: a counter sampled at T0 + 15k, gaining 0.75 s per step up to T0, 0.15 inside
	# (1.5 in steps 31-34), restarting from 0 at k = 21. {{rate}} is four series steps (60 s):
	# the rate at k is the sum of the gains of steps k-3 .. k over 60 s (a restart loses
	# nothing; the samples sit on the range's edges, so nothing is extrapolated).
	run points15 "$OUT/series/cpu_cores.json"
	assert_equal "${#lines[@]}" 41
	local -a cpu=()
	while read -r k v; do cpu[k]=$v; done <<<"$output"
	near "${cpu[0]}" 0.05      # 4 * 0.75 / 60
	near "${cpu[1]}" 0.04      # (3 * 0.75 + 0.15) / 60
	near "${cpu[3]}" 0.02      # (0.75 + 3 * 0.15) / 60
	near "${cpu[21]}" 0.01     # across the restart: 4 * 0.15 / 60
	near "${cpu[31]}" 0.0325   # (3 * 0.15 + 1.5) / 60
	near "${cpu[34]}" 0.1      # 4 * 1.5 / 60
	near "${cpu[35]}" 0.0775   # (3 * 1.5 + 0.15) / 60
	near "${cpu[40]}" 0.01
	# Goroutines: 100, 141 at k = 5.
	run points15 "$OUT/series/goroutines.json"
	assert_line '5 141'
	assert_line '6 100'
	# A metric the build does not expose (no workqueue depth in the fixture): Prometheus's
	# empty answer, never a line of zeros.
	run jq -c '.status, .data.resultType, .data.result' "$OUT/series/workqueue_depth.json"
	assert_output $'"success"\n"matrix"\n[]'
}

@test "time series: each file is Prometheus's query_range answer, byte for byte, at the 2 s default" {
	run -0 snap reloader-new --series "$OUT/series"
	curl -sS --get "$PROM_URL/api/v1/query_range" \
		--data-urlencode 'query=sum(rate(process_cpu_seconds_total{job="reloader-new"}[8s]))' \
		--data-urlencode "start=$T0" --data-urlencode "end=$T1" --data-urlencode step=2 \
		-o "$BATS_TEST_TMPDIR/direct.json"
	cmp "$BATS_TEST_TMPDIR/direct.json" "$OUT/series/cpu_cores.json"
	# One point every 2 s from T0 to T1.
	run jq -r --argjson t0 "$T0" '.data.result[0].values | "\(length) \(.[0][0] - $t0) \(.[1][0] - .[0][0]) \(.[-1][0] - $t0)"' \
		"$OUT/series/memory_rss_bytes.json"
	assert_output '301 0 2 600'
	# The instant snapshot beside it is the same as without --series.
	run -0 snap reloader-new --out "$BATS_TEST_TMPDIR/plain"
	diff -r -x series "$OUT" "$BATS_TEST_TMPDIR/plain"
}

@test "time series of a v1.0 build: its missing families are absent, not zero" {
	run -0 snap reloader-old --series "$OUT/series" --series-step 15
	run jq -c '.data.result' "$OUT/series/reconcile_rate.json" "$OUT/series/action_rate.json" \
		"$OUT/series/api_request_rate.json" "$OUT/series/api_error_rate.json"
	assert_output $'[]\n[]\n[]\n[]'
	# reload_executed_total exists in every v1: 3 reloads per 15 s inside the window,
	# scraped 7 s off the grid (so the rate is extrapolated): present, and above 0.
	jq -e '.data.result[0].values | length == 41 and all(.[1] | tonumber > 0)' \
		"$OUT/series/reload_rate.json" >/dev/null
}

@test "time series: a window too long for Prometheus's 11000 points gets a longer step, said once" {
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - {name: n, file: n.json, query: "vector(1)"}\nseries:\n  - {name: one, query: "vector(1)"}\n' >"$q"
	# 30000 s at 2 s would be 15001 points: one every 2.728 s (10998 points) instead.
	run -0 "$PROMSNAP" --url "$PROM_URL" --job j --start "$T0" --end $((T0 + 30000)) --out "$OUT" \
		--queries "$q" --series "$OUT/s"
	assert_output 'promsnap: a time series point every 2 s would be more than 11000 points over 30000 s: recording one every 2.728 s'
	jq -e '.data.result[0].values | length <= 11000 and length > 10900' "$OUT/s/one.json" >/dev/null
}

@test "time series: a failed range query is an error body named as a series, exit 1" {
	echo '{"status":"error","errorType":"bad_data","error":"nope"}' >"$BATS_TEST_TMPDIR/body"
	fake status 400 "$BATS_TEST_TMPDIR/body"
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - {name: n, file: n.json, query: "vector(1)"}\nseries:\n  - {name: rss, query: "sum(x{job=\\"{{job}}\\"})"}\n' >"$q"
	run -1 "$PROMSNAP" --url "$FAKE_URL" --job j --start "$T0" --end "$T1" --out "$OUT" --queries "$q" \
		--series "$OUT/series" --series-step 5
	assert_line "promsnap: query 'n' failed: bad_data: nope (HTTP 400) (1 try)"
	assert_line "promsnap: 2 of 2 queries failed: n, series rss"
	cmp "$BATS_TEST_TMPDIR/body" "$OUT/series/rss.json"
	# The range request: the window and the step.
	run sed -n 2p "$FAKE_LOG"
	assert_output "/api/v1/query_range?query=sum%28x%7Bjob%3D%22j%22%7D%29&start=$T0&end=$T1&step=5"
}

@test "time series: Prometheus down, every series file records it" {
	run -1 timeout 60 "$PROMSNAP" --url "http://127.0.0.1:$(free_port)" --job reloader-new \
		--start "$T0" --end "$T1" --out "$OUT" --series "$OUT/series"
	assert_line --regexp '^promsnap: [0-9]+ of [0-9]+ queries failed: .*, series cpu_cores, .*series workqueue_depth$'
	local f n=0
	for f in "$OUT"/series/*.json; do
		assert_equal "$(jq -r '.status + " " + .errorType' "$f")" "error unavailable"
		n=$((n + 1))
	done
	((n == 10))
}

@test "time series: bad flags and catalogue mistakes" {
	run -2 snap j --series-step 2
	assert_output "promsnap: --series-step needs --series (see 'promsnap --help')"
	run -2 snap j --series "$OUT/s" --series-step 0
	assert_output --partial '--series-step takes a positive number of seconds'
	run -2 snap j --series ''
	assert_output --partial '--series takes a folder'
	run -2 "$PROMSNAP" wait --url "$PROM_URL" --job j --series "$OUT/s"
	assert_output --partial "'wait' takes no"
	local q=$BATS_TEST_TMPDIR/q.yaml
	printf 'version: 1\nqueries:\n  - {name: a, file: a.json, query: up}\nseries:\n  - {name: a, file: a.json, query: up}\n' >"$q"
	run -2 snap j --queries "$q" --series "$OUT/s"
	assert_output "promsnap: $q:5:15: unknown key 'file'"
	printf 'version: 1\nqueries:\n  - {name: a, file: a.json, query: up}\nseries:\n  - {name: a, query: up}\n  - {name: a, query: up}\n' >"$q"
	run -2 snap j --queries "$q" --series "$OUT/s"
	assert_output "promsnap: $q:6:12: series 'a' is listed twice"
	printf 'version: 1\nqueries:\n  - {name: a, file: a.json, query: up}\nseries:\n  - {name: .a, query: "rate(up[{{rates}}])"}\n' >"$q"
	run -2 snap j --queries "$q" --series "$OUT/s"
	assert_output --partial "a series name makes its file name: not '.a'"
	assert_not_exists "$OUT/a.json"
	# A catalogue with no series: said, and the snapshot is taken.
	one_query "$BATS_TEST_TMPDIR/one.yaml"
	run -0 snap reloader-new --queries "$BATS_TEST_TMPDIR/one.yaml" --series "$OUT/s"
	assert_output "promsnap: --series: the catalogue lists no time series (no 'series:')"
	assert_file_exists "$OUT/threads.json"
}

@test "live: time series at a 1 s scrape: 0 where the family exists, absent where it does not" {
	local live=$BATS_TEST_TMPDIR/live tport url now
	mkdir -p "$live/www"
	# A build with the REST client's counter but no 4xx/5xx answer yet, and no reconciles.
	printf '# TYPE rest_client_requests_total counter\nrest_client_requests_total{code="200",method="GET"} 10\n# TYPE go_goroutines gauge\ngo_goroutines 42\n' \
		>"$live/www/metrics"
	tport=$(free_port)
	cat >"$live/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: live
		    static_configs:
		      - targets: ['127.0.0.1:$tport']
	EOF
	bg_start "$live/target.pid" "$live/target.log" \
		python3 -m http.server --bind 127.0.0.1 --directory "$live/www" "$tport"
	prom_start "$live" "$live/prometheus.yml"
	url=$(<"$live/url")
	run -0 timeout 30 "$PROMSNAP" wait --url "$url" --job live --timeout 20
	now=$(($(date +%s) + 6))
	run -0 timeout 30 "$PROMSNAP" --url "$url" --job live --start $((now - 4)) --end "$now" \
		--fresh "$now" --timeout 20 --out "$OUT" --series "$OUT/series" --series-step 1
	# Points at now - 4 .. now; the rates need 2 samples in their 4 s, so the first
	# point may be missing, but every point there is 0 errors and 0 requests per second.
	jq -e '.data.result | length == 1 and (.[0].values | length >= 3 and all(.[1] == "0"))' \
		"$OUT/series/api_error_rate.json" >/dev/null
	jq -e '.data.result[0].values | length >= 3 and all(.[1] == "0")' "$OUT/series/api_request_rate.json" >/dev/null
	jq -e '.data.result[0].values | length == 5 and all(.[1] == "42")' "$OUT/series/goroutines.json" >/dev/null
	run jq -c '.data.result' "$OUT/series/reconcile_rate.json" "$OUT/series/workqueue_depth.json" \
		"$OUT/series/reload_rate.json"
	assert_output $'[]\n[]\n[]'
}

@test "valgrind: no memory error or leak in a snapshot with time series" {
	skip_under_sanitizers
	run -0 valgrind -q --leak-check=full '--show-leak-kinds=definite,indirect,possible' \
		'--errors-for-leak-kinds=definite,indirect,possible' --error-exitcode=99 \
		"$PROMSNAP" --url "$PROM_URL" --job reloader-new --start "$T0" --end "$T1" --out "$OUT" \
		--series "$OUT/series"
	assert_output ''
	run ls "$OUT/series"
	assert_equal "${#lines[@]}" 10
}
