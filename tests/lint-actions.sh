#!/usr/bin/env bash
# lint-actions.sh [FILE...]: lint the GitHub Actions example. A file named action.yml or
# action.yaml is a composite action: checked against GitHub's action metadata schema
# (check-jsonschema's vendored copy, no network), its ${{ }} references to inputs and step
# ids, and its bash steps with shellcheck. Any other file is a workflow: checked with
# actionlint, which runs shellcheck on its run: blocks. No FILE: the two example files.
#
# The linters are installed on first use, pinned, into
# ${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}/lint/ (later runs only
# test that they are there). One that cannot be installed is one line: with CI set (and not
# "false") that fails the run, otherwise the check says SKIPPED with the reason.
# Exit status: 0 clean (or skipped outside CI), 1 a file has problems or a linter is
# missing in CI, 2 bad usage.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ACTIONLINT_VERSION=v1.7.12
CHECK_JSONSCHEMA_VERSION=0.39.0
# check-jsonschema with every dependency pinned, as resolved for it (Python 3.11).
PY_PINS=(
	"check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
	attrs==26.1.0 certifi==2026.10.19.post1 charset-normalizer==3.5.3 click==8.5.1 idna==3.20
	jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0
	regress==2026.9.1 requests==2.34.2 rpds-py==2026.9.1 ruamel.yaml==0.19.1
	typing_extensions==4.16.0 urllib3==2.8.0
)

cache=${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}/lint
in_ci=""
if [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then in_ci=1; fi

say() { printf 'lint-actions: %s\n' "$*" >&2; }

case "${1:-}" in
-h | --help) sed -n '2,/^set -euo/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
-*) say "unknown option '$1' (usage: lint-actions.sh [FILE...])"; exit 2 ;;
esac
files=("$@")
if ((${#files[@]} == 0)); then
	ex=$root/examples/github
	[ "$PWD" != "$root" ] || ex=examples/github
	files=("$ex/loadtest.yml" "$ex/action/action.yml")
fi
for f in "${files[@]}"; do
	[ -r "$f" ] || { say "cannot read '$f'"; exit 2; }
done

problems=0  # files with findings
missing=0   # checks that could not run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A check that cannot run: fatal in CI, SKIPPED elsewhere.
cannot() {
	missing=$((missing + 1))
	if [ -n "$in_ci" ]; then say "cannot run $1 ($2)"; else echo "SKIPPED: $1 ($2)"; fi
}

# The last line of an install log, as the one-line reason.
last_line() { tail -n 1 "$1" | cut -c1-200; }

# Installs run under a lock, so two lints at once do not build the same thing twice.
lock() {
	mkdir -p "$cache"
	if command -v flock >/dev/null; then
		exec 9>"$cache/.lock"
		flock 9
	fi
}

# ---- actionlint (Go): built into a temp folder, renamed into place when whole ----
actionlint_bin=$cache/actionlint-$ACTIONLINT_VERSION/actionlint
install_actionlint() {
	[ -x "$actionlint_bin" ] && return 0
	command -v go >/dev/null || { why="no 'go' on PATH to build it"; return 1; }
	lock
	[ -x "$actionlint_bin" ] && return 0
	local dir=$cache/actionlint-$ACTIONLINT_VERSION log=$cache/actionlint-$ACTIONLINT_VERSION.log
	local part=$dir.part.$$
	say "installing actionlint $ACTIONLINT_VERSION into $dir (go install, about 30 s once)"
	rm -rf "$part"
	if ! (cd "$cache" && GOWORK=off GOBIN=$part GOFLAGS=-modcacherw \
		go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION") >"$log" 2>&1; then
		rm -rf "$part"
		why="go install failed: $(last_line "$log") (log: $log)"
		return 1
	fi
	rm -rf "$dir"
	mv "$part" "$dir"
}

# ---- check-jsonschema (PyPI): a venv, marked complete once pip has finished ----
venv=$cache/check-jsonschema-$CHECK_JSONSCHEMA_VERSION
install_check_jsonschema() {
	[ -f "$venv/.complete" ] && [ -x "$venv/bin/python" ] && return 0
	command -v python3 >/dev/null || { why="no python3 on PATH"; return 1; }
	lock
	[ -f "$venv/.complete" ] && [ -x "$venv/bin/python" ] && return 0
	local log=$venv.log
	say "installing check-jsonschema $CHECK_JSONSCHEMA_VERSION into $venv (pip, a few seconds once)"
	rm -rf "$venv"
	if ! { python3 -m venv "$venv" &&
		"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PINS[@]}"; } >"$log" 2>&1; then
		rm -rf "$venv"
		why="pip install failed: $(last_line "$log") (log: $log)"
		return 1
	fi
	: >"$venv/.complete"
}

have_shellcheck=""
if command -v shellcheck >/dev/null; then have_shellcheck=1; fi

# The composite action's own checks, beyond the schema: each `${{ }}` closes; inputs.X names
# a declared input; steps.X names a step id declared before it (or any, in outputs); and each
# bash or sh step is written to a file for shellcheck, padded so its lines are action.yml's.
read -r -d '' action_checks_py <<'EOF' || true
import re, sys
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

path, outdir = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    doc = YAML(typ="rt").load(f)
if not isinstance(doc, dict):
    sys.exit(0)  # the schema check has said what is wrong
problems = []
inputs = set(doc.get("inputs") or {})
runs = doc.get("runs")
steps = runs.get("steps") or [] if isinstance(runs, dict) else []
expr = re.compile(r"\$\{\{(.*?)\}\}", re.S)
ref = re.compile(r"\b(inputs|steps)\.([A-Za-z_][A-Za-z0-9_-]*)")

def problem(line, msg):  # line: 0-based, as ruamel counts
    problems.append("%s:%d: %s" % (path, line + 1, msg))

def check(node, line, known_steps):
    if isinstance(node, dict):
        for k, v in node.items():
            check(v, node.lc.value(k)[0], known_steps)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check(v, node.lc.item(i)[0], known_steps)
    elif isinstance(node, str):
        found = expr.findall(node)
        if node.count("${{") != len(found):
            problem(line, "an expression ${{ is not closed by }}")
        for e in found:
            for kind, name in ref.findall(e):
                if kind == "inputs" and name not in inputs:
                    problem(line, "inputs.%s: no such input" % name)
                elif kind == "steps" and name not in known_steps:
                    problem(line, "steps.%s: no step has that id (before this point)" % name)

all_ids = {s.get("id") for s in steps if isinstance(s, dict)}
check(doc.get("outputs") or {}, 0, all_ids)
seen = set()
for n, step in enumerate(steps):
    if not isinstance(step, dict):
        continue
    check(step, steps.lc.item(n)[0], seen)
    if step.get("id"):
        seen.add(step["id"])
    script = step.get("run")
    if not isinstance(script, str) or step.get("shell") not in ("bash", "sh"):
        continue
    line = step.lc.value("run")[0]
    if isinstance(script, FoldedScalarString):
        problem(line, "run: is a folded block (>), which joins lines: use a literal block (|)")
        continue
    # A literal block starts on the line after its | (1-based: line + 2).
    first = line + 2 if isinstance(script, LiteralScalarString) else line + 1
    body = expr.sub(lambda m: "_" * len(m.group(0)), script)
    with open("%s/step%d.sh" % (outdir, n), "w", encoding="utf-8") as out:
        out.write("# shellcheck shell=%s\n" % step["shell"] + "\n" * (first - 2) + body)
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF

lint_action() {
	local f=$1 dir
	dir=$(mktemp -d "$tmp/action.XXXXXX")
	if ! "$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "$f" >"$dir/schema.out" 2>&1; then
		cat "$dir/schema.out"
		return 1
	fi
	local rc=0
	"$venv/bin/python" -c "$action_checks_py" "$f" "$dir" || rc=1
	if [ -n "$have_shellcheck" ]; then
		local s name out l
		for s in "$dir"/step*.sh; do
			[ -e "$s" ] || continue
			# gcc format, NAME:LINE:COL: ...; the lines are the action's own, so name the action.
			name=${s##*/}
			if ! out=$(cd "$dir" && shellcheck -f gcc "$name"); then
				while IFS= read -r l; do printf '%s\n' "$f:${l#"$name":}"; done <<<"$out"
				rc=1
			fi
		done
	fi
	return "$rc"
}

# actionlint finds shellcheck (and pyflakes) on PATH by itself.
lint_workflow() { "$actionlint_bin" -no-color "$1"; }

workflows=() actions=()
for f in "${files[@]}"; do
	case "${f##*/}" in
	action.yml | action.yaml) actions+=("$f") ;;
	*) workflows+=("$f") ;;
	esac
done

if ((${#workflows[@]} > 0)); then
	why=""
	if install_actionlint; then
		for f in "${workflows[@]}"; do
			if lint_workflow "$f"; then echo "ok: actionlint: $f"; else problems=$((problems + 1)); fi
		done
	else
		cannot "actionlint $ACTIONLINT_VERSION on ${workflows[*]}" "$why"
	fi
fi
if ((${#actions[@]} > 0)); then
	why=""
	if install_check_jsonschema; then
		for f in "${actions[@]}"; do
			if lint_action "$f"; then echo "ok: action schema and checks: $f"; else problems=$((problems + 1)); fi
		done
	else
		cannot "the action metadata schema check (check-jsonschema $CHECK_JSONSCHEMA_VERSION) on ${actions[*]}" "$why"
	fi
fi
if [ -z "$have_shellcheck" ]; then
	cannot "shellcheck of the run: blocks" "no shellcheck on PATH"
fi

if ((problems > 0)); then
	say "$problems file(s) with problems"
	exit 1
fi
if ((missing > 0)) && [ -n "$in_ci" ]; then exit 1; fi
exit 0
