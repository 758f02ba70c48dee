#!/usr/bin/env bash
# Build the local control-plane binaries (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok, kwokctl) and Stakater Reloader
# from the Go module proxy, at the versions pinned in versions.env, through the
# wrapper modules under modules/ (go.mod + go.sum committed: reproducible).
#
# Usage: build-binaries.sh [all|etcd|kubernetes|kwok|reloader [VERSION]]
#   all (default)     everything pinned in versions.env
#   etcd              bin/etcd-<ETCD_VERSION>/etcd
#   kubernetes        bin/kube-<KUBE_VERSION>/kube-{apiserver,controller-manager,scheduler}
#   kwok              bin/kwok-<KWOK_VERSION>/{kwok,kwokctl}
#   reloader VERSION  bin/reloader-<VERSION>/reloader; a VERSION without a
#                     pinned wrapper gets one generated in the cache
#                     (modules/reloader-<VERSION>) from Reloader's own go.mod.
#   reloader          every version in RELOADER_VERSIONS
#
# Binaries go to ${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}/bin/<tag>/.
# A binary already present there is reused (a version bump changes <tag>).
# Paths of the binaries built or found are printed on stdout, one per line;
# messages go to stderr. Exit status: 0 ok, 1 build/check failure, 2 bad usage.
#
# Environment:
#   LOADTEST_CACHE            cache root (see above)
#   LOADTEST_GO_GIT_MIRRORS   space-separated MODULE=GIT_DIR pairs; each MODULE
#                             is fetched from the local git repository GIT_DIR
#                             (a clone or mirror holding the tags) instead of
#                             the module proxy, e.g.
#                             "github.com/stakater/Reloader=/srv/git/Reloader.git".
#                             Needed where the proxy refuses a module; go.sum
#                             still verifies the content of pinned versions.
#   LOADTEST_GO_GIT_BUNDLES   space-separated MODULE=BUNDLE pairs: git bundles
#                             (files made by `git bundle create`) used, cloned
#                             into the cache, when and only when the module proxy
#                             refuses MODULE at the version asked for, e.g.
#                             "github.com/stakater/Reloader=/srv/reloader.bundle".
#
# Progress: one line per artefact on stderr when it starts (with the typical
# cold-build time on 2 cores), one when it is built (elapsed), a line a minute
# while a build runs, and a last line with the cache's location and size.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULES_DIR="$SCRIPT_DIR/modules"
VERSIONS_FILE="$SCRIPT_DIR/versions.env"

CACHE_DIR="${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}"
BIN_DIR="$CACHE_DIR/bin"
GEN_MODULES_DIR="$CACHE_DIR/modules"

RELOADER_MODULE=github.com/stakater/Reloader
VERSION_RE='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

log() { printf 'build-binaries: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage_error() { log "$* (usage: build-binaries.sh [all|etcd|kubernetes|kwok|reloader [VERSION]])"; exit 2; }

usage() {
	sed -n '2,/^set -euo pipefail$/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# Progress: STEP of STEPS artefacts; typical cold-build times measured on the project's
# 2-core machines (BUILD-NOTES.md), empty GOCACHE, modules already downloaded.
STEP=0 STEPS=1 HEARTBEAT=""
typical() {
	case "$1" in
	etcd-*) echo "1 min" ;;
	kube-*) echo "6 min" ;;
	kwok-*) echo "2-4 min" ;;
	reloader-*) echo "2-3 min" ;;
	*) echo "a few min" ;;
	esac
}
mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
# heartbeat TAG (in the background): a line a minute; its sleep is stopped with it, so no
# stray process keeps stderr open after the build.
heartbeat() {
	local t0=$SECONDS s
	trap - EXIT
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	while :; do
		sleep 60 &
		s=$!
		wait "$s"
		log "[$STEP/$STEPS] $1: still building, $(mmss $((SECONDS - t0))) so far"
	done
}
stop_heartbeat() {
	if [[ -n $HEARTBEAT ]]; then
		kill "$HEARTBEAT" 2>/dev/null || true
		wait "$HEARTBEAT" 2>/dev/null || true
		HEARTBEAT=""
	fi
}

# Temporary directories removed on exit, so an interrupted run leaves no
# half-written binary or wrapper module behind.
TMP_DIRS=()
cleanup() {
	local d
	for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
		rm -rf -- "$d"
	done
}
trap 'stop_heartbeat; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- arguments

TARGET=${1:-all}
ARGS=("$@")
case "$TARGET" in
-h | --help | help)
	usage
	exit 0
	;;
all | etcd | kubernetes | kwok)
	(($# <= 1)) || usage_error "unexpected argument after '$TARGET': '$2'"
	;;
reloader)
	(($# <= 2)) || usage_error "unexpected argument after 'reloader $2': '$3'"
	if (($# == 2)) && ! [[ $2 =~ $VERSION_RE ]]; then
		usage_error "invalid Reloader version '$2' (expected a tag like v1.4.21)"
	fi
	;;
*)
	usage_error "unknown target '$TARGET'"
	;;
esac

# ----------------------------------------------------------------- versions

[[ -r $VERSIONS_FILE ]] || die "cannot read $VERSIONS_FILE"
ETCD_VERSION='' KUBE_VERSION='' KWOK_VERSION='' RELOADER_VERSIONS=''
# shellcheck source=/dev/null
. "$VERSIONS_FILE"

# gomod_require FILE MODULE: the version MODULE is required at in go.mod FILE.
gomod_require() {
	awk -v m="$2" '
		/^require[ \t]*\(/ { blk = 1; next }
		blk && /^\)/ { blk = 0; next }
		blk && $1 == m { print $2; exit }
		!blk && $1 == "require" && $2 == m { print $3; exit }
	' "$1"
}

# gomod_replacements FILE: "OLD NEW NEW_VERSION" for every replace directive
# of go.mod FILE whose left side has no version.
gomod_replacements() {
	awk '
		/^replace[ \t]*\(/ { blk = 1; next }
		blk && /^\)/ { blk = 0; next }
		blk && $2 == "=>" { print $1, $3, $4; next }
		!blk && $1 == "replace" && $3 == "=>" { print $2, $4, $5 }
	' "$1"
}

VERSION_ERRORS=0
mismatch() {
	log "version mismatch: $*"
	VERSION_ERRORS=$((VERSION_ERRORS + 1))
}

# check_require MODULE_DIR MODULE WANT
check_require() {
	local gomod="$MODULES_DIR/$1/go.mod" have
	if [[ ! -f $gomod ]]; then
		mismatch "$gomod is missing"
		return 0
	fi
	have=$(gomod_require "$gomod" "$2")
	[[ $have == "$3" ]] || mismatch "modules/$1/go.mod requires $2 ${have:-(nothing)}, versions.env says $3"
}

check_versions() {
	local v re="$VERSION_RE" old new nv dir n
	for v in ETCD_VERSION KUBE_VERSION KWOK_VERSION; do
		[[ ${!v} =~ $re ]] || mismatch "$v='${!v}' in versions.env is not a version tag"
	done

	check_require etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
	if [[ -f $MODULES_DIR/etcd/go.mod ]]; then
		while read -r old new nv; do
			case "$old" in go.etcd.io/etcd/*)
				[[ $nv == "$ETCD_VERSION" ]] || mismatch "modules/etcd/go.mod replaces $old with $new $nv, versions.env says $ETCD_VERSION"
				;;
			esac
		done < <(gomod_replacements "$MODULES_DIR/etcd/go.mod")
	fi

	check_require kubernetes k8s.io/kubernetes "$KUBE_VERSION"
	if [[ -f $MODULES_DIR/kubernetes/go.mod ]]; then
		local staging="v0.${KUBE_VERSION#v1.}" bad=''
		n=0
		while read -r old new nv; do
			case "$old" in k8s.io/*)
				n=$((n + 1))
				[[ $nv == "$staging" ]] || bad+=" $old=>$nv"
				;;
			esac
		done < <(gomod_replacements "$MODULES_DIR/kubernetes/go.mod")
		((n > 0)) || mismatch "modules/kubernetes/go.mod has no k8s.io staging replace directives"
		[[ -z $bad ]] || mismatch "modules/kubernetes/go.mod: staging modules not replaced with $staging (KUBE_VERSION=$KUBE_VERSION):$bad"
	fi

	check_require kwok sigs.k8s.io/kwok "$KWOK_VERSION"

	[[ -n $RELOADER_VERSIONS ]] || mismatch "RELOADER_VERSIONS is empty in versions.env"
	for v in $RELOADER_VERSIONS; do
		[[ $v =~ $re ]] || mismatch "'$v' in RELOADER_VERSIONS is not a version tag"
		check_require "reloader-$v" "$RELOADER_MODULE" "$v"
	done
	for dir in "$MODULES_DIR"/reloader-*; do
		[[ -d $dir ]] || continue
		v=${dir##*/reloader-}
		[[ " $RELOADER_VERSIONS " == *" $v "* ]] || mismatch "modules/${dir##*/} exists but $v is not in RELOADER_VERSIONS"
	done

	((VERSION_ERRORS == 0)) || die "$VERSION_ERRORS mismatch(es) between $VERSIONS_FILE and the go.mod files under $MODULES_DIR"
}

# ---------------------------------------------------------------------- go

setup_go() {
	command -v go >/dev/null || die "go not found in PATH"
	export CGO_ENABLED=0
	# -buildvcs=false: the wrapper modules live inside this project's git work
	# tree, whose state must not leak into (or break) the builds.
	export GOFLAGS="-mod=readonly -buildvcs=false"
	# Never download another toolchain: fail if go.mod needs a newer Go.
	export GOTOOLCHAIN=local

	local entry mod dir
	for entry in ${LOADTEST_GO_GIT_MIRRORS:-}; do
		mod=${entry%%=*}
		dir=${entry#*=}
		[[ $entry == *=* && -n $mod && -n $dir ]] || die "LOADTEST_GO_GIT_MIRRORS: expected MODULE=GIT_DIR, got '$entry'"
		use_mirror "$mod" "$dir" LOADTEST_GO_GIT_MIRRORS
	done
	for entry in ${LOADTEST_GO_GIT_BUNDLES:-}; do
		[[ $entry == *=?* && ${entry%%=*} != '' ]] || die "LOADTEST_GO_GIT_BUNDLES: expected MODULE=BUNDLE, got '$entry'"
	done
	log "using $(go version | cut -d' ' -f3-)"
}

# use_mirror MODULE GIT_DIR WHAT: fetch MODULE from the git repository GIT_DIR instead of
# the module proxy (git's url.insteadOf through GIT_CONFIG_* variables: neither
# ~/.gitconfig nor the Go env file is touched; go.sum still verifies the content).
MIRRORED=" "
use_mirror() {
	local mod=$1 dir=$2 n=${GIT_CONFIG_COUNT:-0}
	git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 || die "$3: $dir is not a git repository"
	export "GIT_CONFIG_KEY_$n=url.$dir.insteadOf" "GIT_CONFIG_VALUE_$n=https://$mod"
	export GIT_CONFIG_COUNT=$((n + 1)) GOPRIVATE="${GOPRIVATE:+$GOPRIVATE,}$mod"
	MIRRORED+="$mod "
}

# source_or_bundle MODULE VERSION: when the module proxy refuses MODULE@VERSION (and it
# is neither mirrored nor in the module cache already) and LOADTEST_GO_GIT_BUNDLES names
# a bundle for MODULE, clone that bundle into the cache and fetch MODULE from it.
source_or_bundle() {
	local mod=$1 v=$2 json err entry bundle="" dir tmp
	[[ $MIRRORED != *" $mod "* ]] || return 0
	json=$(cd "$CACHE_DIR" && GOFLAGS=-buildvcs=false go mod download -json "$mod@$v" 2>&1) || true
	err=$(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	[[ -n $err ]] || return 0
	for entry in ${LOADTEST_GO_GIT_BUNDLES:-}; do
		[[ ${entry%%=*} == "$mod" ]] && bundle=${entry#*=}
	done
	if [[ -z $bundle || ! -f $bundle ]] || ! grep -Eq '40[34]|410|Forbidden|not available|not found' <<<"$err"; then
		return 0 # the build says what failed
	fi
	dir="$CACHE_DIR/mirrors/${mod//\//+}.git"
	log "the module proxy refuses $mod@$v (${err%%\\n*}); using the git bundle $bundle"
	if [[ ! -d $dir ]] || ! git -C "$dir" rev-parse -q --verify "refs/tags/$v" >/dev/null; then
		mkdir -p "$CACHE_DIR/mirrors"
		tmp=$(mktemp -d "$CACHE_DIR/mirrors/.tmp.XXXXXX")
		TMP_DIRS+=("$tmp")
		git clone -q --bare "$bundle" "$tmp/repo.git" || die "cannot clone the git bundle $bundle"
		git -C "$tmp/repo.git" rev-parse -q --verify "refs/tags/$v" >/dev/null ||
			die "the git bundle $bundle has no tag $v"
		rm -rf -- "$dir"
		mv -- "$tmp/repo.git" "$dir"
	fi
	use_mirror "$mod" "$dir" LOADTEST_GO_GIT_BUNDLES
}

# default_exe_name PACKAGE: the file name "go build -o DIR/" gives PACKAGE's
# binary (last import path element, skipping a /vN major-version suffix).
default_exe_name() {
	local p=$1
	if [[ ${p##*/} =~ ^v[0-9]+$ ]]; then
		p=${p%/*}
	fi
	printf '%s' "${p##*/}"
}

# build TAG MODULE_DIR LDFLAGS PACKAGE:NAME...
# Builds, inside MODULE_DIR, every PACKAGE whose binary $BIN_DIR/TAG/NAME is
# missing: one "go build" for all of them (packages compile in parallel), into
# a temporary directory, then renamed into place.
build() {
	local tag=$1 moddir=$2 ldflags=$3
	shift 3
	local dest="$BIN_DIR/$tag" spec name tmp start out
	local -a missing=() pkgs=() names=()
	for spec in "$@"; do
		if [[ ! -x $dest/${spec##*:} ]]; then
			missing+=("$spec")
			pkgs+=("${spec%:*}")
			names+=("${spec##*:}")
		fi
	done

	if ((${#missing[@]} > 0)); then
		mkdir -p "$BIN_DIR"
		tmp=$(mktemp -d "$BIN_DIR/.tmp-$tag.XXXXXX")
		TMP_DIRS+=("$tmp")
		out="$tmp/"
		((${#pkgs[@]} > 1)) || out="$tmp/${names[0]}"
		STEP=$((STEP + 1))
		log "[$STEP/$STEPS] $tag: building ${names[*]} (typically $(typical "$tag") on 2 cores with an empty Go cache)"
		start=$SECONDS
		heartbeat "$tag" &
		HEARTBEAT=$!
		(cd "$moddir" && go build -trimpath -ldflags="$ldflags" -o "$out" "${pkgs[@]}") || {
			stop_heartbeat
			die "$tag: go build failed in $moddir"
		}
		stop_heartbeat
		log "[$STEP/$STEPS] $tag: built in $(mmss $((SECONDS - start)))"
		if ((${#pkgs[@]} > 1)); then
			for spec in "${missing[@]}"; do
				name=$(default_exe_name "${spec%:*}")
				[[ $name == "${spec##*:}" ]] || mv -f -- "$tmp/$name" "$tmp/${spec##*:}"
			done
		fi
		mkdir -p "$dest"
		for name in "${names[@]}"; do
			[[ -f $tmp/$name ]] || die "$tag: go build produced no $name"
			mv -f -- "$tmp/$name" "$dest/$name" # same file system: atomic rename
		done
		rm -rf -- "$tmp"
	else
		STEP=$((STEP + 1))
		log "[$STEP/$STEPS] $tag: up to date"
	fi

	for spec in "$@"; do
		printf '%s\n' "$dest/${spec##*:}"
	done
}

build_etcd() {
	build "etcd-$ETCD_VERSION" "$MODULES_DIR/etcd" "-s -w" \
		go.etcd.io/etcd/server/v3:etcd
}

build_kubernetes() {
	local v=$KUBE_VERSION minor=${KUBE_VERSION#v1.} ldflags="-s -w" pkg key val
	minor=${minor%%.*}
	# Same version stamping as upstream's hack/lib/version.sh (buildDate stays
	# at its 1970 default so that builds are reproducible).
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		for key in gitVersion:"$v" gitMajor:1 gitMinor:"$minor" gitTreeState:clean; do
			val=${key#*:}
			ldflags+=" -X $pkg.${key%%:*}=$val"
		done
	done
	build "kube-$KUBE_VERSION" "$MODULES_DIR/kubernetes" "$ldflags" \
		k8s.io/kubernetes/cmd/kube-apiserver:kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager:kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler:kube-scheduler
}

build_kwok() {
	build "kwok-$KWOK_VERSION" "$MODULES_DIR/kwok" "-s -w" \
		sigs.k8s.io/kwok/cmd/kwok:kwok \
		sigs.k8s.io/kwok/cmd/kwokctl:kwokctl
}

# generate_reloader_module VERSION: makes sure a wrapper module exists in the
# cache for a Reloader version that has no pinned wrapper; sets GEN_MODDIR.
GEN_MODDIR=''
generate_reloader_module() {
	local v=$1 final="$GEN_MODULES_DIR/reloader-$1" tmp json upstream_gomod godir
	GEN_MODDIR=$final
	if [[ -f $final/go.sum ]]; then
		log "reloader-$v: reusing generated wrapper module $final"
		return 0
	fi
	mkdir -p "$GEN_MODULES_DIR"
	tmp=$(mktemp -d "$GEN_MODULES_DIR/.tmp-reloader-$v.XXXXXX")
	TMP_DIRS+=("$tmp")

	log "reloader-$v: no pinned wrapper in tools/kindctl/modules; generating one"
	json=$(cd "$tmp" && GOFLAGS=-buildvcs=false go mod download -json "$RELOADER_MODULE@$v" 2>&1) || {
		log "$(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | sed 's/\\n\\t/ /g')"
		die "reloader-$v: go mod download $RELOADER_MODULE@$v failed (if the module proxy refuses it, set LOADTEST_GO_GIT_MIRRORS, see the header of this script)"
	}
	upstream_gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	[[ -f $upstream_gomod ]] || die "reloader-$v: cannot locate the go.mod of $RELOADER_MODULE@$v"
	godir=$(sed -n 's/^go \([0-9][0-9.]*\)[[:space:]]*$/\1/p' "$upstream_gomod")

	{
		printf '// Wrapper module generated by build-binaries.sh for %s %s.\n' "$RELOADER_MODULE" "$v"
		printf '// Replace directives copied from its go.mod (local-path ones dropped).\n'
		printf 'module reloader-loadtest/kindctl/reloader-%s\n\n' "$v"
		[[ -z $godir ]] || printf 'go %s\n\n' "$godir"
		printf 'require %s %s\n\n' "$RELOADER_MODULE" "$v"
		# Copy replace directives, dropping those pointing at local paths
		# (they cannot be resolved outside Reloader's own tree).
		awk '
			function keep(target) { return target !~ /^(\.\.?\/|\/)/ }
			/^replace[ \t]*\(/ { blk = 1; print; next }
			blk && /^\)/ { blk = 0; print; next }
			blk {
				for (i = 1; i <= NF; i++) if ($i == "=>") break
				if (keep($(i + 1))) print
				next
			}
			$1 == "replace" {
				for (i = 1; i <= NF; i++) if ($i == "=>") break
				if (keep($(i + 1))) print
			}
		' "$upstream_gomod"
	} >"$tmp/go.mod"
	cat >"$tmp/tools.go" <<EOF
//go:build tools

// Package tools pins the Reloader command built from this wrapper module.
package tools

import (
	_ "$RELOADER_MODULE"
)
EOF
	(cd "$tmp" && GOFLAGS=-buildvcs=false go mod tidy) ||
		die "reloader-$v: go mod tidy failed in the generated wrapper (a dependency may be missing from the module proxy; pin a wrapper under tools/kindctl/modules with a replace, see BUILD-NOTES.md)"

	if [[ -e $final ]]; then
		rm -rf -- "$final" # stale, incomplete wrapper from an older run
	fi
	chmod 0755 "$tmp"
	mv -- "$tmp" "$final"
	log "reloader-$v: generated wrapper module $final"
}

build_reloader() {
	local v=$1 moddir
	[[ -x $BIN_DIR/reloader-$v/reloader ]] || source_or_bundle "$RELOADER_MODULE" "$v"
	if [[ " $RELOADER_VERSIONS " == *" $v "* ]]; then
		moddir="$MODULES_DIR/reloader-$v"
	elif [[ -x $BIN_DIR/reloader-$v/reloader ]]; then
		moddir="$GEN_MODULES_DIR/reloader-$v" # binary cached: not used
	else
		generate_reloader_module "$v"
		moddir=$GEN_MODDIR
	fi
	build "reloader-$v" "$moddir" "-s -w -X $RELOADER_MODULE/pkg/common.Version=$v" \
		"$RELOADER_MODULE:reloader"
}

# --------------------------------------------------------------------- main

check_versions
setup_go

mkdir -p "$CACHE_DIR"
read -r -a pinned <<<"$RELOADER_VERSIONS"
case "$TARGET" in
all) STEPS=$((3 + ${#pinned[@]})) ;;
reloader) ((${#ARGS[@]} == 2)) || STEPS=${#pinned[@]} ;;
esac
case "$TARGET" in
all)
	build_etcd
	build_kubernetes
	build_kwok
	for v in $RELOADER_VERSIONS; do
		build_reloader "$v"
	done
	;;
etcd) build_etcd ;;
kubernetes) build_kubernetes ;;
kwok) build_kwok ;;
reloader)
	if (($# == 2)); then
		build_reloader "$2"
	else
		for v in $RELOADER_VERSIONS; do
			build_reloader "$v"
		done
	fi
	;;
esac
log "cache: $BIN_DIR ($(du -sh "$BIN_DIR" 2>/dev/null | cut -f1) in all)"
