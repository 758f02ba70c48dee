#!/usr/bin/env bash
# The messages the tools can print, collected from the sources, one a line as
# "FILE<TAB>NORMALISED-FORMAT": errorf/warnf/dief/usagef calls (and errorf_errno/warnf_errno, with
# the ": %s" of strerror they add) in tools/**/*.c, die/say/warn/fail calls in the shell
# scripts of pipelines/ and tools/. A format is normalised by writing
# every conversion (%s, %ld, %.1f, ...) and every shell expansion ($x, ${x}, $(...)) as %s,
# so that docs/troubleshooting.md can list it once, whatever the arguments.
# Usage: tests/docs-messages.sh [REPO]    (default: the repository this script is in)
# With --check DOC: exit 1 and name every message DOC does not contain.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
doc=
if [ "${1:-}" = --check ]; then
	doc=${2:?usage: docs-messages.sh --check DOC}
	shift 2
fi
root=${1:-$root}

collect() {
	local -a c sh
	mapfile -t c < <(find "$root/tools" -name '*.c' | sort)
	mapfile -t sh < <({ find "$root/pipelines" -type f \( -name '*.sh' -o -name loadtest \); \
		find "$root/tools" -name '*.sh'; } | sort)
	# C: the adjacent string literals that start the format, joined.
	perl -0777 -ne '
		my $f = $ARGV; $f =~ s{^\Q'"$root"'\E/}{};
		while (/\b(errorf_errno|warnf_errno|errorf|warnf|dief|usagef|ydoc_error|perr|exec_fail|bad|set_error)\s*\(\s*(?:[^,;"()]*(?:\([^()]*\))?[^,;"()]*,\s*){0,2}((?:"(?:[^"\\]|\\.)*"\s*)+)/g) {
			my $fn = $1; my $lit = $2; my $s = "";
			$s .= $1 while $lit =~ /"((?:[^"\\]|\\.)*)"/g;
			$s =~ s/\\n$//; $s =~ s/\\"/"/g; $s =~ s/\\\\/\\/g; $s =~ s/\\t/ /g;
			$s =~ s/%%/\x01/g;
			$s =~ s/%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp]/%s/g;
			$s =~ s/\x01/%/g;
			$s .= ": %s" if $fn =~ /_errno$/;	# strerror(errno), as errorf_errno adds it
			print "$f\t$s\n" if $s =~ /[A-Za-z]/;
		}' "${c[@]}"
	# Shell: a double-quoted first argument of die, say, warn or fail.
	perl -ne '
		my $f = $ARGV; $f =~ s{^\Q'"$root"'\E/}{};
		next if /^\s*#/;
		while (/(?:^|[\s;&|(])(?:die|say|warn|fail)\s+"((?:[^"\\]|\\.)*)"/g) {
			my $s = $1;
			$s =~ s/\$\(\(.*?\)\)/%s/g;
			$s =~ s/\$\((?:[^()]|\([^()]*\))*\)/%s/g;
			$s =~ s/\$\(.*$/%s/;	# a command substitution holding quotes: cut at its start
			$s =~ s/\$\{[^}]*\}/%s/g;
			$s =~ s/\$[A-Za-z_][A-Za-z_0-9]*|\$[*@#?0-9]/%s/g;
			$s =~ s/\\(["\$`\\])/$1/g;
			print "$f\t$s\n" if $s =~ /[A-Za-z]/ && $s ne "%s";
		}' "${sh[@]}"
}

if [ -z "$doc" ]; then
	collect | sort -u
	exit 0
fi
# Every distinct normalised message must appear verbatim in the document.
missing=$(collect | cut -f2 | sort -u | while IFS= read -r m; do
	grep -qF -- "$m" "$doc" || printf '%s\n' "$m"
done)
found=$(collect | cut -f2 | sort -u | wc -l)
if [ -n "$missing" ]; then
	printf 'not in %s:\n%s\n' "$doc" "$missing"
	printf '%d of %d messages missing\n' "$(printf '%s\n' "$missing" | wc -l)" "$found"
	exit 1
fi
printf '%d messages, all listed in %s\n' "$found" "$doc"
