/*
 * Fuzz harness: Prometheus's HTTP answers as promsnap reads them (prom_query: libcurl, then
 * the answer classified as success, error, or not a Prometheus response). A server thread
 * on 127.0.0.1 answers every request with the input: the first byte picks the HTTP status,
 * the rest is the body. One try per query, so a 5xx is not retried.
 */
#include "http.h"
#include "promapi.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const int statuses[] = { 200, 200, 200, 200, 400, 422, 503, 500, 404, 429, 206, 599 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *body;		/* a copy: the server may still be writing when libFuzzer frees the input */
static size_t body_len;
static int status;

static struct http_client *client;
static char url[64];

static int send_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Answer each request on a connection (keep-alive) until the client closes it. */
static void serve(int fd)
{
	char req[8192];
	size_t have = 0;

	for (;;) {
		char *end = have ? memmem(req, have, "\r\n\r\n", 4) : NULL;
		if (end == NULL) {
			ssize_t r;
			if (have == sizeof(req))
				return;
			r = recv(fd, req + have, sizeof(req) - have, 0);
			if (r <= 0)
				return;
			have += (size_t)r;
			continue;
		}
		size_t used = (size_t)(end + 4 - req);
		memmove(req, req + used, have - used);
		have -= used;

		char head[256];
		pthread_mutex_lock(&lock);
		int n = snprintf(head, sizeof(head),
				 "HTTP/1.1 %d Fuzz\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				 status, body_len);
		int ok = send_all(fd, head, (size_t)n) == 0 && send_all(fd, body, body_len) == 0;
		pthread_mutex_unlock(&lock);
		if (!ok)
			return;
	}
}

static void *server(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL), one = 1;
		if (fd < 0)
			continue;
		/* Header and body are two writes: without this, each answer waits for a delayed ACK. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(fd);
		close(fd);
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static int lfd;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	pthread_t t;

	(void)argc;
	(void)argv;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("fuzz_promapi: cannot listen on 127.0.0.1");
		abort();
	}
	/* With credentials, which must never show in an answer's error or body. */
	snprintf(url, sizeof(url), "http://fuzz:s3cr3t@127.0.0.1:%d", ntohs(sa.sin_port));
	if (pthread_create(&t, NULL, server, &lfd) != 0)
		abort();
	pthread_detach(t);
	if (http_global_init() < 0 || (client = http_client_new()) == NULL)
		abort();
	return 0;
}

static void no_control(const char *what, const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			fprintf(stderr, "fuzz_promapi: control character 0x%02x in the answer's %s: %.80s\n",
				(unsigned char)*p, what, s);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_api api;
	struct prom_answer a;

	if (size < 1)
		return 0;
	pthread_mutex_lock(&lock);
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	free(body);
	body = malloc(size);
	if (body == NULL)
		abort();
	memcpy(body, data + 1, size - 1);
	body_len = size - 1;
	pthread_mutex_unlock(&lock);

	prom_api_init(&api, url, client);
	api.tries = 1;
	api.timeout_ms = 10000;
	if (data[0] & 0x80)
		(void)prom_query_range(&api, "up", "1767225600", "1767225660", "2", &a);
	else
		(void)prom_query(&api, "up{job=\"x\"}", "1767225660", &a);
	/* What promsnap writes for every answer: Prometheus's own words, or an error body. */
	if (a.body == NULL || memchr(a.error, '\0', sizeof(a.error)) == NULL ||
	    memchr(a.error_type, '\0', sizeof(a.error_type)) == NULL)
		abort();
	/* The error is printed on a terminal: no control character; and never the URL's password. */
	no_control("error", a.error);
	no_control("error type", a.error_type);
	if (memmem(data, size, "s3cr3t", 6) == NULL && (strstr(a.error, "s3cr3t") || strstr(a.body, "s3cr3t")))
		abort();	/* (unless the server said it) */
	prom_answer_free(&a);
	return 0;
}
