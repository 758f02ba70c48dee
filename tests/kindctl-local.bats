#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031 # bats sets $output, $stderr and $status
# The local provider: a real control plane with kwok nodes, Reloader and Prometheus as host
# processes, everything stopped by pid.

setup_file() {
	load helpers/common
	load helpers/prometheus
	load helpers/cluster
	cluster_up "bats-local-$$"
}

teardown_file() {
	load helpers/common
	load helpers/cluster
	cluster_down
}

setup() {
	load helpers/common
	load helpers/prometheus
	load helpers/cluster
	cluster_required
}

# A failed test leaves no arm running for the next one.
teardown() {
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm old >/dev/null 2>&1 || true
	"$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new >/dev/null 2>&1 || true
}

@test "create: six simulated nodes Ready, every component on 127.0.0.1 only" {
	run kubectl get nodes --no-headers
	assert_success
	[ "$(grep -c ' Ready ' <<<"$output")" -eq 6 ]
	run "$BIN/kindctl" --provider local exists --name "$CLUSTER"
	assert_success
	run "$BIN/kindctl" --provider local exists --name no-such-cluster
	assert_failure 1
	local d="$LOADTEST_STATE/clusters/$CLUSTER/kwok/clusters/$CLUSTER/pids" f p
	for f in "$d"/*.pid; do
		p=$(<"$f")
		run bash -c "ss -Htlnp | grep 'pid=$p,'"
		assert_success
		refute_output --regexp '(\*|0\.0\.0\.0|\[::\]):[0-9]+ '
	done
}

@test "the project's manifests validate against this API server" {
	# A server-side dry run creates no namespace, so the namespaces are made for real first.
	kubectl create namespace monitoring
	kubectl create namespace reloader-new
	run kubectl apply --dry-run=server -f "$REPO_ROOT/manifests/prometheus.yaml"
	assert_success
	sed -e 's/@ARM@/new/g' -e 's#@IMAGE@#stakater/reloader:v1.4.21#' -e 's/^@ARGS@$/            - "--reload-strategy=annotations"/' \
		"$REPO_ROOT/manifests/reloader-arm.yaml" >"$BATS_TEST_TMPDIR/arm.yaml"
	run kubectl apply --dry-run=server -f "$BATS_TEST_TMPDIR/arm.yaml"
	assert_success
	assert_line --partial "deployment.apps/reloader created (server dry run)"
	kubectl delete namespace monitoring reloader-new --wait=false
}

# roll_test IMAGE: a Deployment using a ConfigMap is rolled by the controller when the
# ConfigMap changes, and Prometheus sees the controller's count rise.
roll_test() {
	local image=$1 arm=$2
	local ns="roll-$arm"
	kubectl create namespace "$ns"
	kubectl -n "$ns" create configmap cfg --from-literal=key=one
	kubectl -n "$ns" apply -f - <<-EOF
		apiVersion: apps/v1
		kind: Deployment
		metadata:
		  name: app
		  annotations: { reloader.stakater.com/auto: "true" }
		spec:
		  replicas: 1
		  selector: { matchLabels: { app: app } }
		  template:
		    metadata: { labels: { app: app } }
		    spec:
		      containers:
		        - name: app
		          image: gcr.io/google-containers/busybox:1.27
		          envFrom: [ { configMapRef: { name: cfg } } ]
	EOF
	run kubectl -n "$ns" rollout status deployment/app --timeout=60s
	assert_success
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm "$arm" --image "$image" \
		--log "$BATS_TEST_TMPDIR/reloader.log"
	assert_success
	run "$BIN/promsnap" wait --url "$PROM_URL" --job "reloader-$arm" --timeout 60
	assert_success
	local before
	before=$(kubectl -n "$ns" get deployment app -o jsonpath='{.spec.template}')
	kubectl -n "$ns" create configmap cfg --from-literal=key=two --dry-run=client -o yaml | kubectl -n "$ns" apply -f -
	# The controller changes the pod template (read from the object), within a minute.
	wait_until 60 bash -c "[ \"\$(kubectl -n $ns get deployment app -o jsonpath='{.spec.template}')\" != '$before' ]"
	# Read back from the API server: one change, one roll (generation 1 -> 2), and the env var
	# Reloader writes holds SHA-1 of the ConfigMap's content ("key=value" pairs, sorted, joined
	# by ";"), as the oracles of scenario-live.bats expect of both versions.
	local sum
	sum=$(printf 'key=two' | sha1sum)
	wait_until 10 bash -c "[ \"\$(kubectl -n $ns get deployment app -o jsonpath='{.metadata.generation}')\" = 2 ]"
	run kubectl -n "$ns" get deployment app -o json
	assert_success
	[ "$(jq -r '.spec.template.spec.containers[0].env | map("\(.name)=\(.value)") | join(" ")' <<<"$output")" = \
		"STAKATER_CFG_CONFIGMAP=${sum%% *}" ]
	# Prometheus, once it has a scrape newer than the change, shows the count risen.
	local now
	now=$(($(date +%s) + 1))
	run "$BIN/promsnap" wait --url "$PROM_URL" --job "reloader-$arm" --fresh "$now" --timeout 60
	assert_success
	run curl -sf "$PROM_URL/api/v1/query" --data-urlencode "query=sum(reloader_reload_executed_total{job=\"reloader-$arm\",success=\"true\"})"
	assert_success
	run jq -r '.data.result[0].value[1]' <<<"$output"
	assert_output 1
	# Still one roll, seen from the API server after that scrape: no duplicate.
	[ "$(kubectl -n "$ns" get deployment app -o jsonpath='{.metadata.generation}')" = 2 ]
	run curl -sf "$PROM_URL/api/v1/query" --data-urlencode "query=up{job=\"reloader-$arm\"}"
	run jq -r '.data.result[0].value[1]' <<<"$output"
	assert_output 1
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm "$arm" --log "$BATS_TEST_TMPDIR/arm.log"
	assert_success
	assert_file_exists "$BATS_TEST_TMPDIR/arm.log"
	kubectl delete namespace "$ns" --wait=false
}

@test "Reloader v1.4.21 rolls a Deployment when its ConfigMap changes; Prometheus counts it" {
	roll_test stakater/reloader:v1.4.21 new
}

@test "Reloader v1.4.12 does the same" {
	roll_test stakater/reloader:v1.4.12 old
}

@test "arm-restart: a new process, counters back to zero" {
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21
	assert_success
	local first=$output url
	url=$(reloader_url)
	run "$BIN/kindctl" --provider local arm-restart --name "$CLUSTER" --arm new
	assert_success
	[ "$output" != "$first" ]
	kill -0 "$output"
	run running "$first"
	assert_failure
	[ "$(reloader_metric reloader_reload_executed_total)" = 0 ]
	# The same arm cannot start twice.
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21
	assert_failure 1
	assert_one_line
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	run curl -sf "$url"
	assert_failure
	run "$BIN/kindctl" --provider local arm-metrics-url --name "$CLUSTER" --arm new
	assert_failure 1
}

# The namespace an arm runs in, as the kernel names it (net:[INODE]).
netns_of() {
	readlink "/proc/$1/ns/net"
}

@test "isolated arms: each in a network namespace of its own with loopback only, both at once, each scraped" {
	run "$BIN/kindctl" netns-check
	if [ "$status" -ne 0 ]; then
		cannot_run "network namespaces cannot be made here ($output)"
	fi
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm old --image stakater/reloader:v1.4.12
	assert_success
	local old=$output
	run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21
	assert_success
	local new=$output
	# Two namespaces, neither the host's; inside, only the loopback, with no route out.
	[ "$(netns_of "$old")" != "$(netns_of $$)" ]
	[ "$(netns_of "$new")" != "$(netns_of $$)" ]
	[ "$(netns_of "$old")" != "$(netns_of "$new")" ]
	run nsenter --net="/proc/$old/ns/net" ip -o link show
	assert_success
	[ "$(wc -l <<<"$output")" = 1 ]
	[[ "$output" == *" lo: "* ]]
	run nsenter --net="/proc/$old/ns/net" ip route show
	assert_output ""
	# Each arm's :9090 is its namespace's own; the host reaches it through a port of its own.
	nsenter --net="/proc/$old/ns/net" curl -sf http://127.0.0.1:9090/metrics | grep -q '^reloader_reload_executed_total'
	local uold unew
	uold=$("$BIN/kindctl" --provider local arm-metrics-url --name "$CLUSTER" --arm old)
	unew=$("$BIN/kindctl" --provider local arm-metrics-url --name "$CLUSTER" --arm new)
	[ "$uold" != "$unew" ]
	curl -sf "$uold" | grep -q '^reloader_reload_executed_total'
	curl -sf "$unew" | grep -q '^reloader_reload_executed_total'
	# Prometheus scrapes the arm its targets file names (one at a time: the pipeline's way).
	run "$BIN/promsnap" wait --url "$PROM_URL" --job reloader-new --timeout 60
	assert_success
	# Both reach the API server (Reloader lists ConfigMaps at start; a failure would stop it).
	sleep 2
	kill -0 "$old"
	kill -0 "$new"
	# Each URL reaches its own controller: with old stopped, its URL is dead, new's answers.
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm old
	assert_success
	run curl -sf "$uold"
	assert_failure
	curl -sf "$unew" | grep -q '^reloader_reload_executed_total'
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	# Bridges gone with their arms.
	run compgen -G "$LOADTEST_STATE/clusters/$CLUSTER/arm-*-bridge.pid"
	assert_failure
}

@test "LOADTEST_NETNS=off: the host's network, and a second arm refused while one holds :9090" {
	LOADTEST_NETNS=off run "$BIN/kindctl" netns-check
	assert_failure 1
	assert_output "no: LOADTEST_NETNS=off"
	LOADTEST_NETNS=off run "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image stakater/reloader:v1.4.21
	assert_success
	local pid=$output
	[ "$(netns_of "$pid")" = "$(netns_of $$)" ]
	curl -sf http://127.0.0.1:9090/metrics | grep -q '^reloader_reload_executed_total'
	[ "$(reloader_url)" = http://127.0.0.1:9090/metrics ]
	LOADTEST_NETNS=off run --separate-stderr "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm old --image stakater/reloader:v1.4.12
	assert_failure 1
	assert_one_line
	[[ "$stderr" == *"one arm runs at a time on this host's network"* ]]
	run "$BIN/kindctl" --provider local arm-stop --name "$CLUSTER" --arm new
	assert_success
	run curl -sf http://127.0.0.1:9090/metrics
	assert_failure
}

@test "controller names the provider cannot run: one line, non-zero" {
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image nginx:latest
	assert_failure 1
	assert_one_line
	[[ "$stderr" == *"stakater/reloader:vX.Y.Z or bin:/path"* ]]
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name "$CLUSTER" --arm new --image bin:/nonexistent/reloader
	assert_failure 1
	assert_one_line
	run --separate-stderr "$BIN/kindctl" --provider local arm-start --name no-such --arm new --image stakater/reloader:v1.4.21
	assert_failure 1
	assert_one_line
	run --separate-stderr "$BIN/kindctl" --provider local create
	assert_failure 2
	assert_one_line
}
