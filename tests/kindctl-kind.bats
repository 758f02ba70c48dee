#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets $output, $stderr and $status
# kindctl's kind and existing providers.
#
# docker, podman, kind (and kubectl for port-forward) are stubs first on PATH that log each
# call as one line in $CALLS and answer as the STUB_* variables say; the cluster behind the
# stubbed kind is tests/helpers/kindapi.py (version and nodes only). What talks to
# Kubernetes for real (apply, rollouts, arms, logs) runs against a real kube-apiserver: a
# kwok cluster that kwokctl makes from the binaries tools/kindctl/build-binaries.sh caches,
# else one made by the local provider. Without either, those tests say SKIPPED and why.

# Every server here is on the loopback: never through a proxy from the environment.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
BUSYBOX=gcr.io/google-containers/busybox:1.27

# ---- the real API server, once for the file ----

# find_bin REL: the first cache folder holding REL (a binary build-binaries.sh makes).
find_bin() {
	local d dirs=()
	IFS=: read -r -a dirs <<<"${KINDCTL_TEST_BIN_DIRS:-}"
	dirs+=("${LOADTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/reloader-loadtest}/bin")
	for d in "${dirs[@]}"; do
		if [ -n "$d" ] && [ -x "$d/$1" ]; then
			printf '%s\n' "$d/$1"
			return 0
		fi
	done
	return 1
}

# kwok_down: delete the file's kwok cluster, whole or half-made, and stop by pid what kwok
# recorded of it that kwokctl delete leaves running (the pids are read first: kwokctl delete
# removes their files), each only while it still runs from the cluster's folder.
kwok_down() {
	local w=$BATS_FILE_TMPDIR/kwok f p pids=()
	local d=$w/clusters/$REAL_KWOK_NAME
	for f in "$d"/pids/*.pid; do
		if [ -f "$f" ]; then
			pids+=("$(<"$f")")
		fi
	done
	KWOK_WORKDIR=$w "$REAL_KWOKCTL" --name "$REAL_KWOK_NAME" delete cluster >>"$w/create.log" 2>&1 3>&- || true
	for p in "${pids[@]}"; do
		if grep -qaF "$d/" "/proc/$p/cmdline" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null || true
			wait_until 10 _gone "$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
		fi
	done
}

# real_api_start: a kwok cluster (kwokctl, binary runtime) or the local provider's cluster;
# sets REAL_KUBECONFIG, REAL_CONTEXT and REAL_BY, or REAL_WHY. KINDCTL_TEST_API=kwok, local
# or none tries only that way.
real_api_start() {
	local etcd apiserver kcm sched kwok kwokctl w=$BATS_FILE_TMPDIR/kwok way=${KINDCTL_TEST_API:-}
	REAL_KUBECONFIG="" REAL_CONTEXT="" REAL_BY="" REAL_WHY=""
	ETCD_VERSION="" KUBE_VERSION="" KWOK_VERSION=""
	if [ "$way" = none ]; then
		REAL_WHY="KINDCTL_TEST_API=none"
		return 0
	fi
	# shellcheck source=tools/kindctl/versions.env
	. "$REPO_ROOT/tools/kindctl/versions.env"
	if [ "$way" = local ]; then
		REAL_WHY="KINDCTL_TEST_API=local"
	elif etcd=$(find_bin "etcd-$ETCD_VERSION/etcd") &&
		apiserver=$(find_bin "kube-$KUBE_VERSION/kube-apiserver") &&
		kcm=$(find_bin "kube-$KUBE_VERSION/kube-controller-manager") &&
		sched=$(find_bin "kube-$KUBE_VERSION/kube-scheduler") &&
		kwok=$(find_bin "kwok-$KWOK_VERSION/kwok") &&
		kwokctl=$(find_bin "kwok-$KWOK_VERSION/kwokctl"); then
		mkdir -p "$w"
		# The arms' containers "log" this file (CRI format), served by kwok as pod logs.
		printf '%s stderr F %s\n' 2026-01-01T00:00:00.000000000Z 'reloader started' \
			2026-01-01T00:00:01.000000000Z '{"level":"info","msg":"fake reloader log"}' >"$w/reloader.log"
		cat >"$w/kwok.yaml" <<-EOF
			kind: ClusterLogs
			apiVersion: kwok.x-k8s.io/v1alpha1
			metadata:
			  name: reloader-logs
			spec:
			  selector:
			    matchNamespaces: [reloader-old, reloader-new]
			  logs:
			    - containers: [reloader]
			      logsFile: $w/reloader.log
			      follow: false
		EOF
		REAL_KWOK_NAME=kt$$ REAL_KWOKCTL=$kwokctl
		# kwokctl picks free ports when it starts each component: one creation at a time on
		# this host, under the lock kindctl create holds (two at once took the same port).
		if KWOK_WORKDIR=$w flock -w 600 /tmp/reloader-loadtest-create.lock \
			"$kwokctl" --name "$REAL_KWOK_NAME" -c "$w/kwok.yaml" create cluster --runtime binary \
			--etcd-binary "$etcd" --kube-apiserver-binary "$apiserver" \
			--kube-controller-manager-binary "$kcm" --kube-scheduler-binary "$sched" \
			--kwok-controller-binary "$kwok" --kubeconfig "$w/kubeconfig" --wait 2m >"$w/create.log" 2>&1 3>&- &&
			KWOK_WORKDIR=$w "$kwokctl" --name "$REAL_KWOK_NAME" scale node --replicas 2 >>"$w/create.log" 2>&1 3>&-; then
			REAL_KUBECONFIG=$w/kubeconfig REAL_CONTEXT=kwok-$REAL_KWOK_NAME REAL_BY=kwok
			export REAL_KWOK_NAME REAL_KWOKCTL
			return 0
		fi
		# A create that failed half-way (--wait ran out, the nodes would not scale) leaves
		# what it started running: not for the rest of the file, nor after it.
		kwok_down
		REAL_WHY="kwokctl could not make a cluster (see $w/create.log)"
	else
		REAL_WHY="no kube-apiserver/etcd/kwok binaries in the cache (tools/kindctl/build-binaries.sh makes them)"
	fi
	local st=$BATS_FILE_TMPDIR/local-state kc
	[ "$way" = kwok ] && return 0
	if kc=$("$BIN/kindctl" --provider local --state "$st" create --name "kindctl-test-$$" 2>"$BATS_FILE_TMPDIR/local.log") &&
		[ -f "$kc" ]; then
		REAL_KUBECONFIG=$kc REAL_BY=local REAL_WHY="" REAL_LOCAL_NAME=kindctl-test-$$
		export REAL_LOCAL_NAME
		REAL_CONTEXT=$(sed -n 's/^current-context: *//p' "$kc" | tr -d '"')
		return 0
	fi
	REAL_WHY="$REAL_WHY, and the local provider made none ($(head -c 300 "$BATS_FILE_TMPDIR/local.log"))"
}

setup_file() {
	load helpers/common
	load helpers/prometheus
	# The stubbed kind's cluster.
	KINDAPI_DIR=$BATS_FILE_TMPDIR/kindapi
	mkdir -p "$KINDAPI_DIR"
	bg_start "$KINDAPI_DIR/pid" "$KINDAPI_DIR/log" python3 "$REPO_ROOT/tests/helpers/kindapi.py" "$KINDAPI_DIR"
	wait_until 10 test -s "$KINDAPI_DIR/port"
	KINDAPI_URL=http://127.0.0.1:$(<"$KINDAPI_DIR/port")
	real_api_start
	export KINDAPI_DIR KINDAPI_URL REAL_KUBECONFIG REAL_CONTEXT REAL_BY REAL_WHY
}

teardown_file() {
	load helpers/common
	load helpers/prometheus
	bg_stop "$KINDAPI_DIR/pid"
	if [ "${REAL_BY:-}" = kwok ]; then
		kwok_down
	elif [ "${REAL_BY:-}" = local ]; then
		"$BIN/kindctl" --provider local --state "$BATS_FILE_TMPDIR/local-state" delete --name "$REAL_LOCAL_NAME" 3>&-
	fi
}

# ---- stubs, once per test ----

setup() {
	load helpers/common
	load helpers/prometheus
	if [ -n "${LOADTEST_SAN:-}" ]; then
		UNIT="$REPO_ROOT/build/san/unit/test_kindctl"
	else
		UNIT="$REPO_ROOT/build/rel/unit/test_kindctl"
	fi
	[ -x "$UNIT" ] || fail "unit tests not built: run make unit"
	# A sanitizer report must not pass for one of kindctl's own exit statuses.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87:print_stacktrace=1
	REAL_KUBECTL=$(command -v kubectl || true)
	STUBS=$BATS_TEST_TMPDIR/stubs
	STUB_STATE=$BATS_TEST_TMPDIR/stub-state
	CALLS=$BATS_TEST_TMPDIR/calls
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$STUBS" "$STUB_STATE/www/-"
	: >"$CALLS"
	: >"$STUB_STATE/clusters"
	rm -f "$KINDAPI_DIR/nodes"
	echo ready >"$STUB_STATE/www/-/ready"
	export CALLS STUB_STATE REAL_KUBECTL
	unset KIND_EXPERIMENTAL_PROVIDER LOADTEST_MANIFESTS KUBECONFIG
	write_engine_stub docker
	write_engine_stub podman
	write_kind_stub
	write_kubectl_stub
	PATH="$STUBS:$PATH"
}

teardown() {
	local f
	# A port-forward a failed test left behind: stopped by its recorded pid.
	for f in "$STATE"/clusters/*/prometheus-port-forward.pid; do
		[ -f "$f" ] && kill "$(cut -d' ' -f1 "$f")" 2>/dev/null
	done
	if [ -f "$BATS_TEST_TMPDIR/used-real-api" ]; then
		kubectl_real delete namespace reloader-old reloader-new monitoring --ignore-not-found --timeout=60s >/dev/null 2>&1
		kubectl_real delete clusterrole,clusterrolebinding -l app.kubernetes.io/part-of=reloader-loadtest \
			--ignore-not-found >/dev/null 2>&1
	fi
	return 0
}

# write_engine_stub docker|podman: STUB_DOCKER_UP / STUB_PODMAN_UP=1 make its daemon answer;
# STUB_IMAGES lists the images it has, STUB_PULL_FAIL those it cannot pull, STUB_SAVE_FAIL
# breaks podman save halfway.
write_engine_stub() {
	cat >"$STUBS/$1" <<-'EOF'
		#!/usr/bin/env bash
		me=${0##*/}
		printf '%s %s\n' "$me" "$*" >>"$CALLS"
		up=STUB_${me^^}_UP
		case ${1:-} in
		info)
			if [ "${!up:-}" != 1 ]; then
				echo "Cannot connect to the $me daemon. Is the daemon running?" >&2
				exit 1
			fi
			# As podman does: its info has no .ID.
			if [ "$me" = podman ] && [ "${3:-}" = '{{.ID}}' ]; then
				echo "Error: template: info:1:2: executing \"info\" at <.ID>: can't evaluate field ID in type *define.Info" >&2
				exit 125
			fi
			echo "stub-$me"
			;;
		image)
			img=${*: -1}
			for i in ${STUB_IMAGES:-}; do
				[ "$i" = "$img" ] && { echo sha256:0123; exit 0; }
			done
			echo "Error: No such image: $img" >&2
			exit 1
			;;
		pull)
			for i in ${STUB_PULL_FAIL:-}; do
				if [ "$i" = "$2" ]; then
					echo "Error response from daemon: pull access denied for $2" >&2
					exit 1
				fi
			done
			echo "Status: Downloaded newer image for $2"
			;;
		save)
			out=$5
			# As podman does: an existing empty file is written, a non-empty one refused.
			if [ -s "$out" ]; then
				echo "Error: docker-archive doesn't support modifying existing images" >&2
				exit 125
			fi
			printf 'archive of %s\n' "$6" >>"$out"
			if [ -n "${STUB_SAVE_FAIL:-}" ]; then
				echo "Error: writing archive: no space left on device" >&2
				exit 125
			fi
			;;
		*)
			echo "stub $me: unexpected call: $*" >&2
			exit 99
			;;
		esac
	EOF
	chmod +x "$STUBS/$1"
}

# write_kind_stub: clusters live in $STUB_STATE/clusters; STUB_KIND_CREATE_FAIL fails a
# create after writing part of its kubeconfig; a cluster's kubeconfig points at kindapi.
write_kind_stub() {
	cat >"$STUBS/kind" <<-'EOF'
		#!/usr/bin/env bash
		line="kind $*"
		[ -n "${KIND_EXPERIMENTAL_PROVIDER:-}" ] && line+=" [KIND_EXPERIMENTAL_PROVIDER=$KIND_EXPERIMENTAL_PROVIDER]"
		printf '%s\n' "$line" >>"$CALLS"
		clusters=$STUB_STATE/clusters
		name="" kubeconfig="" config=""
		args=("$@")
		for ((i = 0; i < ${#args[@]}; i++)); do
			case ${args[i]} in
			--name) name=${args[i + 1]} ;;
			--kubeconfig) kubeconfig=${args[i + 1]} ;;
			--config) config=${args[i + 1]} ;;
			esac
		done
		kubeconfig_text() {
			printf '%s\n' "apiVersion: v1" "kind: Config" "current-context: kind-$name" \
				"clusters:" "- name: kind-$name" "  cluster:" "    server: $KINDAPI_URL" \
				"contexts:" "- name: kind-$name" "  context: {cluster: kind-$name, user: kind-$name}" \
				"users:" "- name: kind-$name" "  user: {token: stub-token}"
		}
		case "${1:-} ${2:-}" in
		"get clusters")
			if [ -s "$clusters" ]; then cat "$clusters"; else echo "No kind clusters found." >&2; fi
			;;
		"create cluster")
			if [ -n "${STUB_KIND_CREATE_FAIL:-}" ]; then
				echo "partial" >"$kubeconfig"
				echo "ERROR: failed to create cluster: $STUB_KIND_CREATE_FAIL" >&2
				exit 1
			fi
			if grep -qx "$name" "$clusters"; then
				echo "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"$name\"" >&2
				exit 1
			fi
			echo "Creating cluster \"$name\" ..." >&2
			cp "$config" "$STUB_STATE/config-seen.yaml"
			(umask 077 && kubeconfig_text >"$kubeconfig")
			echo "$name" >>"$clusters"
			;;
		"delete cluster")
			echo "Deleting cluster \"$name\" ..." >&2
			grep -vx "$name" "$clusters" >"$clusters.new"
			mv "$clusters.new" "$clusters"
			;;
		"get kubeconfig")
			if ! grep -qx "$name" "$clusters"; then
				echo "ERROR: could not locate any control plane nodes for cluster named '$name'." >&2
				exit 1
			fi
			kubeconfig_text
			;;
		"load docker-image")
			echo "Image: \"$3\" with ID \"sha256:0123\" not yet present on node \"$name-control-plane\", loading..." >&2
			;;
		"load image-archive")
			printf '%s %s %s\n' "$3" "$(stat -c %a "$3")" "$(cat "$3")" >>"$STUB_STATE/archives"
			;;
		*)
			echo "stub kind: unexpected call: $*" >&2
			exit 99
			;;
		esac
	EOF
	chmod +x "$STUBS/kind"
}

# write_kubectl_stub: port-forward serves $STUB_STATE/www on the local port (the pid stays
# the one kindctl started); every other call goes to the real kubectl.
write_kubectl_stub() {
	cat >"$STUBS/kubectl" <<-'EOF'
		#!/usr/bin/env bash
		if [ "${1:-}" = port-forward ]; then
			printf 'kubectl %s [KUBECONFIG=%s]\n' "$*" "${KUBECONFIG:-}" >>"$CALLS"
			for a in "$@"; do
				case $a in *:9090) port=${a%%:*} ;; esac
			done
			exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$STUB_STATE/www"
		fi
		[ -n "$REAL_KUBECTL" ] || { echo "stub kubectl: no real kubectl for: $*" >&2; exit 99; }
		exec "$REAL_KUBECTL" "$@"
	EOF
	chmod +x "$STUBS/kubectl"
}

# kc ARGS...: kindctl with this test's state folder.
kc() {
	run --separate-stderr "$BIN/kindctl" --state "$STATE" "$@"
}

# assert_calls: the calls logged, in order, are exactly stdin's lines.
assert_calls() {
	local want
	want=$(cat)
	if [ "$(cat "$CALLS")" != "$want" ]; then
		diff -u <(printf '%s\n' "$want") "$CALLS" >&2 || true
		fail "the stubs were called otherwise"
	fi
}

# start_sleeper PIDFILE: a process detached from this shell (so that init reaps it), recorded
# as bg_start records one: "pid starttime".
start_sleeper() {
	local pid stat
	# From a subshell that ends at once: the sleeper's parent becomes init, which reaps it.
	pid=$(
		setsid sleep 300 </dev/null >/dev/null 2>&1 3>&- &
		echo $!
	)
	stat=$(cat "/proc/$pid/stat")
	stat=${stat##*) }
	mkdir -p "${1%/*}"
	printf '%s %s\n' "$pid" "$(cut -d' ' -f20 <<<"$stat")" >"$1"
	echo "$pid"
}

# gone PID: the process is no longer there (or only as a zombie).
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $st == Z* ]]
}

# yaml_json FILE: its documents as JSON lines (libyaml, through the unit test's probe).
yaml_json() {
	"$UNIT" --yaml-to-json "$1"
}

# ---- engine detection ----

@test "detection: docker answers, so the provider is kind and podman is not asked" {
	STUB_DOCKER_UP=1 STUB_PODMAN_UP=1 kc detect-provider
	assert_success
	assert_output kind
	assert_calls <<<"docker info --format {{.ID}}"
}

@test "detection: nothing answers, so the provider is local" {
	kc detect-provider
	assert_success
	assert_output local
	assert_calls <<-EOF
		docker info --format {{.ID}}
		podman info --format {{.Host.Arch}}
	EOF
}

@test "detection: only podman answers, so the provider is kind" {
	STUB_PODMAN_UP=1 kc detect-provider
	assert_success
	assert_output kind
}

@test "kind provider: only podman answers, so images go through podman and kind is told so" {
	STUB_PODMAN_UP=1 STUB_IMAGES=img:1 kc --provider kind load-image --name c1 img:1
	assert_success
	local archive
	archive=$(cut -d' ' -f1 "$STUB_STATE/archives")
	assert_calls <<-EOF
		docker info --format {{.ID}}
		podman info --format {{.Host.Arch}}
		podman image inspect --format {{.Id}} img:1
		podman save --format docker-archive -o $archive img:1
		kind load image-archive $archive --name c1 [KIND_EXPERIMENTAL_PROVIDER=podman]
	EOF
}

@test "kind provider: KIND_EXPERIMENTAL_PROVIDER picks the engine kind will use, if it answers" {
	KIND_EXPERIMENTAL_PROVIDER=podman STUB_DOCKER_UP=1 kc --provider kind load-image --name c1 img:1
	assert_failure 1
	assert_one_line
	assert_equal "$stderr" "kindctl: KIND_EXPERIMENTAL_PROVIDER=podman, but 'podman info' gets no answer: is it running?"
	assert_calls <<<"podman info --format {{.Host.Arch}}"
}

# ---- create ----

@test "create: a kind config with 1 control plane, 6 workers, the patches, ports 8080+K/8443+K" {
	STUB_DOCKER_UP=1 STUB_IMAGES=$BUSYBOX kc --provider kind create --name c1 --port-offset 3
	assert_success
	local dir=$STATE/clusters/c1
	assert_output "$dir/kubeconfig"
	assert_calls <<-EOF
		docker info --format {{.ID}}
		kind get clusters
		kind create cluster --name c1 --config $dir/kind-config.yaml --kubeconfig $dir/kubeconfig.partial
		docker image inspect --format {{.Id}} $BUSYBOX
		kind load docker-image $BUSYBOX --name c1
	EOF
	# The kubeconfig is whole and private; the partial one is gone.
	assert_file_exists "$dir/kubeconfig"
	assert_file_not_exists "$dir/kubeconfig.partial"
	assert_equal "$(stat -c %a "$dir/kubeconfig")" 600
	grep -q "current-context: kind-c1" "$dir/kubeconfig"
	# Nodes were waited for through the cluster's API server.
	grep -q '^GET /api/v1/nodes' "$KINDAPI_DIR/requests"
	# The config kind was given, read back with libyaml.
	cmp "$dir/kind-config.yaml" "$STUB_STATE/config-seen.yaml"
	yaml_json "$dir/kind-config.yaml" >"$BATS_TEST_TMPDIR/config.json"
	run jq -c '[.kind, .apiVersion, [.nodes[].role]]' "$BATS_TEST_TMPDIR/config.json"
	assert_output '["Cluster","kind.x-k8s.io/v1alpha4",["control-plane","worker","worker","worker","worker","worker","worker"]]'
	run jq -c '.nodes[0].extraPortMappings' "$BATS_TEST_TMPDIR/config.json"
	assert_output '[{"containerPort":80,"hostPort":8083,"listenAddress":"127.0.0.1","protocol":"TCP"},{"containerPort":443,"hostPort":8446,"listenAddress":"127.0.0.1","protocol":"TCP"}]'
	run jq '[.nodes[1:][] | has("extraPortMappings")] | any' "$BATS_TEST_TMPDIR/config.json"
	assert_output false
	# Each kubeadm patch is a YAML document of its own.
	jq -r '.kubeadmConfigPatches[0]' "$BATS_TEST_TMPDIR/config.json" >"$BATS_TEST_TMPDIR/p0.yaml"
	jq -r '.kubeadmConfigPatches[1]' "$BATS_TEST_TMPDIR/config.json" >"$BATS_TEST_TMPDIR/p1.yaml"
	run jq -c '[.kind, .apiServer.extraArgs, .controllerManager.extraArgs, .scheduler.extraArgs]' \
		<(yaml_json "$BATS_TEST_TMPDIR/p0.yaml")
	assert_output '["ClusterConfiguration",{"max-requests-inflight":"800","max-mutating-requests-inflight":"400","watch-cache-sizes":"configmaps#1000,secrets#1000,pods#1000"},{"kube-api-qps":"200","kube-api-burst":"200"},{"kube-api-qps":"200","kube-api-burst":"200"}]'
	run jq -c . <(yaml_json "$BATS_TEST_TMPDIR/p1.yaml")
	assert_output '{"kind":"KubeletConfiguration","kubeAPIQPS":50,"kubeAPIBurst":100,"maxPods":250,"serializeImagePulls":false,"eventRecordQPS":50,"eventBurst":100}'
}

@test "create: --workers sets the worker count; the test image is pulled when the engine lacks it" {
	echo 3 >"$KINDAPI_DIR/nodes"
	STUB_DOCKER_UP=1 kc --provider kind create --name c2 --workers 2
	assert_success
	run jq -c '[.nodes[].role, .nodes[0].extraPortMappings[].hostPort]' <(yaml_json "$STATE/clusters/c2/kind-config.yaml")
	assert_output '["control-plane","worker","worker",8080,8443]'
	run grep -c . "$CALLS"
	assert_output 6
	run sed -n '4,6p' "$CALLS"
	assert_output "docker image inspect --format {{.Id}} $BUSYBOX
docker pull $BUSYBOX
kind load docker-image $BUSYBOX --name c2"
}

@test "create: a cluster of that name is replaced, and its old port-forward stopped by pid" {
	echo c1 >"$STUB_STATE/clusters"
	local pid dir=$STATE/clusters/c1
	pid=$(start_sleeper "$dir/prometheus-port-forward.pid")
	STUB_DOCKER_UP=1 STUB_IMAGES=$BUSYBOX kc --provider kind create --name c1
	assert_success
	assert_calls <<-EOF
		docker info --format {{.ID}}
		kind get clusters
		kind delete cluster --name c1 --kubeconfig $dir/kubeconfig
		kind create cluster --name c1 --config $dir/kind-config.yaml --kubeconfig $dir/kubeconfig.partial
		docker image inspect --format {{.Id}} $BUSYBOX
		kind load docker-image $BUSYBOX --name c1
	EOF
	gone "$pid"
	assert_file_not_exists "$dir/prometheus-port-forward.pid"
	assert_equal "$(cat "$STUB_STATE/clusters")" c1
}

@test "create: no container engine running: one line, nothing made" {
	kc --provider kind create --name c1
	assert_failure 1
	assert_one_line
	assert_equal "$stderr" "kindctl: no container engine answers: neither 'docker info' nor 'podman info' succeeds (start one, or use --provider local)"
	assert_calls <<-EOF
		docker info --format {{.ID}}
		podman info --format {{.Host.Arch}}
	EOF
	assert_file_not_exists "$STATE/clusters/c1"
}

@test "create: kind missing from PATH: one line, no kubeconfig" {
	rm "$STUBS/kind"
	PATH="$STUBS:/usr/bin:/bin"
	command -v kind && skip "SKIPPED: a real kind is on /usr/bin:/bin"
	STUB_DOCKER_UP=1 kc --provider kind create --name c1
	assert_failure 1
	assert_one_line
	assert_equal "$stderr" "kindctl: cannot list kind clusters: 'kind' is not on PATH"
	assert_file_not_exists "$STATE/clusters/c1/kubeconfig"
	assert_file_not_exists "$STATE/clusters/c1/kubeconfig.partial"
}

@test "create: kind fails: its last line in one message, no partial kubeconfig left" {
	STUB_DOCKER_UP=1 STUB_KIND_CREATE_FAIL="boom" kc --provider kind create --name c1
	assert_failure 1
	assert_one_line
	local dir=$STATE/clusters/c1
	assert_equal "$stderr" "kindctl: cannot create cluster 'c1': 'kind create cluster' exited with status 1: ERROR: failed to create cluster: boom (log: $dir/commands.log)"
	assert_file_not_exists "$dir/kubeconfig"
	assert_file_not_exists "$dir/kubeconfig.partial"
	grep -q "^+ kind create cluster --name c1" "$dir/commands.log"
}

@test "create: the test image cannot be pulled: the new cluster is deleted, nothing half-done left" {
	STUB_DOCKER_UP=1 STUB_PULL_FAIL=$BUSYBOX kc --provider kind create --name c1
	assert_failure 1
	assert_one_line
	local dir=$STATE/clusters/c1
	assert_equal "$stderr" "kindctl: cannot pull image '$BUSYBOX': 'docker pull' exited with status 1: Error response from daemon: pull access denied for $BUSYBOX (log: $dir/commands.log)"
	run tail -n 1 "$CALLS"
	assert_output "kind delete cluster --name c1 --kubeconfig $dir/kubeconfig.partial"
	assert_file_not_exists "$dir/kubeconfig"
	assert_file_not_exists "$dir/kubeconfig.partial"
	assert_equal "$(cat "$STUB_STATE/clusters")" ""
}

# ---- images ----

@test "load-image, docker: an image the engine has is not pulled" {
	STUB_DOCKER_UP=1 STUB_IMAGES="a:1 b:2" kc --provider kind load-image --name c1 a:1 b:2
	assert_success
	assert_output ""
	assert_calls <<-EOF
		docker info --format {{.ID}}
		docker image inspect --format {{.Id}} a:1
		kind load docker-image a:1 --name c1
		docker image inspect --format {{.Id}} b:2
		kind load docker-image b:2 --name c1
	EOF
}

@test "load-image, docker: an image the engine lacks is pulled, then loaded" {
	STUB_DOCKER_UP=1 kc --provider kind load-image --name c1 stakater/reloader:v1.4.21
	assert_success
	assert_calls <<-EOF
		docker info --format {{.ID}}
		docker image inspect --format {{.Id}} stakater/reloader:v1.4.21
		docker pull stakater/reloader:v1.4.21
		kind load docker-image stakater/reloader:v1.4.21 --name c1
	EOF
}

@test "load-image, podman: through a 0600 archive in the state folder, removed afterwards" {
	STUB_PODMAN_UP=1 kc --provider kind load-image --name c1 localhost/reloader:dev
	assert_success
	local archive mode content
	read -r archive mode content <"$STUB_STATE/archives"
	[[ $archive == "$STATE/clusters/c1/image-"*.tar ]] || fail "archive not in the state folder: $archive"
	assert_equal "$mode" 600
	assert_equal "$content" "archive of localhost/reloader:dev"
	assert_file_not_exists "$archive"
	assert_calls <<-EOF
		docker info --format {{.ID}}
		podman info --format {{.Host.Arch}}
		podman image inspect --format {{.Id}} localhost/reloader:dev
		podman pull localhost/reloader:dev
		podman save --format docker-archive -o $archive localhost/reloader:dev
		kind load image-archive $archive --name c1 [KIND_EXPERIMENTAL_PROVIDER=podman]
	EOF
}

@test "load-image, podman: a failed save leaves no archive and loads nothing" {
	STUB_PODMAN_UP=1 STUB_IMAGES=img:1 STUB_SAVE_FAIL=1 kc --provider kind load-image --name c1 img:1
	assert_failure 1
	assert_one_line
	[[ $stderr == "kindctl: cannot save image 'img:1' to an archive: 'podman save' exited with status 125: Error: writing archive: no space left on device (log: "*")" ]] ||
		fail "unexpected message: $stderr"
	run compgen -G "$STATE/clusters/c1/image-*"
	assert_failure
	run grep -c '^kind ' "$CALLS"
	assert_output 0
}

@test "load-image: a pull that fails is one line naming the image and the daemon's reason" {
	STUB_DOCKER_UP=1 STUB_PULL_FAIL=example.com/nope:1 kc --provider kind load-image --name c1 example.com/nope:1
	assert_failure 1
	assert_one_line
	assert_equal "$stderr" "kindctl: cannot pull image 'example.com/nope:1': 'docker pull' exited with status 1: Error response from daemon: pull access denied for example.com/nope:1 (log: $STATE/clusters/c1/commands.log)"
	run grep -c '^kind ' "$CALLS"
	assert_output 0
}

@test "load-image: names that are not images are refused before anything runs" {
	STUB_DOCKER_UP=1 kc --provider kind load-image --name c1 ok:1 bin:/usr/bin/reloader
	assert_failure 2
	assert_one_line
	STUB_DOCKER_UP=1 kc --provider kind load-image --name c1 -- --help
	assert_failure 2
	assert_calls </dev/null
}

# ---- delete, exists, kubeconfig ----

@test "delete: kind deletes the cluster, the port-forward is stopped by pid, the state goes" {
	echo c1 >"$STUB_STATE/clusters"
	local pid dir=$STATE/clusters/c1
	pid=$(start_sleeper "$dir/prometheus-port-forward.pid")
	echo keep >"$dir/kind-config.yaml"
	STUB_DOCKER_UP=1 kc --provider kind delete --name c1
	assert_success
	assert_calls <<-EOF
		docker info --format {{.ID}}
		kind delete cluster --name c1 --kubeconfig $dir/kubeconfig
	EOF
	gone "$pid"
	assert_file_not_exists "$dir"
	assert_equal "$(cat "$STUB_STATE/clusters")" ""
}

@test "exists: 0 for a listed cluster whose API server answers, 1 (quietly) for none" {
	echo c1 >"$STUB_STATE/clusters"
	STUB_DOCKER_UP=1 kc --provider kind exists --name c1
	assert_success
	assert_calls <<-EOF
		docker info --format {{.ID}}
		kind get clusters
		kind get kubeconfig --name c1
	EOF
	grep -q '^GET /version' "$KINDAPI_DIR/requests"
	STUB_DOCKER_UP=1 kc --provider kind exists --name c9
	assert_failure 1
	assert_equal "$stderr" ""
}

@test "exists: a listed cluster whose API server does not answer is 1, with why" {
	echo c1 >"$STUB_STATE/clusters"
	mkdir -p "$STATE/clusters/c1"
	sed "s|$KINDAPI_URL|http://127.0.0.1:$(free_port)|" <("$STUBS/kind" get kubeconfig --name c1) >"$STATE/clusters/c1/kubeconfig"
	STUB_DOCKER_UP=1 kc --provider kind exists --name c1
	assert_failure 1
	assert_one_line
	[[ $stderr == "kindctl: the API server of context 'kind-c1' (http://127.0.0.1:"*") does not answer: "* ]] ||
		fail "unexpected message: $stderr"
}

@test "kubeconfig: fetched from kind once when missing, written private, then reused" {
	echo c1 >"$STUB_STATE/clusters"
	STUB_DOCKER_UP=1 kc --provider kind kubeconfig --name c1
	assert_success
	assert_output "$STATE/clusters/c1/kubeconfig"
	assert_equal "$(stat -c %a "$STATE/clusters/c1/kubeconfig")" 600
	kc --provider kind kubeconfig --name c1
	assert_success
	assert_calls <<-EOF
		docker info --format {{.ID}}
		kind get kubeconfig --name c1
	EOF
	STUB_DOCKER_UP=1 kc --provider kind kubeconfig --name c9
	assert_failure 1
	assert_one_line
	assert_file_not_exists "$STATE/clusters/c9/kubeconfig"
}

# ---- the existing provider without a cluster ----

@test "existing: never creates or deletes, loads no image, passes a Prometheus URL on" {
	local ex=(--provider existing --context ctx)
	kc "${ex[@]}" create --name e1
	assert_failure 2
	assert_one_line
	assert_equal "$stderr" "kindctl: existing clusters are not created or deleted ('e1' is context 'ctx'): use --provider kind or local"
	kc "${ex[@]}" delete --name e1
	assert_failure 2
	kc "${ex[@]}" load-image --name e1 stakater/reloader:v1.4.21
	assert_success
	assert_one_line
	[[ $stderr == *"images are not loaded"* ]] || fail "no note: $stderr"
	kc "${ex[@]}" prometheus-start --name e1 --prometheus-url http://prometheus.example:9090
	assert_success
	assert_output http://prometheus.example:9090
	kc "${ex[@]}" prometheus-start --name e1 --prometheus-url ftp://x
	assert_failure 2
	kc "${ex[@]}" prometheus-stop --name e1 --prometheus-url http://prometheus.example:9090
	assert_success
	assert_calls </dev/null
}

@test "existing: exists asks the API server; kubeconfig prints the files in use" {
	local kcfile=$BATS_TEST_TMPDIR/kc.yaml
	echo x >"$STUB_STATE/clusters"
	"$STUBS/kind" get kubeconfig --name x >"$kcfile"
	kc --provider existing --context kind-x --kubeconfig "$kcfile" exists --name e1
	assert_success
	KUBECONFIG="$BATS_TEST_TMPDIR/absent:$kcfile" kc --provider existing --context kind-x kubeconfig --name e1
	assert_success
	assert_output "$kcfile"
	kc --provider existing --context kind-x --kubeconfig "$kcfile" kubeconfig --name e1
	assert_output "$kcfile"
	kc --provider existing --context nope --kubeconfig "$kcfile" kubeconfig --name e1
	assert_failure 1
	assert_one_line
	sed -i "s|$KINDAPI_URL|http://127.0.0.1:$(free_port)|" "$kcfile"
	kc --provider existing --context kind-x --kubeconfig "$kcfile" exists --name e1
	assert_failure 1
	assert_one_line
}

# ---- against a real API server ----

# need_real_api: say why (SKIPPED, or a failure in CI) when there is none; else note that
# cleanup is due. (KINDCTL_TEST_API=none asks for no real API server: a plain skip.)
need_real_api() {
	if [ -z "$REAL_KUBECONFIG" ]; then
		[ "${KINDCTL_TEST_API:-}" != none ] || skip "SKIPPED: no real API server: $REAL_WHY"
		cannot_run "no real API server: $REAL_WHY"
	fi
	[ -n "$REAL_KUBECTL" ] || cannot_run "kubectl is not installed (it checks what kindctl did)"
	touch "$BATS_TEST_TMPDIR/used-real-api"
	EX=(--provider existing --context "$REAL_CONTEXT" --kubeconfig "$REAL_KUBECONFIG")
}

kubectl_real() {
	"$REAL_KUBECTL" --kubeconfig "$REAL_KUBECONFIG" --context "$REAL_CONTEXT" "$@"
}

@test "real API: the manifests pass a server-side dry run (kubectl's, and kindctl's own apply)" {
	need_real_api
	"$UNIT" --arm-manifest new localhost/reloader:dev --reload-strategy=annotations 'a "quoted" arg' \
		>"$BATS_TEST_TMPDIR/arm.yaml"
	# A dry run creates nothing, namespaces included: the namespaced objects need theirs.
	kubectl_real create namespace monitoring >/dev/null
	kubectl_real create namespace reloader-new >/dev/null
	run kubectl_real apply --dry-run=server -f "$REPO_ROOT/manifests/prometheus.yaml"
	assert_success
	assert_line "deployment.apps/prometheus created (server dry run)"
	run kubectl_real apply --dry-run=server -f "$BATS_TEST_TMPDIR/arm.yaml"
	assert_success
	assert_line "deployment.apps/reloader created (server dry run)"
	KUBECONFIG=$REAL_KUBECONFIG run --separate-stderr "$UNIT" --apply-dry-run "$REPO_ROOT/manifests/prometheus.yaml" "$REAL_CONTEXT"
	assert_success
	KUBECONFIG=$REAL_KUBECONFIG run --separate-stderr "$UNIT" --apply-dry-run "$BATS_TEST_TMPDIR/arm.yaml" "$REAL_CONTEXT"
	assert_success
	# Nothing was made by the dry runs.
	run kubectl_real get deployments -A -o name
	refute_output --partial reloader
	refute_output --partial prometheus
	# And a document the server rejects is named, with the server's reason.
	sed 's/replicas: 1/replicas: -1/' "$BATS_TEST_TMPDIR/arm.yaml" >"$BATS_TEST_TMPDIR/bad.yaml"
	KUBECONFIG=$REAL_KUBECONFIG run --separate-stderr "$UNIT" --apply-dry-run "$BATS_TEST_TMPDIR/bad.yaml" "$REAL_CONTEXT"
	assert_failure 1
	assert_one_line
	[[ $stderr == *"bad.yaml:52:1: cannot apply Deployment 'reloader-new/reloader': HTTP 422: "*"spec.replicas"* ]] ||
		fail "unexpected message: $stderr"
}

@test "real API, existing: arm-start applies and waits; arm-restart brings a new pod; arm-stop removes all" {
	need_real_api
	kc "${EX[@]}" arm-start --name e1 --arm new --image stakater/reloader:v1.4.21 \
		--arg --reload-strategy=annotations --arg 'say "hi"'
	assert_success
	local pod=$output
	[[ $pod == reloader-* ]] || fail "not a pod name: $pod"
	run kubectl_real get pod -n reloader-new "$pod" -o jsonpath='{.status.phase} {.metadata.labels.app}'
	assert_output "Running reloader-new"
	run kubectl_real get deployment -n reloader-new reloader -o json --show-managed-fields
	assert_success
	assert_equal "$(jq -c '.spec.template.spec.containers[0].args' <<<"$output")" '["--log-format=json","--reload-strategy=annotations","say \"hi\""]'
	assert_equal "$(jq -r '.spec.template.spec.containers[0].image' <<<"$output")" stakater/reloader:v1.4.21
	assert_equal "$(jq -r '[.metadata.managedFields[].manager] | index("reloader-loadtest") != null' <<<"$output")" true
	run kubectl_real get clusterrole loadtest-reloader-new -o jsonpath='{.metadata.labels.app\.kubernetes\.io/part-of}'
	assert_output reloader-loadtest
	run kubectl_real get clusterrolebinding loadtest-reloader-new -o jsonpath='{.subjects[0].namespace}/{.subjects[0].name}'
	assert_output reloader-new/reloader
	local old_uid
	old_uid=$(kubectl_real get pod -n reloader-new "$pod" -o jsonpath='{.metadata.uid}')
	# Applying again changes nothing and gives the same pod.
	kc "${EX[@]}" arm-start --name e1 --arm new --image stakater/reloader:v1.4.21 \
		--arg --reload-strategy=annotations --arg 'say "hi"'
	assert_success
	assert_output "$pod"

	kc "${EX[@]}" arm-restart --name e1 --arm new
	assert_success
	assert_output ""
	# The pods not being deleted: one, Running, and not the old one.
	run kubectl_real get pods -n reloader-new -l app=reloader-new -o json
	assert_success
	run jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.uid + " " + .status.phase' <<<"$output"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^[-0-9a-f]+ Running$'
	refute_output --partial "$old_uid"

	kc "${EX[@]}" arm-stop --name e1 --arm new --log "$BATS_TEST_TMPDIR/reloader.log"
	assert_success
	if [ "$REAL_BY" = kwok ]; then
		# kwok serves the fake log file as the container's log.
		assert_equal "$(cat "$BATS_TEST_TMPDIR/reloader.log")" 'reloader started
{"level":"info","msg":"fake reloader log"}'
	fi
	run kubectl_real get namespace reloader-new
	assert_failure
	run kubectl_real get clusterrole,clusterrolebinding -l app.kubernetes.io/part-of=reloader-loadtest -o name
	assert_output ""
	# Stopping what is not there is fine (the pipeline's cleanup does it).
	kc "${EX[@]}" arm-stop --name e1 --arm new
	assert_success
	kc "${EX[@]}" arm-restart --name e1 --arm new
	assert_failure 1
	assert_one_line
}

@test "real API, existing: a namespace someone else made is neither changed nor deleted" {
	need_real_api
	kubectl_real create namespace reloader-old >/dev/null
	kc "${EX[@]}" arm-start --name e1 --arm old --image stakater/reloader:v1.4.12
	assert_failure 1
	assert_one_line
	assert_equal "$stderr" "kindctl: Namespace 'reloader-old' exists and was not made by the load test (no label app.kubernetes.io/part-of=reloader-loadtest): refusing to change it"
	run kubectl_real get clusterrole loadtest-reloader-old
	assert_failure
	kc "${EX[@]}" arm-stop --name e1 --arm old
	assert_failure 1
	run kubectl_real get namespace reloader-old -o jsonpath='{.status.phase}'
	assert_output Active
}

@test "real API, existing: prometheus-start deploys, rolls out and port-forwards; prometheus-stop undoes it" {
	need_real_api
	local port
	port=$(free_port)
	kc "${EX[@]}" prometheus-start --name e1 --port "$port"
	assert_success
	assert_output "http://127.0.0.1:$port"
	assert_calls <<<"kubectl port-forward --address 127.0.0.1 -n monitoring svc/prometheus $port:9090 --context $REAL_CONTEXT [KUBECONFIG=$REAL_KUBECONFIG]"
	run curl -sf "http://127.0.0.1:$port/-/ready"
	assert_success
	run kubectl_real get deployment -n monitoring prometheus -o jsonpath='{.status.readyReplicas}'
	assert_output 1
	local pid
	pid=$(cut -d' ' -f1 "$STATE/clusters/e1/prometheus-port-forward.pid")
	kc "${EX[@]}" prometheus-stop --name e1
	assert_success
	gone "$pid"
	assert_file_not_exists "$STATE/clusters/e1/prometheus-port-forward.pid"
	run kubectl_real get namespace monitoring
	assert_failure
	run kubectl_real get clusterrole loadtest-prometheus
	assert_failure
}

@test "real API, kind: the in-cluster verbs use the cluster's own kubeconfig and its kind-NAME context" {
	need_real_api
	mkdir -p "$STATE/clusters/k1"
	cp "$REAL_KUBECONFIG" "$STATE/clusters/k1/kubeconfig"
	"$REAL_KUBECTL" --kubeconfig "$STATE/clusters/k1/kubeconfig" config rename-context "$REAL_CONTEXT" kind-k1 >/dev/null
	kc --provider kind arm-start --name k1 --arm old --image stakater/reloader:v1.4.12
	assert_success
	[[ $output == reloader-* ]] || fail "not a pod name: $output"
	local port
	port=$(free_port)
	kc --provider kind prometheus-start --name k1 --port "$port"
	assert_success
	assert_output "http://127.0.0.1:$port"
	kc --provider kind prometheus-stop --name k1
	assert_success
	kc --provider kind arm-stop --name k1 --arm old --log "$BATS_TEST_TMPDIR/old.log"
	assert_success
	run kubectl_real get namespace reloader-old
	assert_failure
	# No engine was needed: the kubeconfig was there.
	run grep -c -E '^(docker|podman|kind) ' "$CALLS"
	assert_output 0
	run grep -c "port-forward .* --context kind-k1 \[KUBECONFIG=$STATE/clusters/k1/kubeconfig\]" "$CALLS"
	assert_output 1
}
