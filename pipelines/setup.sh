#!/usr/bin/env bash
# setup.sh: what `make loadtest` needs before its first cluster, checked (and installed when
# missing) up front instead of inside `kindctl create`: the packages and Go (deps.sh), and on
# the local provider the control plane and Reloader binaries, built from the Go module proxy
# once per machine with one progress line per artefact. Costs a fraction of a second when
# everything is there. Environment: PROVIDER, OLD_IMAGE, NEW_IMAGE (as the pipeline sets them).
set -euo pipefail
# shellcheck source=pipelines/lib.sh
. "$(dirname "$0")/lib.sh"

: "${PROVIDER:?}"
"$REPO_ROOT/pipelines/deps.sh" loadtest --provider "$PROVIDER"
[ "$PROVIDER" = local ] || exit 0

# The Reloader releases asked for, as the local provider names them (kindctl's
# reloader_binary: stakater/reloader:vX.Y.Z from the usual registries, or bin:/path).
versions=()
for image in "${OLD_IMAGE:-}" "${NEW_IMAGE:-}"; do
	case "$image" in
	"") ;;
	bin:/*) [ -x "${image#bin:}" ] || die "'${image#bin:}': not an executable file (OLD_IMAGE/NEW_IMAGE bin:PATH)" ;;
	stakater/reloader:v* | docker.io/stakater/reloader:v* | ghcr.io/stakater/reloader:v*)
		v=${image##*:}
		[[ $v =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
			die "'$image': the local provider builds Reloader releases, tagged vX.Y.Z"
		versions+=("$v")
		;;
	*) die "'$image': the local provider runs Reloader as a host process; name it stakater/reloader:vX.Y.Z or bin:/path/to/reloader" ;;
	esac
done

builder=$REPO_ROOT/tools/kindctl/build-binaries.sh
RELOADER_VERSIONS=""
# shellcheck source=/dev/null
. "$REPO_ROOT/tools/kindctl/versions.env"

# quiet: the builder's progress lines as they come, less its "up to date" ones when nothing
# is built (then it prints nothing at all); its stdout (the paths) is not wanted.
quiet() {
	local line using="" shown=""
	while IFS= read -r line; do
		case "$line" in
		"build-binaries: using "*) using=$line ;;
		"build-binaries: ["*"]"*": up to date") ;;
		"build-binaries: cache: "*) [ -z "$shown" ] || printf '%s\n' "$line" >&2 ;;
		*)
			[ -n "$shown" ] || [ -z "$using" ] || printf '%s\n' "$using" >&2
			shown=1
			printf '%s\n' "$line" >&2
			;;
		esac
	done
}

"$builder" all 2>&1 >/dev/null | quiet
for v in "${versions[@]+"${versions[@]}"}"; do
	[[ " $RELOADER_VERSIONS " == *" $v "* ]] && continue
	"$builder" reloader "$v" 2>&1 >/dev/null | quiet
done
