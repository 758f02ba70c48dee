#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server over TLS, for the kube client's unit tests.

usage: fakekube.py PORTFILE CERT KEY CLIENT_CA

Binds 127.0.0.1 on a free port, serves HTTPS with CERT and KEY, asks for a client
certificate signed by CLIENT_CA (optional: requests without one are served too), and
writes the port to PORTFILE once listening. Endpoints:
  /version            a version object
  /echo               what the request looked like, as JSON (method, path, query,
                      authorization, client_cn, content_type, body)
  /slow?ms=N          answers after N ms; counts concurrent requests
  /stats              {"max_concurrent": M, "requests": R, "connections": C} since the
                      last /reset
  /reset              zeroes the counters
  /status/CODE        answers CODE with a Status object
  /stream?mode=M&...  a watch: with watch=1, newline-delimited events, written in pieces
                      (mode split, bad, hold); without, a list
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

lock = threading.Lock()
counters = {"current": 0, "max_concurrent": 0, "requests": 0, "connections": 0}


def publish(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{port}\n")
    # Renamed into place: a reader never sees a half-written port.
    os.replace(tmp, portfile)


def event(kind, name, rv, **extra):
    obj = {"kind": "ConfigMap", "metadata": {"name": name, "resourceVersion": rv}}
    obj["metadata"].update(extra)
    return (json.dumps({"type": kind, "object": obj}) + "\n").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with lock:
            counters["connections"] += 1

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def client_cn(self):
        cert = self.connection.getpeercert()
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        with lock:
            counters["requests"] += 1
        if url.path == "/version":
            self.send_json(200, {"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake"})
        elif url.path == "/echo":
            self.send_json(200, {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "authorization": self.headers.get("Authorization"),
                "client_cn": self.client_cn(),
                "content_type": self.headers.get("Content-Type"),
                "body": body,
            })
        elif url.path == "/slow":
            with lock:
                counters["current"] += 1
                counters["max_concurrent"] = max(counters["max_concurrent"], counters["current"])
            time.sleep(int(query.get("ms", ["100"])[0]) / 1000)
            with lock:
                counters["current"] -= 1
            self.send_json(200, {"slept": True})
        elif url.path == "/stats":
            with lock:
                self.send_json(200, {k: counters[k] for k in ("max_concurrent", "requests", "connections")})
        elif url.path == "/reset":
            with lock:
                counters.update(current=0, max_concurrent=0, requests=0, connections=0)
            self.send_json(200, {})
        elif url.path.startswith("/status/"):
            code = int(url.path.split("/")[2])
            self.send_json(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                  "reason": "Fake", "code": code})
        elif url.path == "/stream":
            self.stream(query.get("mode", ["split"])[0], url.query, "1" in query.get("watch", []))
        else:
            self.send_json(404, {"kind": "Status", "reason": "NotFound", "code": 404})

    def stream(self, mode, raw_query, watch):
        if not watch:
            self.send_json(200, {"kind": "ConfigMapList", "metadata": {"resourceVersion": "40"}, "items": []})
            return
        if mode == "gone":
            self.send_json(410, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "Expired", "code": 410})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        first = event("ADDED", "a", "41", query=raw_query)
        second = event("MODIFIED", "a", "42")
        if mode == "split":
            # The second event is cut in two writes, half a second apart.
            self.chunk(first + second[:17])
            time.sleep(0.5)
            self.chunk(second[17:])
            time.sleep(0.2)
            self.chunk(event("BOOKMARK", "", "43"))
        elif mode == "bad":
            self.chunk(first + b"this is not JSON\n")
            time.sleep(0.2)
        elif mode == "hold":
            self.chunk(first)
            # Until the client goes away or the test ends.
            for _ in range(300):
                time.sleep(0.1)
                try:
                    self.chunk(b"\n")
                except OSError:
                    return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that refuses our certificate is part of the tests, not news.
        pass


def orphan_watch(parent):
    # A test that crashes cannot stop us by pid: leave when our parent is gone.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    portfile, cert, key, client_ca = sys.argv[1:]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=orphan_watch, args=(os.getppid(),), daemon=True).start()
    publish(portfile, srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
