/*
 * The API-latency proxy (see apiproxy.h): one thread, ppoll(2) over non-blocking sockets,
 * each direction of a connection through a bounded delay line (dline.c), so a slow reader
 * holds back its writer instead of growing our memory.
 */
#include "apiproxy.h"
#include "fsio.h"
#include "msg.h"
#include "num.h"
#include "wrapper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256

/* µs of CLOCK_MONOTONIC: a chunk held "at least MS ms" is not let go up to 1 ms early by rounding.
   Integer µs straight from the clock, not mono_now()'s double seconds: a due time and the time
   it is compared with are exact, so "held at least" holds to the µs. */
static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int loopback_addr(const char *what, const char *s, int min_port, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return errorf("%s '%s': not ADDRESS:PORT", what, s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return errorf("%s '%s': not an IPv4 address and a port", what, s);
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return errorf("%s '%s': not a loopback address (127.0.0.0/8); the proxy's traffic stays on this host",
			      what, s);
	if (num_long(colon + 1, min_port, 65535, &port) != NULL)
		return errorf("%s '%s': the port must be a whole number from %d to 65535", what, s, min_port);
	sa->sin_port = htons((unsigned short)port);
	return 0;
}

/* ---- the proxy: routes, each a listener and where its connections go ---- */

/*
 * A route listens on one address and connects each client to another, holding
 * client-to-server bytes for its delay. In a bridge, this process lives in the arm's network
 * namespace; a route's sockets that belong to the host's namespace are made there (see
 * new_socket), so one process joins the two.
 */
struct route {
	int lfd;
	int listen_host, to_host;	/* the listener, the connections made in the host namespace */
	struct sockaddr_in listen, to;
	char listen_text[32], to_text[32];
	int64_t delay;			/* µs */
	unsigned long accepted, refused;
};

struct conn {
	struct route *r;
	int cfd, sfd;			/* client, server */
	int connecting;			/* the connection to the server is not made yet */
	int ceof, seof;			/* the client, the server has sent its end of stream */
	int sshut, cshut;		/* that end was passed on to the server, to the client */
	struct dline up, down;		/* client to server (delayed), server to client */
};

#define MAX_ROUTES 2

struct proxy {
	struct route routes[MAX_ROUTES];
	size_t nroutes;
	int host_ns, own_ns;		/* bridge: namespace fds; -1 for a plain proxy */
	struct conn *conns[MAX_CONNS];
	size_t n;
	struct pollfd fds[MAX_ROUTES + 2 * MAX_CONNS];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* A TCP socket in the host's namespace (host) or in ours; -1 with errno set. */
static int new_socket(const struct proxy *px, int host)
{
	int fd, e;

	if (!host || px->host_ns < 0)
		return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (setns(px->host_ns, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	e = errno;
	/* Back home: without it, the next socket of ours would be made on the host. */
	if (setns(px->own_ns, CLONE_NEWNET) < 0) {
		errorf_errno("cannot return to the arm's network namespace");
		exit(EXIT_FAILED);
	}
	errno = e;
	return fd;
}

static void conn_free(struct conn *c)
{
	close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	free(c);
}

static void accept_one(struct proxy *px, struct route *r)
{
	int fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
			warnf_errno("cannot accept a connection on %s", r->listen_text);
		return;
	}
	/* Not xmalloc: one connection refused, the others served, rather than the arm's whole way
	   to the API server gone. */
	struct conn *c = malloc(sizeof(*c));
	r->accepted++;
	if (c == NULL) {
		warnf("out of memory: a connection is refused");
		close(fd);
		return;
	}
	c->r = r;
	c->cfd = fd;
	c->connecting = c->ceof = c->seof = c->sshut = c->cshut = 0;
	dline_init(&c->up);
	dline_init(&c->down);
	c->sfd = new_socket(px, r->to_host);
	/* Small writes (HTTP/2 frames) go out when due, not when Nagle would let them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->sfd >= 0)
		setsockopt(c->sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->sfd >= 0 && connect(c->sfd, (struct sockaddr *)&r->to, sizeof(r->to)) < 0) {
		if (errno == EINPROGRESS) {
			c->connecting = 1;
		} else {
			int e = errno;
			close(c->sfd);
			c->sfd = -1;
			errno = e;
		}
	}
	if (c->sfd < 0) {
		/* Nothing listening yet (a controller starting) is no news for the metrics route. */
		if (r->to_host || errno != ECONNREFUSED)
			warnf_errno("cannot connect to '%s'", r->to_text);
		r->refused++;
		conn_free(c);
		return;
	}
	px->conns[px->n++] = c;
}

/* Read what fd has into d, every read one chunk due at due. 0, 1 at end of stream, -1 on error. */
static int fill(int fd, struct dline *d, int64_t due)
{
	unsigned char *p;
	size_t room;

	while ((room = dline_space(d, &p)) > 0) {
		ssize_t n = recv(fd, p, room, 0);
		if (n > 0)
			dline_commit(d, (size_t)n, due);
		else if (n == 0)
			return 1;
		else if (errno != EINTR)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
	return 0;
}

/* Send what of d is due at now; 0, or -1 on error. */
static int drain(int fd, struct dline *d, int64_t now)
{
	const unsigned char *p;
	size_t n;

	while ((n = dline_ready(d, now, &p)) > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0)
			dline_consume(d, (size_t)w);
		else if (w < 0 && errno != EINTR)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
	return 0;
}

/* Move one connection on; 0 while it lives, -1 when it is over (error or both ends closed). */
static int conn_step(struct conn *c, short crev, short srev, int64_t now)
{
	if (c->connecting && (srev & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			if (c->r->to_host || err != ECONNREFUSED) {
				errno = err;
				warnf_errno("cannot connect to '%s'", c->r->to_text);
			}
			c->r->refused++;
			return -1;
		}
		c->connecting = 0;
	}
	if ((crev & (POLLIN | POLLHUP | POLLERR)) && !c->ceof) {
		int r = fill(c->cfd, &c->up, now + c->r->delay);
		if (r < 0)
			return -1;
		c->ceof = r;
	}
	if (!c->connecting && (srev & (POLLIN | POLLHUP | POLLERR)) && !c->seof) {
		int r = fill(c->sfd, &c->down, now);
		if (r < 0)
			return -1;
		c->seof = r;
	}
	if (!c->connecting && drain(c->sfd, &c->up, now) < 0)
		return -1;
	if (drain(c->cfd, &c->down, now) < 0)
		return -1;
	/* An end of stream is passed on once the bytes before it have gone. */
	if (c->ceof && c->up.len == 0 && !c->connecting && !c->sshut) {
		shutdown(c->sfd, SHUT_WR);
		c->sshut = 1;
	}
	if (c->seof && c->down.len == 0 && !c->cshut) {
		shutdown(c->cfd, SHUT_WR);
		c->cshut = 1;
	}
	return c->sshut && c->cshut ? -1 : 0;
}

/* The poll set for now: only the events a connection can act on. Returns the timeout (µs, -1: none). */
static int64_t poll_set(struct proxy *px, int64_t now)
{
	int64_t timeout = -1;
	size_t base = px->nroutes;

	for (size_t i = 0; i < px->nroutes; i++)
		px->fds[i] = (struct pollfd){ px->n < MAX_CONNS ? px->routes[i].lfd : -1, POLLIN, 0 };
	for (size_t i = 0; i < px->n; i++) {
		struct conn *c = px->conns[i];
		unsigned char *room;
		const unsigned char *out;
		short ce = 0, se = 0;

		if (!c->ceof && dline_space(&c->up, &room) > 0)
			ce |= POLLIN;
		if (dline_ready(&c->down, now, &out) > 0)
			ce |= POLLOUT;
		if (c->connecting) {
			se = POLLOUT;
		} else {
			if (!c->seof && dline_space(&c->down, &room) > 0)
				se |= POLLIN;
			if (dline_ready(&c->up, now, &out) > 0)
				se |= POLLOUT;
			int64_t due = dline_next_due(&c->up);
			if (due > now && (timeout < 0 || due - now < timeout))
				timeout = due - now;
		}
		/* A socket with nothing to do is left out, lest its hang-up wake us in a loop. */
		px->fds[base + 2 * i] = (struct pollfd){ ce ? c->cfd : -1, ce, 0 };
		px->fds[base + 2 * i + 1] = (struct pollfd){ se ? c->sfd : -1, se, 0 };
	}
	return timeout;
}

/* Open r's listener; the port it got into *port. 0, or -1 after printing why. */
static int listen_on(struct proxy *px, struct route *r, int *port)
{
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int one = 1;

	r->lfd = new_socket(px, r->listen_host);
	if (r->lfd < 0)
		return errorf_errno("cannot listen on '%s'", r->listen_text);
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(r->lfd, (const struct sockaddr *)&r->listen, sizeof(r->listen)) < 0 || listen(r->lfd, 128) < 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&got, &len) < 0)
		return errorf_errno("cannot listen on '%s'", r->listen_text);
	*port = ntohs(got.sin_port);
	snprintf(r->listen_text, sizeof(r->listen_text), "127.0.0.1:%d", *port);
	return 0;
}

static int add_route(struct proxy *px, const char *listen, int listen_host, const char *to, int to_host,
		     long delay_ms)
{
	struct route *r = &px->routes[px->nroutes];

	memset(r, 0, sizeof(*r));
	r->lfd = -1;
	r->listen_host = listen_host;
	r->to_host = to_host;
	r->delay = (int64_t)delay_ms * 1000;
	if (loopback_addr("--listen", listen, 0, &r->listen) < 0 || loopback_addr("--to", to, 1, &r->to) < 0)
		return -1;
	snprintf(r->listen_text, sizeof(r->listen_text), "%s", listen);
	snprintf(r->to_text, sizeof(r->to_text), "%s", to);
	px->nroutes++;
	return 0;
}

/* Make a network namespace of our own with its loopback up, keeping a way back to the host's. */
static int enter_new_netns(struct proxy *px)
{
	struct ifreq ifr;
	int s;

	px->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (px->host_ns < 0)
		return errorf_errno("cannot open this host's network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return errorf("cannot make a network namespace: %s (needs root or CAP_SYS_ADMIN)", strerror(errno));
	px->own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (px->own_ns < 0)
		return errorf_errno("cannot open the new network namespace");
	/* A new namespace has only a loopback interface, and it is down. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)) {
		int e = errno;
		if (s >= 0)
			close(s);
		errno = e;
		return errorf_errno("cannot bring up the loopback interface of the new network namespace");
	}
	close(s);
	return 0;
}

/* Serve every route until SIGTERM or SIGINT. */
static int serve(struct proxy *px)
{
	sigset_t block, wait_mask;
	struct sigaction sa;
	int rc = 0;

	/* SIGTERM is only taken inside ppoll, so a stop request can never fall between a check
	   of the flag and the wait. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	while (!stopping) {
		int64_t now = mono_us(), t = poll_set(px, now);
		struct timespec ts = { (time_t)(t / 1000000), (long)(t % 1000000) * 1000L };
		size_t base = px->nroutes;
		int nr = ppoll(px->fds, base + 2 * px->n, t >= 0 ? &ts : NULL, &wait_mask);
		if (nr < 0 && errno != EINTR) {
			errorf_errno("cannot wait for connections");
			rc = EXIT_FAILED;
			break;
		}
		now = mono_us();
		/* Connections first, by their slots in fds; a finished one takes the last's place,
		   so walk down. */
		for (size_t i = px->n; i-- > 0;) {
			short crev = nr > 0 ? px->fds[base + 2 * i].revents : 0;
			short srev = nr > 0 ? px->fds[base + 2 * i + 1].revents : 0;
			if (conn_step(px->conns[i], crev, srev, now) < 0) {
				conn_free(px->conns[i]);
				px->conns[i] = px->conns[--px->n];
			}
		}
		for (size_t i = 0; nr > 0 && i < px->nroutes; i++)
			if (px->fds[i].revents & POLLIN)
				accept_one(px, &px->routes[i]);
	}
	for (size_t i = 0; rc == 0 && i < px->nroutes; i++)
		warnf("stopped: %s: %lu connections accepted, %lu of them could not reach '%s'",
		      px->routes[i].listen_text, px->routes[i].accepted, px->routes[i].refused, px->routes[i].to_text);
	return rc;
}

static struct proxy *proxy_new(void)
{
	struct proxy *px = xcalloc(1, sizeof(*px));

	px->host_ns = px->own_ns = -1;
	return px;
}

static void proxy_free(struct proxy *px)
{
	for (size_t i = 0; i < px->n; i++)
		conn_free(px->conns[i]);
	for (size_t i = 0; i < px->nroutes; i++)
		if (px->routes[i].lfd >= 0)
			close(px->routes[i].lfd);
	if (px->host_ns >= 0)
		close(px->host_ns);
	if (px->own_ns >= 0)
		close(px->own_ns);
	free(px);
}

static int write_port(const char *port_file, int port)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", port);

	return fs_write_atomic(port_file, line, (size_t)n);
}

int apiproxy_run(const char *listen_addr, const char *to_addr, long delay_ms, const char *port_file)
{
	struct proxy *px = proxy_new();
	int rc, port;

	if (add_route(px, listen_addr, 0, to_addr, 0, delay_ms) < 0) {
		proxy_free(px);
		return EXIT_TROUBLE;
	}
	if (listen_on(px, &px->routes[0], &port) < 0 || write_port(port_file, port) < 0) {
		proxy_free(px);
		return EXIT_FAILED;
	}
	warnf("listening on %s, forwarding to %s, client-to-server bytes held %ld ms", px->routes[0].listen_text,
	      to_addr, delay_ms);
	rc = serve(px);
	proxy_free(px);
	return rc;
}

int armbridge_run(const char *api_addr, const char *host_addr, int metrics_port, long delay_ms, const char *port_file)
{
	struct proxy *px = proxy_new();
	char metrics[32];
	int rc = EXIT_FAILED, api_port, host_port;

	snprintf(metrics, sizeof(metrics), "127.0.0.1:%d", metrics_port);
	if (add_route(px, api_addr, 0, api_addr, 1, delay_ms) < 0 ||
	    add_route(px, host_addr, 1, metrics, 0, 0) < 0) {
		proxy_free(px);
		return EXIT_TROUBLE;
	}
	/* The API server's address inside the namespace is the one it has on the host, so the
	   arm uses the cluster's own kubeconfig; the metrics port is exposed on the host at a
	   port of the host's choosing, written to port_file once both listen. */
	if (enter_new_netns(px) == 0 && listen_on(px, &px->routes[0], &api_port) == 0 &&
	    listen_on(px, &px->routes[1], &host_port) == 0 && write_port(port_file, host_port) == 0) {
		warnf("network namespace made: the API server %s reachable inside (client-to-server bytes held "
		      "%ld ms); the controller's metrics (%s inside) at %s on the host",
		      api_addr, delay_ms, metrics, px->routes[1].listen_text);
		rc = serve(px);
	}
	proxy_free(px);
	return rc;
}

int netns_possible(char *why, size_t size)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0) {
		snprintf(why, size, "cannot fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) < 0 ? (errno & 0x7f) : 0);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	snprintf(why, size, "cannot make a network namespace (%s): it needs root or CAP_SYS_ADMIN",
		 WIFEXITED(st) ? strerror(WEXITSTATUS(st)) : "the test process was killed");
	return 0;
}

int netns_exec(const char *ns_path, char *const argv[])
{
	int fd = open(ns_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errorf_errno("cannot open the network namespace '%s'", ns_path), EXIT_FAILED;
	if (setns(fd, CLONE_NEWNET) < 0)
		return errorf_errno("cannot enter the network namespace '%s'", ns_path), EXIT_FAILED;
	close(fd);
	execv(argv[0], argv);
	return errorf_errno("cannot run '%s'", argv[0]), EXIT_FAILED;
}
