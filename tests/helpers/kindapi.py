#!/usr/bin/env python3
"""The API server of a cluster that a stubbed kind "made", for tests/kindctl-kind.bats.

usage: kindapi.py DIR

Binds 127.0.0.1 on a free port (plain HTTP) and writes it to DIR/port once listening.
Every request is appended to DIR/requests as "METHOD PATH". Endpoints:
  /version          a version object
  /api/v1/nodes     a NodeList of N Ready nodes, N read from DIR/nodes at each request
                    (default 7); with watch=1, a stream that stays open and quiet
Anything else is a 404 Status. Real API behaviour (apply, rollouts, deletions) is tested
against a real kube-apiserver, not here.
"""
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

DIR = sys.argv[1]
lock = threading.Lock()


def log(line):
    with lock, open(os.path.join(DIR, "requests"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


def node_count():
    try:
        with open(os.path.join(DIR, "nodes"), encoding="utf-8") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 7


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        log(f"GET {self.path}")
        if url.path == "/version":
            self.send_json(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.4-kindapi"})
        elif url.path == "/api/v1/nodes" and "watch" in query:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            # Quiet until the client goes away (or a minute passes).
            for _ in range(600):
                time.sleep(0.1)
            self.wfile.write(b"0\r\n\r\n")
        elif url.path == "/api/v1/nodes":
            items = []
            for i in range(node_count()):
                items.append({
                    "metadata": {"name": f"node-{i}", "uid": f"uid-{i}", "resourceVersion": "1",
                                 "creationTimestamp": "2026-01-01T00:00:00Z"},
                    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
                })
            self.send_json(200, {"kind": "NodeList", "metadata": {"resourceVersion": "1"}, "items": items})
        else:
            self.send_json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound",
                                 "message": f"kindapi: no {url.path}", "code": 404})


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    # Renamed into place: a reader never sees a half-written port.
    os.replace(tmp, os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
