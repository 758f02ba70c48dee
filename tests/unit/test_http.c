/*
 * Unit tests for the offline parts of http.h and promapi.h: URL building and checking,
 * Prometheus timestamps, error bodies. The network paths are tested in promsnap.bats.
 */
#include "http.h"
#include "msg.h"
#include "promapi.h"

#include "unit.h"

#include <stdlib.h>

static void test_url(void)
{
	struct http_param p[] = { { "query", "sum(rate(x{job=\"a b\"}[5m])) by (le)" }, { "time", "1.5" } };
	char *u;

	u = http_url("http://127.0.0.1:9091", "api/v1/query", p, 2);
	CHECK_STR(u, "http://127.0.0.1:9091/api/v1/query?query=sum%28rate%28x%7Bjob%3D%22a%20b%22%7D"
		     "%5B5m%5D%29%29%20by%20%28le%29&time=1.5");
	free(u);
	/* One slash between base and path, whichever side brings it. */
	u = http_url("http://h/prom/", "/-/healthy", NULL, 0);
	CHECK_STR(u, "http://h/prom/-/healthy");
	free(u);
	u = http_url("http://h", "", p + 1, 1);
	CHECK_STR(u, "http://h?time=1.5");
	free(u);
}

static void test_check_url(void)
{
	const char *why;

	CHECK(http_check_url("http://127.0.0.1:9091", &why) == 0);
	CHECK(http_check_url("https://prom.example/prefix/", &why) == 0);
	CHECK(http_check_url("http://[::1]:9091", &why) == 0);
	CHECK(http_check_url("ftp://h", &why) < 0 && strstr(why, "http") != NULL);
	CHECK(http_check_url("127.0.0.1:9091", &why) < 0);
	CHECK(http_check_url("http://h/?q=1", &why) < 0);
	CHECK(http_check_url("", &why) < 0);
}

static void test_time(void)
{
	double t = -1;
	char buf[40];

	CHECK(prom_parse_time("1767225600", &t) == 0 && t == 1767225600);
	CHECK(prom_parse_time("1767225600.25", &t) == 0 && t == 1767225600.25);
	CHECK(prom_parse_time("2026-01-01T00:00:00Z", &t) == 0 && t == 1767225600);
	CHECK(prom_parse_time("2026-01-01t00:00:00z", &t) == 0 && t == 1767225600);
	CHECK(prom_parse_time("2026-01-01T01:30:00+01:30", &t) == 0 && t == 1767225600);
	CHECK(prom_parse_time("2025-12-31T19:00:00-05:00", &t) == 0 && t == 1767225600);
	CHECK(prom_parse_time("2026-01-01T00:00:00.5Z", &t) == 0 && fabs(t - 1767225600.5) < 1e-6);
	CHECK(prom_parse_time("2024-02-29T00:00:00Z", &t) == 0);
	CHECK(prom_parse_time("2026-02-29T00:00:00Z", &t) < 0);	/* not a leap year */
	CHECK(prom_parse_time("2026-01-01T00:00:00", &t) < 0);		/* no zone */
	CHECK(prom_parse_time("2026-01-01", &t) < 0);
	CHECK(prom_parse_time("2026-13-01T00:00:00Z", &t) < 0);
	CHECK(prom_parse_time("2026-01-01T24:00:00Z", &t) < 0);
	CHECK(prom_parse_time("2026-01-01T00:00:00.Z", &t) < 0);
	CHECK(prom_parse_time("1e3x", &t) < 0);
	CHECK(prom_parse_time("", &t) < 0);
	CHECK(prom_parse_time("now", &t) < 0);

	prom_format_time(1767225600, buf, sizeof(buf));
	CHECK_STR(buf, "1767225600");
	prom_format_time(1767225600.25, buf, sizeof(buf));
	CHECK_STR(buf, "1767225600.250");
	prom_format_time(1767225600.0004, buf, sizeof(buf));
	CHECK_STR(buf, "1767225600");
}

static void test_error_body(void)
{
	size_t len;
	char *b = prom_error_body("timeout", "said \"no\"\n", &len);

	CHECK_STR(b, "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"said \\\"no\\\"\\n\"}");
	CHECK(len == strlen(b));
	free(b);
}

static void test_transient(void)
{
	CHECK(http_transient(CURLE_COULDNT_CONNECT));
	CHECK(http_transient(CURLE_OPERATION_TIMEDOUT));
	CHECK(http_transient(CURLE_GOT_NOTHING));
	CHECK(!http_transient(CURLE_URL_MALFORMAT));
	CHECK(!http_transient(CURLE_UNSUPPORTED_PROTOCOL));
	CHECK(!http_transient(CURLE_WRITE_ERROR));
}

int main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	if (http_global_init() < 0)
		return 1;
	test_url();
	test_check_url();
	test_time();
	test_error_body();
	test_transient();
	http_global_cleanup();
	UNIT_DONE("test_http");
}
