#!/usr/bin/env bash
# report-html.sh: the HTML report, one self-contained page (inline CSS and SVG, no script,
# nothing fetched) with the verdicts, tables and plots of every scenario.
#
#   report-html.sh [--bin DIR] [--rules FILE] RESULTS_DIR
#       the whole page: RESULTS_DIR/index.html
#   report-html.sh [--bin DIR] [--rules FILE] scenario RESULTS_DIR ID OUT
#       one scenario's part (its verdict, rows and plots) to OUT
#   report-html.sh index SUMMARY_JSON OUT [PART...]
#       the page from the summary (`compare --summary --format json`) and the parts, each
#       PART being RESULTS_DIR/ID/<file> (its folder names its scenario)
#
# The plots are drawn by gnuplot (Debian's gnuplot-nox; one script per scenario, SVG
# terminal) from what the arms left: ARM/series/*.json (`promsnap --series`), ARM/run.json,
# ARM/updates.jsonl; with repeats, ARM/K/... tools/compare/report-html.jq builds a
# scenario's part and its gnuplot script; report-index.jq and report-html.css the page.
# --bin: where compare is (default $LOADTEST_BIN, else bin/ of this checkout); --rules:
# compare's --rules. Every output is written to a temporary name in its folder and
# renamed. Exit status: 0 written, 2 trouble (one line says what; nothing written).
set -euo pipefail
here=${BASH_SOURCE[0]%/*}
[ "$here" != "${BASH_SOURCE[0]}" ] || here=.
# The jq programs and the style sheet.
share=$here/../tools/compare
bin=${LOADTEST_BIN:-$here/../bin}
rules=""

say() { printf 'report-html: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 2
}
usage() {
	die "$* (usage: report-html.sh [--bin DIR] [--rules FILE] RESULTS_DIR | scenario RESULTS_DIR ID OUT | index SUMMARY_JSON OUT [PART...])"
}

while (($# > 0)); do
	case "$1" in
	--bin) (($# >= 2)) || usage "--bin needs a folder"; bin=$2; shift 2 ;;
	--rules) (($# >= 2)) || usage "--rules needs a file"; rules=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
	--) shift; break ;;
	-*) usage "unknown option '$1'" ;;
	*) break ;;
	esac
done

tmp="" pending=""
cleanup() {
	[ -z "$tmp" ] || rm -rf "$tmp"
	[ -z "$pending" ] || rm -f "$pending"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/report-html.XXXXXX")

# write_to DEST CMD...: CMD's output becomes DEST, through a temporary name in DEST's folder
# (removed on failure, and by the exit trap if interrupted).
write_to() {
	local dest=$1
	shift
	case "$dest" in
	*/*) pending="${dest%/*}/.${dest##*/}.$$" ;;
	*) pending=".$dest.$$" ;;
	esac
	if ! { "$@" >"$pending" && mv -f "$pending" "$dest"; }; then
		rm -f "$pending"
		die "cannot write '$dest'"
	fi
	pending=""
}

compare_() {
	local rc=0
	"$bin/compare" ${rules:+--rules "$rules"} "$@" || rc=$?
	# 1 is a verdict (something failed), not trouble; compare has said what went wrong.
	[ "$rc" -le 1 ] || exit 2
}

# splice PREFIX FILE: FILE with each line "@@SVG name@@" replaced by gnuplot's $tmp/name.svg,
# made fit for a page holding many of them: no XML prolog or namespaces (inline SVG needs
# none), every id prefixed with PREFIX (the plots share gnuplot's ids), no empty groups.
splice() {
	awk -v dir="$tmp" -v pre="$1" '
	function svg(name,    f, line, pend, started) {
		f = dir "/" name ".svg"
		pend = ""
		while ((getline line < f) > 0) {
			if (!started) {
				if (line !~ /^<svg/) continue
				started = 1
			}
			if (line ~ /^ *xmlns(:xlink)?="[^"]*" *$/ || line ~ /^<(title|desc)>.*<\/(title|desc)>$/) continue
			gsub(/xlink:href=/, "href=", line)
			gsub(/ id=["\047]/, "&" pre "-" name "-", line)
			gsub(/href=["\047]#/, "&" pre "-" name "-", line)
			gsub(/url\(#/, "&" pre "-" name "-", line)
			gsub(/ stroke-linecap="butt"| stroke-linejoin="miter"/, "", line)
			if (pend != "") {
				if (line ~ /^[ \t]*<\/g>[ \t]*$/) { pend = ""; continue }
				print pend
				pend = ""
			}
			if (line ~ /^[ \t]*<g [^>]*>[ \t]*$/) { pend = line; continue }
			print line
		}
		if (pend != "") print pend
		close(f)
		if (!started) { print "report-html: no SVG in " f > "/dev/stderr"; exit 2 }
	}
	/^@@SVG [a-z]+@@$/ { svg(substr($2, 1, length($2) - 2)); next }
	{ print }' "$2"
}

# scenario_part RESULTS_DIR ID OUT
scenario_part() {
	local results=$1 id=$2 out=$3 sdir="$1/$2" files=() kept=() f
	[ -d "$sdir" ] || die "no scenario folder '$sdir'"
	rm -f "$tmp"/*.svg
	compare_ --results-dir "$results" --scenario "$id" --format json --output "$tmp/report.json"
	shopt -s nullglob
	for f in "$sdir"/{old,new}{,/[0-9]*}/{run.json,updates.jsonl,series/*.json}; do
		[ -f "$f" ] && files+=("$f")
	done
	shopt -u nullglob
	local jqargs=(-nr --slurpfile report "$tmp/report.json" --arg dir "$sdir" --arg out "$tmp"
		-f "$share/report-html.jq")
	if ! jq "${jqargs[@]}" "${files[@]}" /dev/null >"$tmp/out" 2>"$tmp/jq.err"; then
		# A file that is not JSON (a run cut short): leave it out, say so, draw the rest.
		for f in "${files[@]}"; do
			if jq empty "$f" 2>/dev/null; then
				kept+=("$f")
			else
				say "$id: left out of the plots, not JSON: '$f'"
			fi
		done
		jq "${jqargs[@]}" "${kept[@]}" /dev/null >"$tmp/out" 2>"$tmp/jq.err" ||
			die "$id: could not build the part: $(head -c 300 "$tmp/jq.err")"
	fi
	awk -v gp="$tmp/plot.gp" -v html="$tmp/part.html" \
		'/^@@HTML@@$/ { h = 1; next } { print > (h ? html : gp) }' "$tmp/out"
	if grep -q '^set output' "$tmp/plot.gp"; then
		command -v gnuplot >/dev/null ||
			die "$id: gnuplot is missing: install Debian's gnuplot-nox (pipelines/deps.sh test)"
		gnuplot "$tmp/plot.gp" 2>"$tmp/gnuplot.err" ||
			die "$id: gnuplot failed: $(grep -v '^ *$' "$tmp/gnuplot.err" | head -n 3 | tr '\n' ' ')"
	fi
	write_to "$out" splice "s-${id//[^A-Za-z0-9_-]/_}" "$tmp/part.html"
}

# index SUMMARY OUT PART...
index_page() {
	local summary=$1 out=$2 ids="" p d
	shift 2
	for p in "$@"; do
		[ -f "$p" ] || die "no part '$p'"
		d=${p%/*}
		ids+="${d##*/}"$'\n'
	done
	jq -r --rawfile css "$share/report-html.css" --arg parts "$ids" -f "$share/report-index.jq" "$summary" \
		>"$tmp/page" || die "could not read the summary '$summary'"
	# Each "@@PART id@@" line becomes that scenario's part, read from the file named for it.
	for p in "$@"; do
		d=${p%/*}
		printf '%s\t%s\n' "${d##*/}" "$p"
	done >"$tmp/parts.map"
	# shellcheck disable=SC2016 # an awk program
	write_to "$out" awk -F '\t' '
	FILENAME == ARGV[1] { part[$1] = $2; next }
	/^@@PART .*@@$/ {
		f = part[substr($0, 8, length($0) - 9)]
		while ((getline line < f) > 0) print line
		close(f)
		next
	}
	{ print }' "$tmp/parts.map" "$tmp/page"
}

case "${1:-}" in
"") usage "nothing to do" ;;
scenario)
	(($# == 4)) || usage "scenario takes RESULTS_DIR ID OUT"
	scenario_part "$2" "$3" "$4"
	;;
index)
	(($# >= 3)) || usage "index takes SUMMARY_JSON OUT [PART...]"
	shift
	index_page "$@"
	;;
*)
	(($# == 1)) || usage "unexpected argument '$2'"
	results=${1%/}
	[ -d "$results" ] || die "no results folder '$results'"
	parts=()
	for d in "$results"/*/; do
		d=${d%/}
		[ -d "$d/old" ] || [ -d "$d/new" ] || continue
		id=${d##*/}
		mkdir -p "$tmp/parts/$id"
		scenario_part "$results" "$id" "$tmp/parts/$id/part.html"
		parts+=("$tmp/parts/$id/part.html")
	done
	compare_ --results-dir "$results" --summary --format json --output "$tmp/summary.json"
	index_page "$tmp/summary.json" "$results/index.html" "${parts[@]}"
	;;
esac
