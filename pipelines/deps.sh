#!/usr/bin/env bash
# deps.sh [--check] [--provider P] NEED...: make sure this machine has what NEED needs, and
# install what is missing (Debian packages, with apt-get, as root or through passwordless
# sudo). The one list of the project's dependencies: make, .ci/run and `make deps` use it.
#   NEED: build     compilers and libraries of the tools
#         test      build, plus the test suite's tools (bats, shellcheck, valgrind,
#                   Prometheus, python3, openssl, curl, git, xmllint, clang for the
#                   fuzzers, gnuplot, Chromium for the HTML test) and Go for the live tests
#         loadtest  build, plus what the pipeline runs (Prometheus and Go on the local
#                   provider, given by --provider)
#         report    what `make report` needs besides the tools: jq, gnuplot (the HTML plots)
#         lint      shellcheck
#   --check         only check: never install; what is missing is one line and exit 1
#   --provider P    the load-test provider (local needs Go and Prometheus; kind and existing
#                   do not)
# Exit status: 0 everything is there, 1 something is missing and was not installed (one line
# says what to run), 2 bad usage. Environment: LOADTEST_SKIP_DEPS=1 skips every check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'deps: %s\n' "$*" >&2; }
usage_error() {
	say "$* (usage: deps.sh [--check] [--provider P] build|test|loadtest|report|lint...)"
	exit 2
}

pkgs_build=(make gcc libc6-dev pkg-config libjq-dev jq libyaml-dev libcurl4-openssl-dev)
pkgs_test=(bats bats-assert bats-support bats-file shellcheck valgrind prometheus python3 openssl curl git libxml2-utils clang libclang-rt-14-dev gnuplot-nox chromium)
pkgs_loadtest=(curl git gnuplot-nox)
pkgs_report=(jq gnuplot-nox)
pkgs_local=(prometheus)
pkgs_lint=(shellcheck)

check_only=""
provider=""
needs=()
while (($# > 0)); do
	case "$1" in
	--check) check_only=1 ;;
	--provider) (($# >= 2)) || usage_error "--provider needs a value"; provider=$2; shift ;;
	--provider=*) provider=${1#*=} ;;
	-h | --help) sed -n '2,/^set -euo/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
	build | test | loadtest | report | lint) needs+=("$1") ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
	shift
done
((${#needs[@]} > 0)) || usage_error "nothing to check"
[ -z "${LOADTEST_SKIP_DEPS:-}" ] || exit 0

want=()
need_go=""
for n in "${needs[@]}"; do
	case "$n" in
	build) want+=("${pkgs_build[@]}") ;;
	test) want+=("${pkgs_build[@]}" "${pkgs_test[@]}"); need_go=1 ;;
	loadtest)
		want+=("${pkgs_build[@]}" "${pkgs_loadtest[@]}")
		if [ "$provider" = local ]; then
			want+=("${pkgs_local[@]}")
			need_go=1
		fi
		;;
	report) want+=("${pkgs_report[@]}") ;;
	lint) want+=("${pkgs_lint[@]}") ;;
	esac
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

# ---- Debian packages: one dpkg-query for all of them (a few milliseconds) ----
missing=()
if ! command -v dpkg-query >/dev/null; then
	say "cannot check packages: this is not a Debian-based system (no dpkg-query); install the equivalents of: ${want[*]}, then rerun with LOADTEST_SKIP_DEPS=1"
	exit 1
fi
declare -A have=()
while read -r name state; do
	[ "$state" = installed ] && have[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${want[@]}" 2>/dev/null || true)
for p in "${want[@]}"; do
	[ -n "${have[$p]:-}" ] || missing+=("$p")
done

# A freshly installed prometheus package starts a system service on :9090, the port every
# Reloader release serves its metrics on: stop it, or no local arm could start.
quiet_prometheus_service() {
	command -v systemctl >/dev/null || return 0
	if [ ! -d /run/systemd/system ]; then
		# No systemd running (a container): only make sure it will not start at the next boot.
		"${sudo[@]}" systemctl disable prometheus >/dev/null 2>&1 || true
		return 0
	fi
	systemctl is-active --quiet prometheus 2>/dev/null || return 0
	"${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || {
		say "the prometheus system service holds :9090, which Reloader's metrics need; stop it: sudo systemctl disable --now prometheus"
		return 1
	}
	say "stopped and disabled the prometheus system service that the package started: it listens on :9090, which Reloader's metrics need (the load test runs its own Prometheus; to undo: sudo systemctl enable --now prometheus)"
}

sudo=()
if ((${#missing[@]} > 0)); then
	cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	if [ -n "$check_only" ]; then
		say "missing Debian packages: ${missing[*]}; run: sudo sh -c '$cmd'"
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo=(sudo)
		else
			say "missing Debian packages: ${missing[*]}; run: sudo sh -c '$cmd'"
			exit 1
		fi
	fi
	say "installing ${missing[*]} (apt-get)"
	start=$SECONDS
	aptlog=$(mktemp)
	trap 'rm -f "$aptlog"' EXIT
	if ! { "${sudo[@]}" apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
		>"$aptlog" 2>&1; then
		tail -n 5 "$aptlog" >&2
		say "apt-get failed (its last lines above); run: sudo sh -c '$cmd'"
		exit 1
	fi
	say "installed ${#missing[@]} package(s) in $((SECONDS - start))s"
	if [[ " ${missing[*]} " == *" prometheus "* ]]; then
		quiet_prometheus_service || exit 1
	fi
fi

# A prometheus service someone left running on :9090 (installed before us) is theirs to
# stop: say so once here; arm-start refuses to start an arm and names it too.
if [ -n "${have[prometheus]:-}" ] && [ -d /run/systemd/system ] &&
	systemctl is-active --quiet prometheus 2>/dev/null; then
	say "warning: the prometheus system service is running and holds :9090, where Reloader serves its metrics: local arms cannot start until it is stopped (sudo systemctl disable --now prometheus)"
fi

# ---- Go, at least the newest version a pinned module asks for ----
if [ -n "$need_go" ]; then
	go_want=$(sed -n 's/^go \([0-9][0-9.]*\)[[:space:]]*$/\1/p' "$root"/tools/kindctl/modules/*/go.mod | sort -V | tail -n 1)
	if ! command -v go >/dev/null; then
		say "Go $go_want or newer is needed to build the local control plane and Reloader, and there is no 'go' on PATH; install it from https://go.dev/dl/ (Debian's golang-go is too old)"
		exit 1
	fi
	go_have=$(go env GOVERSION 2>/dev/null) || go_have=""
	go_have=${go_have#go}
	go_have=${go_have%% *}
	if [ -z "$go_have" ] || [ "$(printf '%s\n%s\n' "$go_want" "$go_have" | sort -V | head -n 1)" != "$go_want" ]; then
		say "Go $go_want or newer is needed to build the pinned modules (tools/kindctl/modules), this is Go ${go_have:-of unknown version} ($(command -v go)); install a newer one from https://go.dev/dl/"
		exit 1
	fi
fi
exit 0
