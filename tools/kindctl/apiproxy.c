/*
 * The API-latency proxy (see apiproxy.h): one thread, ppoll(2) over non-blocking sockets,
 * each direction of a connection through a bounded delay line, so a slow reader holds back
 * its writer instead of growing our memory.
 */
#include "apiproxy.h"
#include "fsio.h"
#include "msg.h"
#include "num.h"

#include <arpa/inet.h>
#include <errno.h>
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

/* ---- the delay line ---- */

void dline_init(struct dline *d)
{
	d->head = d->len = d->shead = d->slen = 0;
}

size_t dline_space(struct dline *d, unsigned char **p)
{
	size_t tail = (d->head + d->len) % DLINE_BYTES;

	if (d->len == DLINE_BYTES || d->slen == DLINE_SEGS)
		return 0;
	*p = d->buf + tail;
	return tail >= d->head ? DLINE_BYTES - tail : d->head - tail;
}

void dline_commit(struct dline *d, size_t n, int64_t due)
{
	if (n == 0)
		return;
	d->len += n;
	if (d->slen > 0) {
		struct dseg *t = &d->segs[(d->shead + d->slen - 1) % DLINE_SEGS];
		/* A chunk due no later than the last one leaves with it: order is kept, and a
		   clock that stepped back could only delay bytes more, never less. */
		if (due <= t->due) {
			t->len += n;
			return;
		}
	}
	d->segs[(d->shead + d->slen) % DLINE_SEGS] = (struct dseg){ n, due };
	d->slen++;
}

size_t dline_ready(const struct dline *d, int64_t now, const unsigned char **p)
{
	size_t n = 0, contig = DLINE_BYTES - d->head;

	for (size_t i = 0; i < d->slen; i++) {
		const struct dseg *s = &d->segs[(d->shead + i) % DLINE_SEGS];
		if (s->due > now)
			break;
		n += s->len;
	}
	*p = d->buf + d->head;
	return n < contig ? n : contig;
}

void dline_consume(struct dline *d, size_t n)
{
	if (n > d->len)
		n = d->len;
	d->head = (d->head + n) % DLINE_BYTES;
	d->len -= n;
	while (n > 0 && d->slen > 0) {
		struct dseg *s = &d->segs[d->shead];
		size_t k = n < s->len ? n : s->len;
		s->len -= k;
		n -= k;
		if (s->len == 0) {
			d->shead = (d->shead + 1) % DLINE_SEGS;
			d->slen--;
		}
	}
	/* Empty: start over at the front, so the next read gets the whole buffer in one piece. */
	if (d->len == 0)
		d->head = 0;
}

int64_t dline_next_due(const struct dline *d)
{
	return d->slen ? d->segs[d->shead].due : -1;
}

/* µs of CLOCK_MONOTONIC: a chunk held "at least MS ms" is not let go up to 1 ms early by rounding. */
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

/* ---- the proxy ---- */

struct conn {
	int cfd, sfd;			/* client, server */
	int connecting;			/* the connection to the server is not made yet */
	int ceof, seof;			/* the client, the server has sent its end of stream */
	int sshut, cshut;		/* that end was passed on to the server, to the client */
	struct dline up, down;		/* client to server (delayed), server to client */
};

struct proxy {
	int lfd;
	struct sockaddr_in to;
	const char *to_text;
	int64_t delay;			/* µs */
	struct conn *conns[MAX_CONNS];
	size_t n;
	unsigned long accepted, refused;
	struct pollfd fds[1 + 2 * MAX_CONNS];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void conn_free(struct conn *c)
{
	close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	free(c);
}

static void accept_one(struct proxy *px)
{
	int fd = accept4(px->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
			warnf("cannot accept a connection: %s", strerror(errno));
		return;
	}
	struct conn *c = malloc(sizeof(*c));
	px->accepted++;
	if (c == NULL) {
		warnf("out of memory: a connection is refused");
		close(fd);
		return;
	}
	c->cfd = fd;
	c->connecting = c->ceof = c->seof = c->sshut = c->cshut = 0;
	dline_init(&c->up);
	dline_init(&c->down);
	c->sfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Small writes (HTTP/2 frames) go out when due, not when Nagle would let them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->sfd >= 0)
		setsockopt(c->sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->sfd >= 0 && connect(c->sfd, (struct sockaddr *)&px->to, sizeof(px->to)) < 0) {
		if (errno == EINPROGRESS) {
			c->connecting = 1;
		} else {
			close(c->sfd);
			c->sfd = -1;
		}
	}
	if (c->sfd < 0) {
		warnf("cannot connect to '%s': %s", px->to_text, strerror(errno));
		px->refused++;
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
static int conn_step(struct proxy *px, struct conn *c, short crev, short srev, int64_t now)
{
	if (c->connecting && (srev & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			warnf("cannot connect to '%s': %s", px->to_text, strerror(err));
			px->refused++;
			return -1;
		}
		c->connecting = 0;
	}
	if ((crev & (POLLIN | POLLHUP | POLLERR)) && !c->ceof) {
		int r = fill(c->cfd, &c->up, now + px->delay);
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

	px->fds[0] = (struct pollfd){ px->n < MAX_CONNS ? px->lfd : -1, POLLIN, 0 };
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
		px->fds[1 + 2 * i] = (struct pollfd){ ce ? c->cfd : -1, ce, 0 };
		px->fds[2 + 2 * i] = (struct pollfd){ se ? c->sfd : -1, se, 0 };
	}
	return timeout;
}

static int listen_on(struct proxy *px, const struct sockaddr_in *la, const char *text, const char *port_file)
{
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int one = 1;
	char line[16];

	px->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (px->lfd < 0)
		return errorf("cannot listen on '%s': %s", text, strerror(errno));
	setsockopt(px->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(px->lfd, (const struct sockaddr *)la, sizeof(*la)) < 0 || listen(px->lfd, 128) < 0 ||
	    getsockname(px->lfd, (struct sockaddr *)&got, &len) < 0)
		return errorf("cannot listen on '%s': %s", text, strerror(errno));
	int n = snprintf(line, sizeof(line), "%d\n", ntohs(got.sin_port));
	if (fs_write_atomic(port_file, line, (size_t)n) < 0)
		return -1;
	warnf("listening on 127.0.0.1:%d, forwarding to %s, client-to-server bytes held %lld ms",
	      ntohs(got.sin_port), px->to_text, (long long)(px->delay / 1000));
	return 0;
}

int apiproxy_run(const char *listen_addr, const char *to_addr, long delay_ms, const char *port_file)
{
	struct sockaddr_in la;
	struct proxy *px;
	sigset_t block, wait_mask;
	struct sigaction sa;
	int rc = 0;

	px = calloc(1, sizeof(*px));
	if (px == NULL)
		return errorf("out of memory"), EXIT_FAILED;
	px->lfd = -1;
	px->to_text = to_addr;
	px->delay = (int64_t)delay_ms * 1000;
	if (loopback_addr("--listen", listen_addr, 0, &la) < 0 || loopback_addr("--to", to_addr, 1, &px->to) < 0) {
		free(px);
		return EXIT_TROUBLE;
	}
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
	if (listen_on(px, &la, listen_addr, port_file) < 0)
		rc = EXIT_FAILED;
	while (rc == 0 && !stopping) {
		int64_t now = mono_us(), t = poll_set(px, now);
		struct timespec ts = { (time_t)(t / 1000000), (long)(t % 1000000) * 1000L };
		int nr = ppoll(px->fds, 1 + 2 * px->n, t >= 0 ? &ts : NULL, &wait_mask);
		if (nr < 0 && errno != EINTR) {
			errorf("cannot wait for connections: %s", strerror(errno));
			rc = EXIT_FAILED;
			break;
		}
		now = mono_us();
		/* Connections first, by their slots in fds; a finished one takes the last's place,
		   so walk down. */
		for (size_t i = px->n; i-- > 0;) {
			short crev = nr > 0 ? px->fds[1 + 2 * i].revents : 0;
			short srev = nr > 0 ? px->fds[2 + 2 * i].revents : 0;
			if (conn_step(px, px->conns[i], crev, srev, now) < 0) {
				conn_free(px->conns[i]);
				px->conns[i] = px->conns[--px->n];
			}
		}
		if (nr > 0 && (px->fds[0].revents & POLLIN))
			accept_one(px);
	}
	if (rc == 0)
		warnf("stopped: %lu connections accepted, %lu of them could not reach '%s'", px->accepted,
		      px->refused, px->to_text);
	for (size_t i = 0; i < px->n; i++)
		conn_free(px->conns[i]);
	if (px->lfd >= 0)
		close(px->lfd);
	free(px);
	return rc;
}
