/* Loading the query catalogue (YAML) and filling in its templates. */
#include "queries.h"
#include "arena.h"
#include "promapi.h"
#include "wrapper.h"
#include "ydoc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Template parameters, in the order of params[]. */
enum { P_JOB, P_WINDOW, P_START, P_END, P_STEP, P_BUSY, P_BUSY_SECONDS, P_RATE };
static const char *const params[] = { "job", "window", "start", "end", "step", "busy", "busy_seconds", "rate",
				       NULL };

/*
 * The parameter named at s (just after "{{"): its index in params and, in *len, the
 * length up to and including "}}"; -1 when unknown, -2 when "}}" is missing.
 */
static int param_at(const char *s, size_t *len)
{
	const char *close = strstr(s, "}}");
	const char *b = s, *e;

	if (close == NULL)
		return -2;
	*len = (size_t)(close - s) + 2;
	while (b < close && *b == ' ')
		b++;
	for (e = close; e > b && e[-1] == ' '; e--)
		;
	for (int i = 0; params[i]; i++)
		if (strlen(params[i]) == (size_t)(e - b) && strncmp(params[i], b, (size_t)(e - b)) == 0)
			return i;
	return -1;
}

struct ctx {
	struct query_cat *c;
	struct query_def *q;	/* the entry being read */
	struct query_def *list;	/* the entries read so far of its list (queries or series) */
	size_t n;
	const char *kind;	/* "query" or "series", for messages */
};

static int q_name(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0' || strcspn(s, " \t\n") != strlen(s))
		return ydoc_error(d, v, "a query name is one word");
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->list[i].name, s) == 0)
			return ydoc_error(d, v, "%s '%s' is listed twice", x->kind, s);
	x->q->name = arena_strdup(x->c->arena, s);
	return 0;
}

static int q_file(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0' || *s == '.' || strchr(s, '/') != NULL)
		return ydoc_error(d, v, "file must be a plain file name, not '%s'", s);
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->list[i].file, s) == 0)
			return ydoc_error(d, v, "file '%s' is written by %s '%s' already", s, x->kind,
					  x->list[i].name);
	x->q->file = arena_strdup(x->c->arena, s);
	return 0;
}

static int q_query(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strspn(s, " \t\n") == strlen(s))
		return ydoc_error(d, v, "empty query");
	for (const char *p = strstr(s, "{{"); p; p = strstr(p, "{{")) {
		size_t len;
		int i = param_at(p + 2, &len);
		if (i == -2)
			return ydoc_error(d, v, "'{{' without '}}'");
		if (i < 0)
			return ydoc_error(d, v, "unknown parameter '%.*s' (known: {{job}} {{window}} "
					  "{{start}} {{end}} {{step}} {{busy}} {{busy_seconds}} {{rate}})",
					  (int)len + 2, p);
		if (i == P_STEP)
			x->c->uses_step = 1;
		p += 2 + len;
	}
	x->q->query = arena_strdup(x->c->arena, s);
	return 0;
}

static const struct ykey query_keys[] = {
	{ "name", q_name, 1 },
	{ "file", q_file, 1 },
	{ "query", q_query, 1 },
	{ NULL, NULL, 0 },
};

/* A time series is written to <name>.json: its name must make a plain file name. */
static int s_name(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '.' || strchr(s, '/') != NULL)
		return ydoc_error(d, v, "a series name makes its file name: not '%s'", s);
	if (q_name(d, v, obj) < 0)
		return -1;
	char *file = arena_alloc(x->c->arena, strlen(s) + sizeof(".json"));
	strcpy(file, s);
	strcat(file, ".json");
	x->q->file = file;
	return 0;
}

static const struct ykey series_keys[] = {
	{ "name", s_name, 1 },
	{ "query", q_query, 1 },
	{ NULL, NULL, 0 },
};

static int top_version(struct ydoc *d, yaml_node_t *v, void *obj)
{
	long ver;

	(void)obj;
	return ydoc_long(d, v, 1, 1, &ver);
}

/* A list of entries (keys) into *list, *n. */
static int read_list(struct ydoc *d, yaml_node_t *v, struct ctx *x, const struct ykey *keys,
		     struct query_def **list, size_t *n)
{
	struct query_cat *c = x->c;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		struct query_def q = { NULL, NULL, NULL };

		x->q = &q;
		x->list = *list;
		x->n = *n;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, keys, x) < 0)
			return -1;
		*list = arena_grow(c->arena, *list, *n, *n + 1, sizeof(**list));
		(*list)[(*n)++] = q;
	}
	return 0;
}

static int top_queries(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	x->kind = "query";
	if (read_list(d, v, x, query_keys, &x->c->q, &x->c->n) < 0)
		return -1;
	if (x->c->n == 0)
		return ydoc_error(d, v, "no queries listed");
	return 0;
}

/* Time series have their own folder, so their names are checked apart from the queries'. */
static int top_series(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	x->kind = "series";
	return read_list(d, v, x, series_keys, &x->c->s, &x->c->ns);
}

static const struct ykey top_keys[] = {
	{ "version", top_version, 1 },
	{ "queries", top_queries, 1 },
	{ "series", top_series, 0 },
	{ NULL, NULL, 0 },
};

int queries_load(const char *path, struct query_cat *c)
{
	struct ydoc d;
	struct ctx x = { c, NULL, NULL, 0, "query" };
	int rc;

	memset(c, 0, sizeof(*c));
	c->arena = arena_new();
	rc = ydoc_load(&d, path);
	if (rc == 0)
		rc = ydoc_map(&d, ydoc_root(&d), top_keys, &x);
	ydoc_free(&d);
	if (rc < 0) {
		queries_free(c);
		return -1;
	}
	return 0;
}

void queries_free(struct query_cat *c)
{
	arena_free(c->arena);
	memset(c, 0, sizeof(*c));
}

char *queries_default_path(void)
{
	/* bin/promsnap and build/san/bin/promsnap both live under the checkout. */
	return data_file("LOADTEST_QUERIES", "tools/promsnap/queries.yaml");
}

void promql_quote(struct sbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': sbuf_add(sb, "\\\\"); break;
		case '"': sbuf_add(sb, "\\\""); break;
		case '\n': sbuf_add(sb, "\\n"); break;
		default: sbuf_addn(sb, s, 1); break;
		}
	}
}

static void add_duration(struct sbuf *sb, long long ms)
{
	/* PromQL 2.x durations are whole numbers of a unit. */
	if (ms % 1000 == 0)
		sbuf_addf(sb, "%llds", ms / 1000);
	else
		sbuf_addf(sb, "%lldms", ms);
}

static long long gcd(long long a, long long b)
{
	while (b != 0) {
		long long r = a % b;
		a = b;
		b = r;
	}
	return a < 0 ? -a : a;
}

long long queries_grid_ms(const struct query_params *p)
{
	long long step = llround(p->step * 1000);

	if (step < 1)
		step = 1;
	/* Milliseconds are Prometheus's resolution, so 1 ms always fits. */
	return gcd(gcd(step, llround(p->start * 1000)), llround(p->end * 1000));
}

/*
 * The length of the "busiest interval" of peak rows: a third of the window, whole seconds,
 * at least 10 s (five 2 s scrapes) and at most a minute, so that a short arm still has a
 * peak that lies wholly inside its window.
 */
static long long busy_seconds(const struct query_params *p)
{
	long long w = llround(p->end - p->start) / 3;

	return w < 10 ? 10 : w > 60 ? 60 : w;
}

long long queries_rate_ms(const struct query_params *p)
{
	long long step = llround(p->series_step * 1000);

	return 4 * (step < 1 ? 1 : step);
}

char *queries_expand(const char *tmpl, const struct query_params *p)
{
	struct sbuf sb = SBUF_INIT;
	char t[40];

	for (const char *s = tmpl; *s;) {
		const char *open = strstr(s, "{{");
		size_t len;
		int i;

		if (open == NULL || (i = param_at(open + 2, &len)) < 0) {
			/* Checked at load time; an unknown one here is kept as written. */
			sbuf_add(&sb, s);
			break;
		}
		sbuf_addn(&sb, s, (size_t)(open - s));
		switch (i) {
		case P_JOB: promql_quote(&sb, p->job); break;
		case P_WINDOW: add_duration(&sb, llround(p->end * 1000) - llround(p->start * 1000)); break;
		case P_START: prom_format_time(p->start, t, sizeof(t)); sbuf_add(&sb, t); break;
		case P_END: prom_format_time(p->end, t, sizeof(t)); sbuf_add(&sb, t); break;
		case P_STEP: add_duration(&sb, queries_grid_ms(p)); break;
		case P_BUSY: add_duration(&sb, busy_seconds(p) * 1000); break;
		case P_BUSY_SECONDS: sbuf_addf(&sb, "%lld", busy_seconds(p)); break;
		case P_RATE: add_duration(&sb, queries_rate_ms(p)); break;
		}
		s = open + 2 + len;
	}
	sbuf_str(&sb);
	return sb.buf;
}
