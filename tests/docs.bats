#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# The user documentation cannot drift from the sources: every report row and query has an
# entry in docs/metrics.md, every message the tools print is in docs/troubleshooting.md,
# the README links every doc, and the docs' relative links point at files that exist.

setup() {
	load helpers/common
}

# fake_repo DIR: the files the checkers read, copied from the repository.
fake_repo() {
	mkdir -p "$1/tools/compare" "$1/tools/promsnap" "$1/tools/lib" "$1/pipelines" "$1/docs"
	cp "$REPO_ROOT/tools/compare/rules.yaml" "$1/tools/compare/"
	cp "$REPO_ROOT/tools/promsnap/queries.yaml" "$1/tools/promsnap/"
	cp "$REPO_ROOT/docs/metrics.md" "$REPO_ROOT/docs/troubleshooting.md" "$1/docs/"
}

@test "every row of rules.yaml and every query of queries.yaml has an entry in docs/metrics.md" {
	run "$REPO_ROOT/tests/docs-check.sh"
	assert_success
	assert_output --regexp '^rows: [0-9]+ in rules.yaml; queries and series: [0-9]+ in queries.yaml; missing from docs/metrics.md: 0$'
}

@test "a new row or query without an entry in docs/metrics.md fails the check, naming it" {
	local d="$BATS_TEST_TMPDIR/repo"
	fake_repo "$d"
	sed -i 's/^scenarios:$/  - { name: brand_new_row, file: x.json, kind: info }\nscenarios:/' "$d/tools/compare/rules.yaml"
	printf '  - name: brand_new_series\n    query: sum(up)\n' >>"$d/tools/promsnap/queries.yaml"
	run "$REPO_ROOT/tests/docs-check.sh" "$d"
	assert_failure 1
	assert_line "row brand_new_row has no entry in $d/docs/metrics.md"
	assert_line "query brand_new_series has no entry in $d/docs/metrics.md"
}

@test "every message the tools print is listed in docs/troubleshooting.md" {
	run "$REPO_ROOT/tests/docs-messages.sh" --check "$REPO_ROOT/docs/troubleshooting.md"
	assert_success
	assert_output --regexp '^[0-9]+ messages, all listed in .*docs/troubleshooting.md$'
	# The collector finds the messages of every kind of source, not a handful.
	run "$REPO_ROOT/tests/docs-messages.sh"
	assert_line --partial "pipelines/deps.sh	missing Debian packages: %s; run: sudo sh -c '%s'"
	assert_line --partial "tools/scenario/model_objects.c	unknown via '%s' (env_from, init_env_from, env_key, volume, projected)"
	assert_line --partial "tools/kindctl/local_arms.c	port %s, where Reloader serves its metrics, is held by %s: stop it first%s"
	[ "$(printf '%s\n' "$output" | wc -l)" -gt 300 ] || fail "only $(printf '%s\n' "$output" | wc -l) messages found"
}

@test "a new message in the sources that the doc does not list fails the check, naming it" {
	local d="$BATS_TEST_TMPDIR/repo"
	fake_repo "$d"
	cat >"$d/tools/lib/new.c" <<-'C'
		int f(const char *p) { return errorf("cannot frobnicate '%s': %.1f%% done", p, 1.0); }
		void g(void) { dief(2, "out of memory"); }
	C
	cat >"$d/pipelines/new.sh" <<-'SH'
		#!/bin/bash
		die "the widget $name is ${state}"
	SH
	run "$REPO_ROOT/tests/docs-messages.sh" --check "$d/docs/troubleshooting.md" "$d"
	assert_failure 1
	assert_line "cannot frobnicate '%s': %s% done"
	assert_line "the widget %s is %s"
	refute_line "out of memory"
	assert_line "2 of 3 messages missing"
}

@test "the README links every document under docs/ and ARCHITECTURE.md, and every relative link in them resolves" {
	local f link target
	cd "$REPO_ROOT"
	for f in docs/*.md ARCHITECTURE.md; do
		grep -qF "($f)" README.md || fail "README.md does not link $f"
	done
	for f in docs/*.md README.md ARCHITECTURE.md; do
		while IFS= read -r link; do
			target=${link%%#*}
			[ -z "$target" ] || [ -e "$(dirname "$f")/$target" ] || fail "$f links $link, which does not exist"
		done < <(grep -oE '\]\([^)#:]*(#[^)]*)?\)' "$f" | sed 's/^](//; s/)$//')
	done
}
