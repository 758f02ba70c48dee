#!/usr/bin/env bash
# run.sh SECONDS NAME...: run each fuzz harness build/fuzz/fuzz_NAME for SECONDS seconds,
# seeded from the fixtures (build/fuzz/seeds/NAME, made here) and its own corpus so far
# (build/fuzz/corpus/NAME, kept between runs). libFuzzer runs in fork mode, so a crash is
# saved (build/fuzz/crashes/NAME/) and the run goes on. Prints one line per harness:
# executions, executions per second, crashes. Exit status 1 when a harness crashed.
# Environment: FUZZ_RSS_MB (memory limit of an input, 2048), FUZZ_TIMEOUT (seconds an
# input may take, 10), FUZZ_JOBS (parallel workers per harness, 1).
set -euo pipefail

secs=$1
shift
top=$PWD
out=build/fuzz
rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_JOBS:-1}

# Seeds: each file under its content's hash, so a fixture in two places is one seed.
put() {
	mv "$2" "$1/$(sha1sum <"$2" | cut -c1-16)"
}
seed() {
	local dir=$out/seeds/$1 files=() f hash
	shift
	for f in "$@"; do
		[ -f "$f" ] && files+=("$f")
	done
	((${#files[@]} > 0)) || return 0
	sha1sum "${files[@]}" | while read -r hash f; do
		cp "$f" "$dir/${hash:0:16}"
	done
}
# Seeds made of a prefix (a printf format) and a file.
seed_prefixed() {
	local dir=$out/seeds/$1 pre=$2 f
	shift 2
	for f in "$@"; do
		# shellcheck disable=SC2059 # the prefix is a printf escape on purpose
		{ printf "$pre"; cat "$f"; } >"$dir/new"
		put "$dir" "$dir/new"
	done
}
# fuzz_report's input: a results folder's files as sections "@x" (see fuzz_report.c).
seed_report() {
	local dir=$out/seeds/report s f letter n=0
	local -A slot=([expected.json]=a [old/expected.json]=b [new/expected.json]=c [old/run.json]=d
		[new/run.json]=e [old/FAILED]=f [new/INVALID]=g
		[old/reloader_reload_executed_total.json]=h [new/reloader_reload_executed_total.json]=i
		[new/rest_client_requests_total.json]=j)
	for s in tests/fixtures/results/*/*/; do
		n=$((n + 1))
		{
			for f in "${!slot[@]}"; do
				[ -f "$s$f" ] || continue
				letter=${slot[$f]}
				printf '@%s\n' "$letter"
				cat "$s$f"
				printf '\n'
			done
		} >"$dir/fixture-$n"
	done
}

make_seeds() {
	local name f
	for f in tests/fuzz/fuzz_*.c; do
		name=${f#tests/fuzz/fuzz_}
		name=${name%.c}
		rm -rf "${out:?}/seeds/$name"
		mkdir -p "$out/seeds/$name"
		seed "$name" tests/fuzz/seeds/"$name"/* tests/fuzz/crashers/"$name"/*
	done
	seed rules tools/compare/rules.yaml tools/promsnap/queries.yaml
	seed queries tools/promsnap/queries.yaml tools/compare/rules.yaml
	seed kubeconfig tests/fixtures/kubeconfig/merge/first.yaml tests/fixtures/kubeconfig/merge/second/config \
		tests/fixtures/kubeconfig/bad/*.yaml
	seed scenario tools/scenario/scenarios/*.yaml tests/fixtures/scenarios/*.yaml
	mapfile -t results < <(find tests/fixtures/results -name '*.json' -type f)
	seed prom "${results[@]}"
	# fuzz_promapi: the status byte (0: 200, 6: 503, 4: 400), then the body.
	mapfile -t bodies < <(find tests/fixtures/results -name '*.json' -type f ! -name run.json ! -name expected.json |
		sort | awk 'NR % 7 == 1')
	seed_prefixed promapi '\000' "${bodies[@]}"
	printf '\006{"status":"error","errorType":"unavailable","error":"tsdb not ready"}' >"$out/seeds/promapi/503"
	printf '\004{"status":"error","errorType":"bad_data","error":"parse error at char 3"}' >"$out/seeds/promapi/400"
	seed_report
	# fuzz_pattern: index 5, then each name pattern of the shipped scenarios.
	grep -ho 'name: *"\{0,1\}[a-z0-9-]*{[^"}]*}[^", }]*' tools/scenario/scenarios/*.yaml |
		sed 's/^name: *"\{0,1\}//' | sort -u | while IFS= read -r p; do
		printf '\005\0\0\0\0\0\0\0%s' "$p" >"$out/seeds/pattern/$(printf '%s' "$p" | sha1sum | cut -c1-16)"
	done
}

dict_of() {
	case $1 in
	rules | queries | kubeconfig | scenario | pattern) echo tests/fuzz/yaml.dict ;;
	*) echo tests/fuzz/json.dict ;;
	esac
}

make_seeds
status=0
printf '%-16s %12s %10s %8s %s\n' harness executions exec/s crashes notes
for name in "$@"; do
	bin=$top/$out/fuzz_$name
	corpus=$out/corpus/$name
	crashes=$out/crashes/$name
	logs=$out/logs
	mkdir -p "$corpus" "$crashes" "$logs" "$out/tmp"
	before=$(find "$crashes" -type f ! -name "*.txt" | wc -l)
	touch "$logs/$name.stamp"
	# Scratch files of the harnesses (TMPDIR) stay under build/fuzz.
	# Leaks are looked for afterwards: libjq's frames cannot be unwound fast (see lsan.supp),
	# and a check with the slow unwinder on every input would be 30 times slower.
	start=$SECONDS
	ASAN_OPTIONS=detect_leaks=0 TMPDIR=$top/$out/tmp "$bin" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
		-max_total_time="$secs" -max_len=65536 -rss_limit_mb="$rss" -timeout="$timeout" \
		-detect_leaks=0 -close_fd_mask=3 -dict="$(dict_of "$name")" -artifact_prefix="$crashes/" \
		"$corpus" "$out/seeds/$name" >"$logs/$name.log" 2>&1 || true
	elapsed=$((SECONDS - start))
	# The leak pass: every input of the corpus once, with whole stacks and the suppressions.
	ASAN_OPTIONS=fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0 \
		TMPDIR=$top/$out/tmp "$bin" -runs=0 -rss_limit_mb="$rss" -timeout="$timeout" -close_fd_mask=3 \
		-artifact_prefix="$crashes/" "$corpus" >"$logs/$name.leaks.log" 2>&1 || true
	rm -rf "${out:?}/tmp/"fuzz-*
	# Fork mode's last status line: "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts ..."
	last=$(grep -E '^#[0-9]+: cov:' "$logs/$name.log" | tail -1 || true)
	execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
	# (Fork mode's own exec/s field stays 0 in clang 14: worked out from the time instead.)
	t=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$last")
	t=${t:-$elapsed}
	rate=$((${execs:-0} / (t > 0 ? t : 1)))
	otc=$(sed -nE 's/.*oom\/timeout\/crash: ([0-9\/]+).*/\1/p' <<<"$last")
	after=$(find "$crashes" -type f ! -name "*.txt" | wc -l)
	new=$((after - before))
	notes="oom/timeout/crash ${otc:-?}"
	[ -n "$last" ] || notes="no status line: see $logs/$name.log"
	printf '%-16s %12s %10s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "$new" "$notes"
	((new == 0)) || status=1
	# What each new input does, run again alone: one line per kind of defect, with a count.
	find "$crashes" -type f -newer "$logs/$name.stamp" ! -name '*.txt' | sort | while read -r f; do
		"$bin" -runs=1 -rss_limit_mb="$rss" -timeout="$timeout" -close_fd_mask=3 "$f" 2>&1 |
			grep -E 'runtime error|SUMMARY: |ERROR: libFuzzer' | sort -r | head -1 |
			sed -E 's/^==[0-9]+== ?//; s/(runtime error: [^:]*:).*/\1/; s/ in $//' || true
	done | sort | uniq -c | sort -rn >"$crashes/kinds.txt"
	sed 's/^/    /' "$crashes/kinds.txt"
done
exit "$status"
