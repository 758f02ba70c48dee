#!/usr/bin/env python3
"""A misbehaving stand-in for Prometheus, for promsnap's fault tests.

usage: fakeprom.py PORTFILE LOGFILE hang
       fakeprom.py PORTFILE LOGFILE status CODE BODYFILE [CONTENT-TYPE]

Binds 127.0.0.1 on a free port and writes the port to PORTFILE once listening.
Each request (or, for hang, each accepted connection) is logged as one line in LOGFILE.
  hang     accept connections and read, never answer
  status   answer every request with HTTP CODE and the contents of BODYFILE
"""
import http.server
import os
import socket
import sys
import threading


def log(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def publish(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{port}\n")
    # Renamed into place: a reader never sees a half-written port.
    os.replace(tmp, portfile)


def hang(portfile, logfile):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    publish(portfile, srv.getsockname()[1])
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)
        log(logfile, "connection")
        threading.Thread(target=drain, args=(conn,), daemon=True).start()


def drain(conn):
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def status(portfile, logfile, code, bodyfile, ctype):
    with open(bodyfile, "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            log(logfile, self.path)
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    publish(portfile, srv.server_address[1])
    srv.serve_forever()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    portfile, logfile, mode = sys.argv[1:4]
    if mode == "hang":
        hang(portfile, logfile)
    elif mode == "status" and len(sys.argv) in (6, 7):
        ctype = sys.argv[6] if len(sys.argv) == 7 else "application/json"
        status(portfile, logfile, int(sys.argv[4]), sys.argv[5], ctype)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
