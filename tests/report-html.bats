#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # bats sets $output, $stderr and $status; gnuplot's datablocks are named $...
# The HTML report (pipelines/report-html.sh): one self-contained page over cached results,
# its structure checked against compare's own JSON, and the page opened in headless
# Chromium.

setup_file() {
	load helpers/common
	R=$BATS_FILE_TMPDIR/results
	export R
	command -v gnuplot >/dev/null || return 0
	build_results "$R"
	"$REPO_ROOT/pipelines/report-html.sh" --bin "$BIN" "$R" >"$BATS_FILE_TMPDIR/build.log" 2>&1 || true
}

setup() {
	load helpers/common
	HTML=$REPO_ROOT/pipelines/report-html.sh
	PAGE=$R/index.html
	command -v gnuplot >/dev/null || cannot_run "gnuplot is not installed (Debian's gnuplot-nox; pipelines/deps.sh test installs it)"
	command -v xmllint >/dev/null || cannot_run "xmllint is not installed (Debian's libxml2-utils)"
}

# build_results DIR: cached results of every kind the page shows. T0s are whole seconds.
build_results() {
	local d=$1 f a i
	mkdir -p "$d"
	# S1: outside observer only (run.json with roll latencies), no time series.
	cp -r "$FIXTURES/results/observed/S1" "$d/S1"
	# S2: both arms with time series and run.json; passes.
	cp -r "$FIXTURES/results/pass/S2" "$d/S2"
	"$FIXTURES/series.sh" "$d/S2/old" old 1767450000 120
	"$FIXTURES/series.sh" "$d/S2/new" new 1767450300 120
	# S4: fails on an expected 0; S7: fails on many rows; S9: the new arm failed.
	cp -r "$FIXTURES/results/s4/S4" "$d/S4"
	cp -r "$FIXTURES/results/fail/S2" "$d/S7"
	cp -r "$FIXTURES/results/armfailed/S2" "$d/S9"
	# S3: 5 v 5 repeats with time series; new's CPU is four times old's.
	mkdir -p "$d/S3/old" "$d/S3/new"
	cp "$FIXTURES/results/pass/S2/expected.json" "$d/S3/"
	for a in old new; do
		for i in 1 2 3 4 5; do
			cp -r "$FIXTURES/results/pass/S2/$a" "$d/S3/$a/$i"
			"$FIXTURES/series.sh" "$d/S3/$a/$i" "$a" $((1767460000 + 1000 * i)) 60 "$i"
		done
	done
	for i in 1 2 3 4 5; do
		f=$d/S3/new/$i/cpu_usage_cores_avg.json
		jq --arg v "0.0$((40 + i))" '.data.result[0].value[1] = $v' "$f" >"$f+" && mv "$f+" "$f"
	done
	# S10: an INVALID run (a check of the driver's failed: its run proves nothing), with a
	# description that is markup.
	cp -r "$FIXTURES/results/pass/S2" "$d/S10"
	jq -n '{scenario: "S10", arm: "new", ok: false, problems: ["the intended rate was not reached"],
		checks: {rate_reached: {ok: false, value: "3.1/s (31 of 50 updates)", required: ">= 90% of the intended 5.0/s"},
			 setup_ready: {ok: true, value: "10 of 10 workloads ready", required: "every workload ready"}}}' \
		>"$d/S10/new/run.json"
	jq '.description = "<script>alert(1)</script> & \"quotes\""' "$d/S10/expected.json" >"$d/S10/e" &&
		mv "$d/S10/e" "$d/S10/expected.json"
	# S11: only the new arm, with per-update records (an ECDF) and one series that failed.
	cp -r "$FIXTURES/results/single/S1" "$d/S11"
	"$FIXTURES/series.sh" "$d/S11/new" new 1767470000 60
	jq '.observed.rolls = 40 | .observed.expected_rolls = 40' "$d/S11/new/run.json" >"$d/S11/r" &&
		mv "$d/S11/r" "$d/S11/new/run.json"
	printf '{"status":"error","errorType":"timeout","error":"query timed out"}' >"$d/S11/new/series/goroutines.json"
	jq -cn 'range(10) as $i | {scheduled: (1767470020 + $i), rolled: (1767470020 + $i + 0.125 * ($i + 1))}' \
		>"$d/S11/new/updates.jsonl"
	echo '{"scheduled": 1767470040}' >>"$d/S11/new/updates.jsonl"
}

# xp XPATH [FILE]: XPath over the page (HTML parser; its complaints about HTML5 tags dropped).
xp() {
	xmllint --html --xpath "$1" "${2:-$PAGE}" 2>/dev/null
}

# report ID: compare's JSON report of a scenario.
report() {
	"$BIN/compare" --scenario "$1" --results-dir "$R" --format json || [ $? -eq 1 ]
}

@test "the page is written, with a summary table of every scenario in compare's order" {
	assert_file_exists "$PAGE"
	run cat "$BATS_FILE_TMPDIR/build.log"
	assert_output ''
	local want got
	want=$("$BIN/compare" --summary --results-dir "$R" --format json | jq -r '.scenarios[] | "\(.id) \(.status)"' || true)
	got=$(xp '//table[@class="summary"]/tbody/tr' | sed -n 's|.*<th scope="row"><a href="#s-\([^"]*\)">.*<span class="badge [A-Z]*">[^ ]* \([A-Z]*\)</span>.*|\1 \2|p')
	assert_equal "$got" "$want"
	# The verdict comes first, naming the scenarios that did not pass, each a link.
	run xp 'string(//header/p[contains(@class, "verdict")])'
	assert_output --partial 'FAIL 2 of 8 scenarios passed, 5 failed, 1 invalid: S1, S3, S4, S7, S9, S10'
	assert_equal "$(xp 'count(//header/p[contains(@class, "verdict")]/a)')" 6
	# Each FAIL or INVALID row says why, in compare's words; a PASS row says nothing.
	run xp 'string(//table[@class="summary"]/tbody/tr[th/a="S9"]/td[@class="why"])'
	assert_output 'arm new failed: scenario exited with status 2: the API server did not answer'
	run xp 'string(//table[@class="summary"]/tbody/tr[th/a="S10"]/td[@class="why"])'
	assert_output 'Invalid run, proves nothing either way: new: the intended rate was not reached'
	run xp 'string(//table[@class="summary"]/tbody/tr[th/a="S2"]/td[@class="why"])'
	assert_output ''
}

@test "each scenario's section: its status, every row of compare's report, the failed rows first" {
	local id n
	for id in S1 S2 S3 S4 S7 S9 S10 S11; do
		run xp "string(//section[@id=\"s-$id\"]/h2/span[starts-with(@class, \"badge\")])"
		assert_output --partial "$(report "$id" | jq -r .status)"
		n=$(report "$id" | jq '.rows | length')
		assert_equal "$(xp "count(//section[@id=\"s-$id\"]/table[caption=\"Every row ($n)\"]/tbody/tr)")" "$n"
		# The failed rows, in a table of their own, are exactly the rows that failed.
		assert_equal "$(xp "//section[@id=\"s-$id\"]/table[caption=\"Rows that failed\"]/tbody/tr/th/text()" | sed 's/^▶ //' || true)" \
			"$(report "$id" | jq -r '.rows[] | select(.status == "fail" or .status == "error") | .display_name')"
	done
	# A row as the text report shows it: values, expectations, the change and the reason.
	run xp '//section[@id="s-S7"]/table[caption="Rows that failed"]/tbody/tr[th="action_total"]'
	assert_output --partial '<td>50 <span class="exp">exp 50 ✓</span></td><td>30 <span class="exp">exp 50 ✗</span></td><td>-40%</td>'
	assert_output --partial '✘ fail</td><td class="why">new 30 misses expected 50 (±15%)</td>'
	# The driver's checks that failed, with what was measured and required.
	run xp '//section[@id="s-S10"]/table[caption="Run checks that failed"]/tbody/tr'
	assert_output '<tr class="r-fail"><td>new</td><th scope="row">rate_reached</th><td>3.1/s (31 of 50 updates)</td><td>&gt;= 90% of the intended 5.0/s</td></tr>'
	# An arm that failed says so.
	run xp 'string(//section[@id="s-S9"]/p[@class="problem"])'
	assert_output '✘ arm new failed: scenario exited with status 2: the API server did not answer'
}

@test "repeats: n, medians with their intervals, the change with its interval and p, per-repeat dots" {
	run xp '//section[@id="s-S3"]/table[caption="Rows that failed"]/tbody/tr[th="cpu_cores_avg (cores)"]'
	# old 0.012 in every repeat; new 0.041 .. 0.045, median 0.043 [0.041, 0.045].
	assert_output --partial '<td>0.012 <span class="ci">[0.012, 0.012]</span> <span class="n">n=5</span></td>'
	assert_output --partial '<td>0.043 <span class="ci">[0.041, 0.045]</span> <span class="n">n=5</span></td>'
	assert_output --regexp '<td>×3\.583 <span class="ci">\[[0-9.]+, [0-9.]+\]</span><br/?><span class="p">p<sub>adj</sub> = [0-9.e-]+</span> <span class="vword">regressed</span></td>'
	run xp 'string(//section[@id="s-S3"]/p[@class="meta"])'
	assert_output --partial 'Repeats: old 5, new 5'
	# The dots: one y tick per row judged over repeats whose old median is above 0, and a
	# dot per repeat and arm.
	local want
	want=$(report S3 | jq '[.rows[] | select(.repeats and (.repeats.exact | not) and (.old.value // 0) > 0
		and (.repeats.old.values | length) >= 2 and (.repeats.new.values | length) >= 2)] | length')
	((want > 10))
	run plot_script S3
	assert_equal "$(grep '^set ytics (' <<<"$output" | grep -o "' [0-9]*" | wc -l)" "$want"
	assert_equal "$(sed -n '/^\$rep_new << EOD$/,/^EOD$/p' <<<"$output" | grep -c '^[0-9]')" $((5 * want))
	assert_equal "$(xp 'count(//section[@id="s-S3"]//figure[@class="plot rep"]/*[local-name()="svg"])')" 1
	run xp 'string(//section[@id="s-S3"]//figure[@class="plot rep"]/figcaption)'
	assert_output --partial "Not drawn (old's median is not above 0): rest_client_requests_put"
	# Each series is drawn once per repeat.
	assert_equal "$(grep -c '^\$d_new_[0-9]_cpu_cores << EOD$' <(plot_script S3))" 5
}

# plot_script ID: the gnuplot script of a scenario (the jq program's first output).
plot_script() {
	local d=$R/$1 files=() f
	shopt -s nullglob
	for f in "$d"/{old,new}{,/[0-9]*}/{run.json,updates.jsonl,series/*.json}; do
		[ -f "$f" ] && files+=("$f")
	done
	shopt -u nullglob
	report "$1" >"$BATS_TEST_TMPDIR/report.json"
	jq -nr --slurpfile report "$BATS_TEST_TMPDIR/report.json" --arg dir "$d" --arg out /nonexistent \
		-f "$REPO_ROOT/tools/compare/report-html.jq" "${files[@]}" /dev/null | sed '/^@@HTML@@$/,$d'
}

@test "time series: one panel per recorded series, on one time axis; what is missing is said, never drawn as 0" {
	# S2 old is a v1.4.12-like build (no controller or REST client families), new has them;
	# neither exposes the workqueue depth.
	run xp '//section[@id="s-S2"]//figure[@class="plot ts"]//*[local-name()="text"]/text()'
	local t
	for t in 'CPU (cores)' 'RSS (MiB)' 'Go heap (MiB)' 'Goroutines' 'Reloads (per s)' \
		'Reconciles (per s) — old: not exposed' 'Actions (per s) — old: not exposed' \
		'API requests (per s) — old: not exposed' 'API errors (4xx, 5xx) (per s) — old: not exposed'; do
		assert_line "$t"
	done
	refute_line --partial 'Workqueue'
	run xp 'string(//section[@id="s-S2"]//figure[@class="plot ts"]/figcaption)'
	assert_output --partial 'Not drawn: Workqueue depth (old: not exposed, new: not exposed).'
	assert_output --partial 'the grey band is the update phase'
	# Seconds since each arm started: both arms from 0 to 120, though they ran 300 s apart;
	# values as recorded (old's RSS: 40.5 MiB at the start and at the end).
	run plot_script S2
	assert_line 'set xrange [0:120]'
	assert_line --regexp "^set object 1 rect from 24, graph 0 to 96, graph 1 "
	run sed -n '/^\$d_old__memory_rss_bytes << EOD$/,/^EOD$/p' <<<"$output"
	assert_line --index 1 '0 42467328'
	assert_line --index 61 '120 42467328'
	# No line is drawn for a series an arm does not expose.
	run plot_script S2
	refute_output --partial '$d_old__reconcile_rate'
	# A failed query is said, not drawn; S1 recorded no series at all.
	run xp 'string(//section[@id="s-S11"]//figure[@class="plot ts"]/figcaption)'
	assert_output --partial 'Not drawn: Goroutines (new: query failed); Workqueue depth (new: not exposed).'
	run xp 'string(//section[@id="s-S1"]/p[@class="noplot"])'
	assert_output 'No time series recorded for this scenario (promsnap --series).'
}

@test "update-to-roll latency: a CDF per arm, from run.json's quantiles or from per-update records" {
	# S1: p50, p95, p99 and max of each arm (tests/fixtures/gen.sh, observed).
	run plot_script S1
	run sed -n '/^\$lat_old_ << EOD$/,/^EOD$/p' <<<"$output"
	assert_output $'$lat_old_ << EOD\n0.2 0.5\n0.4 0.95\n0.5 0.99\n0.6 1\nEOD'
	run xp 'string(//section[@id="s-S1"]//figure[@class="plot lat"]/figcaption)'
	assert_output --partial 'From the quantiles each run kept'
	# S11: eleven updates, ten rolled after 0.125 .. 1.25 s: steps of 1/11, never reaching 1.
	run plot_script S11
	run sed -n '/^\$lat_new_ << EOD$/,/^EOD$/p' <<<"$output"
	assert_equal "${#lines[@]}" 12
	assert_line --index 1 '0.125 0.09090909090909091'
	assert_line --index 10 '1.25 0.9090909090909091'
	run plot_script S11
	assert_output --partial 'with steps'
	run xp 'string(//section[@id="s-S11"]//figure[@class="plot lat"]/figcaption)'
	refute_output --partial 'quantiles'
}

@test "self-contained: no external reference, no script, every id once, markup in data escaped" {
	# Outside of text (in tags and attributes) there is no URL at all; nothing is loaded.
	run bash -c "sed 's/>[^<]*</></g' '$PAGE' | grep -Eio 'https?:|src=|<script|<link|<iframe|<object|<embed|@import|url\\([^#]'"
	assert_output ''
	run grep -Eic 'https?://' "$PAGE"
	assert_output 0
	# gnuplot's ids, prefixed per plot: no two elements share one.
	run bash -c "grep -o ' id=[\"'\"'\"'][^\"'\"'\"']*' '$PAGE' | sort | uniq -d"
	assert_output ''
	# The description of S10 is markup, and is shown as text.
	run grep -c '<script' "$PAGE"
	assert_output 0
	run xp 'string(//section[@id="s-S10"]/h2/span[@class="desc"])'
	assert_output '<script>alert(1)</script> & "quotes"'
}

@test "the same results give the same page, byte for byte" {
	cp -r "$R" "$BATS_TEST_TMPDIR/again"
	rm "$BATS_TEST_TMPDIR/again/index.html"
	run -0 "$HTML" --bin "$BIN" "$BATS_TEST_TMPDIR/again"
	cmp "$PAGE" "$BATS_TEST_TMPDIR/again/index.html"
}

@test "bad input: one line, exit 2, nothing written; a file that is not JSON is left out of the plots" {
	run -2 "$HTML" --bin "$BIN" scenario "$R" S99 "$BATS_TEST_TMPDIR/p.html"
	assert_output "report-html: no scenario folder '$R/S99'"
	assert_file_not_exists "$BATS_TEST_TMPDIR/p.html"
	run -2 "$HTML" --bogus
	assert_output --partial "report-html: unknown option '--bogus' (usage: "
	# compare cannot read a snapshot: its message, and no part.
	cp -r "$FIXTURES/results/malformed" "$BATS_TEST_TMPDIR/m"
	run -2 "$HTML" --bin "$BIN" scenario "$BATS_TEST_TMPDIR/m" S3 "$BATS_TEST_TMPDIR/p.html"
	assert_output --regexp "^compare: .*reloader_action_total.json.*not valid JSON"
	assert_file_not_exists "$BATS_TEST_TMPDIR/p.html"
	run ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial '.p.html'
	# A series file cut short: the part is written without it, and says so once.
	cp -r "$R/S2" "$BATS_TEST_TMPDIR/S2c"
	mkdir "$BATS_TEST_TMPDIR/c" && mv "$BATS_TEST_TMPDIR/S2c" "$BATS_TEST_TMPDIR/c/S2"
	printf '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,' \
		>"$BATS_TEST_TMPDIR/c/S2/new/series/goroutines.json"
	run -0 "$HTML" --bin "$BIN" scenario "$BATS_TEST_TMPDIR/c" S2 "$BATS_TEST_TMPDIR/p.html"
	assert_output "report-html: S2: left out of the plots, not JSON: '$BATS_TEST_TMPDIR/c/S2/new/series/goroutines.json'"
	run grep -c '>Goroutines — new: not recorded<' "$BATS_TEST_TMPDIR/p.html"
	assert_output 1
}

@test "headless Chromium renders the page: not blank, no console error" {
	local chromium
	chromium=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$chromium" ] || cannot_run "Chromium is not installed (Debian's chromium; pipelines/deps.sh test installs it)"
	local shot=$BATS_TEST_TMPDIR/shot.png prof=$BATS_TEST_TMPDIR/profile
	local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		"--user-data-dir=$prof" --enable-logging=stderr --v=0 "--window-size=1280,2000")
	run --separate-stderr timeout 120 "$chromium" "${flags[@]}" --screenshot="$shot" "file://$PAGE"
	assert_success
	assert_file_exists "$shot"
	# Console messages (errors included), blocked loads and failed resources are logged
	# here; the page has none. (A page with an error shows what this looks for.)
	local noise=':CONSOLE|Uncaught|Refused to|net::ERR_|Failed to load'
	if grep -Ei "$noise" <<<"$stderr"; then
		fail "Chromium logged errors for the page"
	fi
	sed 's|</body>|<script>nosuchfunction();</script></body>|' "$PAGE" >"$BATS_TEST_TMPDIR/bad.html"
	run --separate-stderr timeout 120 "$chromium" "${flags[@]}" --screenshot="$BATS_TEST_TMPDIR/bad.png" \
		"file://$BATS_TEST_TMPDIR/bad.html"
	grep -Eq "$noise" <<<"$stderr" || fail "a script error was not seen in Chromium's log: $stderr"
	# Not blank: text, tables and plots give thousands of colours and some dark pixels.
	local w h colours dark
	read -r w h colours dark < <(python3 "$REPO_ROOT/tests/helpers/png.py" stats "$shot")
	assert_equal "$w $h" "1280 2000"
	((colours > 500)) || fail "only $colours colours in the screenshot"
	((dark >= 5 && dark < 500)) || fail "$dark per mille of dark pixels"
	# The DOM Chromium built holds the page's structure (it parsed the whole file).
	run --separate-stderr timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$PAGE"
	assert_success
	assert_equal "$(grep -o '<section class="scenario"' <<<"$output" | wc -l)" 8
	assert_output --partial '</html>'
}

@test "make report: the page from the parts, rebuilt only where a scenario changed" {
	grep -q 'index\.html' "$REPO_ROOT/Makefile" ||
		cannot_run "the Makefile has no rule for RESULTS_DIR/index.html yet (see pipelines/report-html.sh)"
	local r=$BATS_TEST_TMPDIR/results
	cp -r "$R" "$r"
	rm "$r/index.html"
	run make -s -C "$REPO_ROOT" RESULTS_DIR="$r" report
	assert_file_exists "$r/index.html"
	assert_file_exists "$r/S2/report.part.html"
	run make -s -C "$REPO_ROOT" -q RESULTS_DIR="$r" "$r/index.html"
	assert_success
	# A new series file of S2 rebuilds S2's part and the page, no other part.
	touch "$r/S2/new/series/cpu_cores.json"
	run make -s -C "$REPO_ROOT" -q RESULTS_DIR="$r" "$r/S2/report.part.html"
	assert_failure
	run make -s -C "$REPO_ROOT" -q RESULTS_DIR="$r" "$r/S3/report.part.html"
	assert_success
}
