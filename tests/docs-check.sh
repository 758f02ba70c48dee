#!/usr/bin/env bash
# Every report row of tools/compare/rules.yaml and every query and time series of
# tools/promsnap/queries.yaml must have an entry (its name in backquotes) in docs/metrics.md.
# Prints the counts; exit 1 naming what is missing.
# Usage: tests/docs-check.sh [REPO]
set -euo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
doc=$root/docs/metrics.md
rules=$root/tools/compare/rules.yaml
queries=$root/tools/promsnap/queries.yaml

# Row names: "name: X" in the metrics list, before the per-scenario overrides.
mapfile -t rows < <(sed -n '/^metrics:/,/^scenarios:/p' "$rules" | grep -v '^ *#' |
	grep -oE '(^|[{ ,-])name: *[A-Za-z0-9_]+' | sed 's/.*name: *//')
mapfile -t names < <(grep -v '^ *#' "$queries" | grep -oE '^ *- name: *[A-Za-z0-9_]+' | sed 's/.*name: *//')
[ "${#rows[@]}" -gt 0 ] || { echo "no rows found in $rules" >&2; exit 2; }
[ "${#names[@]}" -gt 0 ] || { echo "no queries found in $queries" >&2; exit 2; }

missing=0
for n in "${rows[@]}"; do
	grep -qF -- "| \`$n\` |" "$doc" || { echo "row $n has no entry in $doc"; missing=$((missing + 1)); }
done
for n in "${names[@]}"; do
	grep -qF -- "\`$n\`" "$doc" || { echo "query $n has no entry in $doc"; missing=$((missing + 1)); }
done
echo "rows: ${#rows[@]} in rules.yaml; queries and series: ${#names[@]} in queries.yaml; missing from docs/metrics.md: $missing"
[ "$missing" -eq 0 ]
