/*
 * An injected API latency: a loopback TCP proxy that holds every chunk of client-to-server
 * bytes for a fixed delay before forwarding it (TLS passes through untouched), and the delay
 * line it is built on (dline.c).
 */
#ifndef KINDCTL_APIPROXY_H
#define KINDCTL_APIPROXY_H

#include <stddef.h>
#include <stdint.h>

/* Per direction of a connection: what may be held before reading stops (backpressure). */
#define DLINE_BYTES (256 * 1024)
#define DLINE_SEGS 256

/*
 * A bounded FIFO of bytes in which every chunk carries the time (µs of CLOCK_MONOTONIC, as
 * the proxy uses it) at which it may leave. Chunks leave in the order they came, a chunk never before its time.
 */
struct dline {
	unsigned char buf[DLINE_BYTES];
	size_t head, len;		/* ring of bytes */
	struct dseg {
		size_t len;
		int64_t due;
	} segs[DLINE_SEGS];
	size_t shead, slen;		/* ring of chunks, one per read */
};

void dline_init(struct dline *d);
/* Contiguous free room at the tail (*p), 0 when full (of bytes or of chunks). */
size_t dline_space(struct dline *d, unsigned char **p);
/* n bytes were written at *p of dline_space: one chunk that may leave at due. */
void dline_commit(struct dline *d, size_t n, int64_t due);
/* Contiguous bytes at the head (*p) whose time has come at now. */
size_t dline_ready(const struct dline *d, int64_t now, const unsigned char **p);
/* n bytes (at most what dline_ready said) have left. */
void dline_consume(struct dline *d, size_t n);
/* When the head chunk may leave; -1 when empty. */
int64_t dline_next_due(const struct dline *d);

/*
 * Parse "A.B.C.D:PORT" with A.B.C.D a loopback (127/8) address, port within [min_port,
 * 65535], into *sa (a struct sockaddr_in). 0, or -1 after printing why, naming what.
 */
struct sockaddr_in;
int loopback_addr(const char *what, const char *s, int min_port, struct sockaddr_in *sa);

/*
 * Listen on listen_addr, forward every connection to to_addr, holding client-to-server
 * bytes delay_ms (>= 0); the port listened on is written to port_file ("PORT\n", atomically) once
 * it listens. Runs until SIGTERM or SIGINT. Exit status: 0, 1 (cannot listen), 2 (bad input).
 */
int apiproxy_run(const char *listen_addr, const char *to_addr, long delay_ms, const char *port_file);

/*
 * The bridge of an arm isolated in a network namespace of its own (arm-start, local provider,
 * where namespaces can be made): this process makes the namespace (loopback only) and stays
 * in it, so the controller joins it through /proc/PID/ns/net. Inside, api_addr (the API
 * server's loopback address on the host) is forwarded to the same address on the host, the
 * client-to-server bytes held delay_ms; on the host, host_addr (127.0.0.1:PORT, port 0 for
 * one of the host's choosing; the port is written to port_file once everything listens) is
 * forwarded to 127.0.0.1:metrics_port inside. Nothing
 * leaves 127.0.0.0/8. Runs until SIGTERM or SIGINT; exit status as apiproxy_run.
 */
int armbridge_run(const char *api_addr, const char *host_addr, int metrics_port, long delay_ms,
		  const char *port_file);
/* 1 when this process may make network namespaces, else 0 with the reason in why. */
int netns_possible(char *why, size_t size);
/* Enter the network namespace at ns_path (/proc/PID/ns/net) and exec argv (argv[0] a path);
   returns only on failure, with an exit status, after printing why. */
int netns_exec(const char *ns_path, char *const argv[]);

#endif
