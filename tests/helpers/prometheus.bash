# shellcheck shell=bash
# Local servers for tests: a real Prometheus on a free loopback port (on backfilled
# fixtures, or scraping a target), and other background processes, each started with
# its pid recorded and stopped by that pid. Nothing is ever stopped by name.

# free_port: print a TCP port that is free on 127.0.0.1 now (never Reloader's 9090).
free_port() {
	python3 - <<-'EOF'
		import socket
		while True:
		    s = socket.socket()
		    s.bind(("127.0.0.1", 0))
		    port = s.getsockname()[1]
		    s.close()
		    if port != 9090:
		        print(port)
		        break
	EOF
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; 1 after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if ((SECONDS >= deadline)); then
			echo "wait_until: gave up after waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# bg_start PIDFILE LOG CMD...: start CMD in the background with its pid in PIDFILE.
# fd 3 is closed so bats does not wait for the process.
bg_start() {
	local pidfile=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 3>&- &
	echo $! >"$pidfile"
}

# bg_stop PIDFILE: stop the process recorded in PIDFILE (TERM, then KILL after 5 s).
bg_stop() {
	local pidfile=$1 pid
	[[ -f $pidfile ]] || return 0
	pid=$(<"$pidfile")
	rm -f "$pidfile"
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_until 5 _gone "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# Reap it when it is this shell's child; returns at once otherwise.
	wait "$pid" 2>/dev/null || true
}

# _gone PID: the process has exited (a zombie waiting to be reaped counts as gone).
_gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $st == Z* ]]
}

# prom_backfill OPENMETRICS DIR: turn an OpenMetrics text into TSDB blocks in DIR/tsdb.
prom_backfill() {
	mkdir -p "$2/tsdb"
	promtool tsdb create-blocks-from openmetrics "$1" "$2/tsdb" >"$2/backfill.log" 2>&1 || {
		cat "$2/backfill.log" >&2
		return 1
	}
}

_prom_ready() {
	curl -fsS -o /dev/null --max-time 2 "$1/-/ready" 2>/dev/null
}

# prom_start DIR [CONFIG]: run Prometheus on DIR/tsdb with a long retention, bound to a
# free 127.0.0.1 port; its pid goes to DIR/prometheus.pid, its URL to DIR/url. Returns
# once it answers /-/ready. CONFIG defaults to one with no scrape jobs.
prom_start() {
	local dir=$1 config=${2:-} port url try
	if [[ -z $config ]]; then
		config=$dir/prometheus.yml
		printf 'global:\n  scrape_interval: 15s\n' >"$config"
	fi
	# Another process may take the port between free_port and the bind: try again.
	for try in 1 2 3; do
		port=$(free_port)
		url=http://127.0.0.1:$port
		bg_start "$dir/prometheus.pid" "$dir/prometheus.log" \
			prometheus --config.file="$config" --storage.tsdb.path="$dir/tsdb" \
			--storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port"
		if _prom_wait_ready "$dir/prometheus.pid" "$url"; then
			echo "$url" >"$dir/url"
			return 0
		fi
		bg_stop "$dir/prometheus.pid"
		echo "prom_start: try $try failed:" >&2
		tail -5 "$dir/prometheus.log" >&2
	done
	return 1
}

# _prom_wait_ready PIDFILE URL: 0 once Prometheus answers, 1 if it exits or 30 s pass.
_prom_wait_ready() {
	local deadline=$((SECONDS + 30))
	while ((SECONDS < deadline)); do
		_gone "$(<"$1")" && return 1
		_prom_ready "$2" && return 0
		sleep 0.1
	done
	return 1
}

# prom_stop DIR: stop the Prometheus that prom_start ran in DIR.
prom_stop() {
	bg_stop "$1/prometheus.pid"
}

# prom_has URL QUERY VALUE: Prometheus's answer to QUERY, now, is one series of VALUE.
prom_has() {
	local body
	body=$(curl -fsS --get --max-time 2 "$1/api/v1/query" --data-urlencode "query=$2" 2>/dev/null) || return 1
	jq -e --arg v "$3" '.data.result | length == 1 and .[0].value[1] == $v' >/dev/null <<<"$body"
}
