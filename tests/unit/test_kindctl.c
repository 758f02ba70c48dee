/*
 * Unit tests of kindctl's manifest handling, without a cluster: documents split from the
 * text as written, REST paths, the arm template filled with arguments that need quoting;
 * and of the API proxy's delay line (bytes leave in order, none before its time, bounded).
 * What needs an API server is in tests/kindctl-kind.bats, which also uses this program's
 * probes:
 *   --arm-manifest ARM IMAGE [ARG...]  print the arm template filled as kindctl fills it
 *   --yaml-to-json FILE                each YAML document of FILE as one line of JSON
 *   --apply-dry-run FILE [CONTEXT]     server-side apply of FILE with dryRun=All (KUBECONFIG)
 *   --pid-alive PIDFILE                1 or 0: whether common.c's pid_alive takes the process
 *                                      recorded there ("pid starttime") for the one started
 */
#include "apiproxy.h"
#include "apply.h"
#include "fsio.h"
#include "incluster.h"
#include "kindctl.h"
#include "msg.h"
#include "unit.h"
#include "kubetest.h"
#include "ydoc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

static char *repo_file(const char *rel, size_t *len)
{
	char *p = kt_path(kt_repo(), rel), *text = fs_read(p, len);

	if (text == NULL) {
		fprintf(stderr, "test_kindctl: cannot read %s\n", p);
		exit(2);
	}
	free(p);
	return text;
}

static void test_paths(void)
{
	char *p;

	p = kobj_path("v1", "Namespace", "ignored", "monitoring");
	CHECK_STR(p, "/api/v1/namespaces/monitoring");
	free(p);
	p = kobj_path("apps/v1", "Deployment", "reloader-old", "reloader");
	CHECK_STR(p, "/apis/apps/v1/namespaces/reloader-old/deployments/reloader");
	free(p);
	p = kobj_path("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", NULL, "loadtest-reloader-new");
	CHECK_STR(p, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/loadtest-reloader-new");
	free(p);
	p = kobj_path("v1", "ServiceAccount", "monitoring", "prometheus");
	CHECK_STR(p, "/api/v1/namespaces/monitoring/serviceaccounts/prometheus");
	free(p);
	/* Unknown kinds, wrong groups and names that would change the path are refused. */
	CHECK(kobj_path("v1", "Deployment", "a", "b") == NULL);
	CHECK(kobj_path("batch/v1", "Job", "a", "b") == NULL);
	CHECK(kobj_path("v1", "ConfigMap", "a", "x/../y") == NULL);
	CHECK(kobj_path("v1", "ConfigMap", "a", "x?y") == NULL);
	CHECK(kobj_path("v1", "ConfigMap", NULL, "x") == NULL);
}

static void test_prometheus_manifest(void)
{
	size_t len;
	char *text = repo_file("manifests/prometheus.yaml", &len);
	struct mobj *o;
	int n = manifest_parse("prometheus.yaml", text, len, &o);
	static const char *const kinds[] = { "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
					     "ConfigMap", "Deployment", "Service" };

	CHECK(n == 7);
	for (int i = 0; i < n && i < 7; i++)
		CHECK_STR(o[i].kind, kinds[i]);
	if (n == 7) {
		CHECK(o[0].ns == NULL && o[0].owned);
		CHECK_STR(o[0].path, "/api/v1/namespaces/monitoring");
		CHECK(o[2].ns == NULL && o[2].owned);
		CHECK_STR(o[5].path, "/apis/apps/v1/namespaces/monitoring/deployments/prometheus");
		CHECK_STR(o[5].at, "prometheus.yaml:78:1");
		/* Each document's text is its own, as written: the next one's marker is not in it. */
		CHECK(strncmp(o[5].text, "---\napiVersion: apps/v1\nkind: Deployment\n", 41) == 0);
		CHECK(strstr(o[5].text, "kind: Service\n") == NULL);
		CHECK(strstr(o[4].text, "job_name: reloader") != NULL);
		CHECK(strstr(o[6].text, "type: NodePort") != NULL);
		/* The file's opening comment is not part of the first document. */
		CHECK(strncmp(o[0].text, "apiVersion: v1\nkind: Namespace\n", 31) == 0);
	}
	mobj_free_all(o, n);
	free(text);
}

static int parse_fails(const char *text)
{
	struct mobj *o;
	int n = manifest_parse("bad.yaml", text, strlen(text), &o);

	if (n >= 0)
		mobj_free_all(o, n);
	return n < 0;
}

static void test_documents(void)
{
	/* Empty documents are skipped; non-ASCII text before a document keeps offsets right. */
	const char *text = "---\n# nothing here\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
			   "  name: caf\xc3\xa9-free\n  namespace: x\ndata: { k: \"\xc3\xa9t\xc3\xa9\" }\n---\n"
			   "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n";
	struct mobj *o;
	int n = manifest_parse("t.yaml", text, strlen(text), &o);

	CHECK(n == -1);	/* "café-free" is not a usable name */
	text = "---\n# nothing here\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
	       "  name: a\n  namespace: x\ndata: { k: \"\xc3\xa9t\xc3\xa9\" }\n---\n"
	       "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n";
	n = manifest_parse("t.yaml", text, strlen(text), &o);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(o[0].path, "/api/v1/namespaces/x/configmaps/a");
		CHECK(strstr(o[0].text, "data: { k: \"\xc3\xa9t\xc3\xa9\" }\n") != NULL);
		CHECK(strstr(o[0].text, "name: b") == NULL);
		CHECK_STR(o[1].ns, "default");
		CHECK_STR(o[1].text, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n");
		CHECK(!o[1].owned);
	}
	mobj_free_all(o, n);
	CHECK(parse_fails("apiVersion: v1\nkind: Widget\nmetadata: { name: a }\n"));
	CHECK(parse_fails("apiVersion: v1\nkind: ConfigMap\nmetadata: { namespace: a }\n"));
	CHECK(parse_fails("- a\n- b\n"));
	CHECK(parse_fails("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: [a] }\n"));
	CHECK(parse_fails("apiVersion: v1\nkind: [\n"));
	n = manifest_parse("empty.yaml", "", 0, &o);
	CHECK(n == 0);
	mobj_free_all(o, n);
}

/* The args of the arm's Deployment, read back with libyaml. */
static char **deployment_args(const struct mobj *o, size_t *count)
{
	struct ydoc d;
	char **out = calloc(64, sizeof(*out));
	size_t n = 0;

	if (out == NULL || ydoc_load_string(&d, "arm", o->text, strlen(o->text)) < 0)
		exit(2);
	yaml_node_t *node = ydoc_root(&d);
	static const char *const steps[] = { "spec", "template", "spec", "containers", NULL };
	for (int s = 0; steps[s] && node; s++) {
		yaml_node_t *next = NULL;
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++)
			if (strcmp((char *)ydoc_node(&d, p->key)->data.scalar.value, steps[s]) == 0)
				next = ydoc_node(&d, p->value);
		node = next;
	}
	CHECK(node != NULL && node->type == YAML_SEQUENCE_NODE);
	if (node != NULL) {
		yaml_node_t *c = ydoc_node(&d, *node->data.sequence.items.start), *args = NULL;
		for (yaml_node_pair_t *p = c->data.mapping.pairs.start; p < c->data.mapping.pairs.top; p++)
			if (strcmp((char *)ydoc_node(&d, p->key)->data.scalar.value, "args") == 0)
				args = ydoc_node(&d, p->value);
		yaml_node_t *item;
		if (args != NULL)
			YDOC_SEQ_EACH(&d, args, item)
				if (n < 63)
					out[n++] = strdup((char *)item->data.scalar.value);
	}
	ydoc_free(&d);
	*count = n;
	return out;
}

static void test_arm_manifest(void)
{
	size_t len, nargs = 0;
	char *tmpl = repo_file("manifests/reloader-arm.yaml", &len);
	const char *args[] = { "--reload-strategy=annotations", "say \"hi\"\\ #not: a comment", "caf\xc3\xa9",
			       "tab\there\nnewline", "- dash", "\xc2\x85nel", "x@ARM@y" };
	char *text = arm_manifest(tmpl, "new", "localhost/reloader:dev", args, 7);
	struct mobj *o;
	int n = text ? manifest_parse("arm", text, strlen(text), &o) : -1;

	CHECK(n == 5);
	if (n == 5) {
		CHECK_STR(o[0].path, "/api/v1/namespaces/reloader-new");
		CHECK_STR(o[2].path, "/apis/rbac.authorization.k8s.io/v1/clusterroles/loadtest-reloader-new");
		CHECK_STR(o[4].path, "/apis/apps/v1/namespaces/reloader-new/deployments/reloader");
		CHECK(strstr(o[4].text, "image: \"localhost/reloader:dev\"") != NULL);
		CHECK(strstr(o[4].text, "app: reloader-new") != NULL);
		char **got = deployment_args(&o[4], &nargs);
		CHECK(nargs == 8);
		if (nargs == 8) {
			CHECK_STR(got[0], "--log-format=json");
			for (int i = 0; i < 7; i++)
				CHECK_STR(got[i + 1], args[i]);
		}
		for (size_t i = 0; i < nargs; i++)
			free(got[i]);
		free(got);
	}
	/* The template's opening comment comes through untouched. */
	CHECK(text && strstr(text, "\n# new), its image, and one JSON-quoted argument line per") != NULL);
	if (n >= 0)
		mobj_free_all(o, n);
	free(text);

	/* No arguments: the template still parses, with the default one only. */
	text = arm_manifest(tmpl, "old", "stakater/reloader:v1.4.12", NULL, 0);
	n = text ? manifest_parse("arm", text, strlen(text), &o) : -1;
	CHECK(n == 5);
	if (n == 5) {
		char **got = deployment_args(&o[4], &nargs);
		CHECK(nargs == 1);
		for (size_t i = 0; i < nargs; i++)
			free(got[i]);
		free(got);
	}
	if (n >= 0)
		mobj_free_all(o, n);
	free(text);

	/* What cannot go into the template is refused, not quoted into something else. */
	const char *bad_utf8[] = { "\xff" };
	CHECK(arm_manifest(tmpl, "old", "img:1", bad_utf8, 1) == NULL);
	CHECK(arm_manifest(tmpl, "old", "img\" evil", NULL, 0) == NULL);
	CHECK(arm_manifest(tmpl, "old", "bin:/usr/bin/reloader", NULL, 0) == NULL);
	free(tmpl);
}

static void test_image_names(void)
{
	CHECK(image_name_ok("stakater/reloader:v1.4.12"));
	CHECK(image_name_ok("localhost:5000/reloader@sha256:0123abcd"));
	CHECK(image_name_ok("gcr.io/google-containers/busybox:1.27"));
	CHECK(!image_name_ok(""));
	CHECK(!image_name_ok("--help"));
	CHECK(!image_name_ok("a b"));
	CHECK(!image_name_ok("a\nb"));
	CHECK(!image_name_ok("bin:/x"));
}

/* judge(deployments, pods): ic_rollout_judge on JSON arrays; why into *msg (malloc'd). */
static int judge(const char *deployments, const char *pods, char **msg)
{
	jv objs[2] = { jv_parse(deployments), jv_parse(pods) };
	struct sbuf why = SBUF_INIT;

	if (!jv_is_valid(objs[0]) || !jv_is_valid(objs[1])) {
		fprintf(stderr, "test_kindctl: bad JSON in a rollout case\n");
		exit(2);
	}
	int rc = ic_rollout_judge(objs, NULL, &why);
	*msg = strdup(sbuf_str(&why));
	sbuf_free(&why);
	jv_free(objs[0]);
	jv_free(objs[1]);
	return rc;
}

#define DEPLOY(gen, og, upd, ready, total) \
	"[{\"metadata\":{\"name\":\"reloader\",\"generation\":" #gen "},\"spec\":{\"replicas\":1}," \
	"\"status\":{\"observedGeneration\":" #og ",\"updatedReplicas\":" #upd ",\"readyReplicas\":" #ready \
	",\"replicas\":" #total "}}]"
#define POD(name, phase, ready, waiting) \
	"{\"metadata\":{\"name\":\"" name "\"},\"status\":{\"phase\":\"" phase "\"," \
	"\"conditions\":[{\"type\":\"Ready\",\"status\":\"" ready "\"}]," \
	"\"containerStatuses\":[{\"name\":\"reloader\",\"restartCount\":0,\"state\":" waiting "}]}}"

static void test_rollout_judge(void)
{
	char *why;

	CHECK(judge("[]", "[]", &why) == 0);
	CHECK_STR(why, "the deployment does not exist");
	free(why);
	CHECK(judge(DEPLOY(2, 1, 1, 1, 1), "[]", &why) == 0);
	CHECK_STR(why, "the deployment controller has not seen generation 2 yet");
	free(why);
	CHECK(judge(DEPLOY(1, 1, 0, 0, 1), "[" POD("p1", "Pending", "False", "{\"waiting\":{\"reason\":\"ContainerCreating\"}}") "]", &why) == 0);
	CHECK_STR(why, "0 of 1 replicas updated; pod p1: container reloader: ContainerCreating");
	free(why);
	CHECK(judge(DEPLOY(1, 1, 1, 1, 2), "[]", &why) == 0);
	CHECK_STR(why, "1 old replicas are still terminating");
	free(why);
	CHECK(judge(DEPLOY(1, 1, 1, 0, 1), "[{\"metadata\":{\"name\":\"p2\"}}]", &why) == 0);
	CHECK_STR(why, "0 of 1 updated replicas ready; pod p2: not scheduled yet");
	free(why);
	CHECK(judge(DEPLOY(3, 3, 1, 1, 1), "[" POD("p3", "Running", "True", "{\"running\":{}}") "]", &why) == 1);
	free(why);
	/* A bad image or a controller that exits at once fails the wait now, not at its deadline. */
	CHECK(judge(DEPLOY(1, 1, 1, 0, 1), "[" POD("p4", "Pending", "False",
		"{\"waiting\":{\"reason\":\"ImagePullBackOff\",\"message\":\"Back-off pulling image \\\"nope:1\\\"\"}}") "]",
		&why) == -1);
	CHECK_STR(why, "pod p4: container reloader: ImagePullBackOff: Back-off pulling image \"nope:1\"");
	free(why);
	CHECK(judge(DEPLOY(1, 1, 1, 0, 1), "[" POD("p5", "Running", "False",
		"{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}") "]", &why) == -1);
	CHECK_STR(why, "pod p5: container reloader: CrashLoopBackOff");
	free(why);
	CHECK(judge("[{\"metadata\":{\"generation\":1},\"status\":{\"observedGeneration\":1,\"conditions\":"
		    "[{\"type\":\"Progressing\",\"status\":\"False\",\"reason\":\"ProgressDeadlineExceeded\"}]}}]",
		    "[]", &why) == -1);
	CHECK_STR(why, "its progress deadline was exceeded");
	free(why);
}

/* ---- probes ---- */

static jv node_json(struct ydoc *d, yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE) {
		jv o = jv_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
			o = jv_object_set(o, jv_string((char *)ydoc_node(d, p->key)->data.scalar.value),
					  node_json(d, ydoc_node(d, p->value)));
		return o;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		jv a = jv_array();
		yaml_node_t *item;
		YDOC_SEQ_EACH(d, n, item)
			a = jv_array_append(a, node_json(d, item));
		return a;
	}
	const char *s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return jv_string(s);
	if (ydoc_is_null(n))
		return jv_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return jv_bool(s[0] == 't');
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s && *end == '\0' && errno == 0)
		return jv_number((double)v);
	return jv_string(s);
}

static int yaml_to_json(const char *file)
{
	size_t len;
	char *text = fs_read(file, &len);
	yaml_parser_t p;
	int rc = 0;

	if (text == NULL || !yaml_parser_initialize(&p))
		return 2;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		struct ydoc d;
		memset(&d, 0, sizeof(d));
		d.path = strdup(file);
		if (!yaml_parser_load(&p, &d.doc)) {
			fprintf(stderr, "test_kindctl: %s: not YAML\n", file);
			free(d.path);
			rc = 2;
			break;
		}
		d.loaded = 1;
		yaml_node_t *root = ydoc_root(&d);
		if (root == NULL) {
			ydoc_free(&d);
			break;
		}
		jv v = node_json(&d, root);
		jv_dumpf(v, stdout, 0);
		putchar('\n');
		ydoc_free(&d);
	}
	yaml_parser_delete(&p);
	free(text);
	return rc;
}

static int apply_dry_run(const char *file, const char *context)
{
	struct kconn c;
	size_t len;
	char *text = fs_read(file, &len);
	int rc = 1;

	if (text == NULL)
		return 2;
	if (kconn_open(&c, NULL, context) == 0) {
		rc = apply_manifest(c.k, file, text, len, APPLY_DRY_RUN) == 0 ? 0 : 1;
		kconn_close(&c);
	}
	free(text);
	return rc;
}

/* Put text into d as one chunk due at due (it must fit in one piece). */
static void dl_put(struct dline *d, const char *text, int64_t due)
{
	unsigned char *p;
	size_t n = strlen(text);

	CHECK(dline_space(d, &p) >= n);
	memcpy(p, text, n);
	dline_commit(d, n, due);
}

/* What of d may leave at now, as a string (not consumed). */
static const char *dl_peek(const struct dline *d, int64_t now)
{
	static char buf[64];
	const unsigned char *p;
	size_t n = dline_ready(d, now, &p);

	snprintf(buf, sizeof(buf), "%.*s", (int)n, (const char *)p);
	return buf;
}

static void test_dline(void)
{
	struct dline *d = malloc(sizeof(*d));
	unsigned char *room;
	const unsigned char *out;

	dline_init(d);
	CHECK(dline_next_due(d) == -1);
	CHECK(dline_ready(d, 1000, &out) == 0);
	CHECK(dline_space(d, &room) == DLINE_BYTES);

	/* Nothing leaves before its time; chunks leave in order, one at a time as they fall due. */
	dl_put(d, "abc", 100);
	dl_put(d, "de", 150);
	CHECK(dline_next_due(d) == 100);
	CHECK_STR(dl_peek(d, 99), "");
	CHECK_STR(dl_peek(d, 100), "abc");
	CHECK_STR(dl_peek(d, 149), "abc");
	dline_consume(d, 2);			/* a part of a chunk: the rest keeps its time */
	CHECK(dline_next_due(d) == 100);
	CHECK_STR(dl_peek(d, 120), "c");
	CHECK_STR(dl_peek(d, 150), "cde");
	dline_consume(d, 1);
	CHECK(dline_next_due(d) == 150);
	dline_consume(d, 2);
	CHECK(d->len == 0 && dline_next_due(d) == -1);

	/* A chunk due earlier than the one before it (a clock stepped back) waits for it. */
	dl_put(d, "x", 200);
	dl_put(d, "y", 190);
	CHECK_STR(dl_peek(d, 195), "");
	CHECK_STR(dl_peek(d, 200), "xy");
	dline_consume(d, 2);

	/* Bounded: a full buffer, or a full table of chunks, takes no more (backpressure). */
	while (dline_space(d, &room) > 0)
		dline_commit(d, dline_space(d, &room), 300);
	CHECK(d->len == DLINE_BYTES && d->slen == 1);
	dline_consume(d, DLINE_BYTES);
	for (int i = 0; i < DLINE_SEGS; i++) {
		CHECK(dline_space(d, &room) > 0);
		*room = (unsigned char)i;
		dline_commit(d, 1, 400 + i);
	}
	CHECK(dline_space(d, &room) == 0);
	CHECK(dline_ready(d, 400 + DLINE_SEGS, &out) == DLINE_SEGS && out[DLINE_SEGS - 1] == DLINE_SEGS - 1);
	dline_consume(d, DLINE_SEGS);

	/* A model check across the ring's wrap: random chunks and clocks; the bytes that leave
	   are the bytes that came, in order, none before its chunk's time. */
	enum { TOTAL = 3 * DLINE_BYTES };
	int64_t *due_at = malloc(TOTAL * sizeof(*due_at));
	size_t in = 0, gone = 0, early = 0, wrong = 0, wrapped = 0;
	int64_t now = 1000;
	unsigned seed = 12345;

	dline_init(d);
	while (gone < TOTAL) {
		seed = seed * 1103515245u + 12345u;
		size_t want = 1 + (seed >> 8) % 40000;
		size_t n = dline_space(d, &room);
		if (n > want)
			n = want;
		if (n > TOTAL - in)
			n = TOTAL - in;
		for (size_t i = 0; i < n; i++) {
			room[i] = (unsigned char)((in + i) * 7);
			due_at[in + i] = now + 50;
		}
		dline_commit(d, n, now + 50);
		in += n;
		wrapped += d->head + d->len > DLINE_BYTES;
		now += (seed >> 4) % 30;
		size_t r = dline_ready(d, now, &out), take = r ? 1 + (seed >> 12) % r : 0;
		for (size_t i = 0; i < take; i++) {
			wrong += out[i] != (unsigned char)((gone + i) * 7);
			early += due_at[gone + i] > now;
		}
		dline_consume(d, take);
		gone += take;
	}
	CHECK(wrong == 0);
	CHECK(early == 0);
	CHECK(wrapped > 0);
	CHECK(d->len == 0 && d->slen == 0);
	free(due_at);
	free(d);
}

static void test_loopback_addr(void)
{
	struct sockaddr_in sa;

	CHECK(loopback_addr("--listen", "127.0.0.1:0", 0, &sa) == 0 && sa.sin_port == 0 &&
	      ntohl(sa.sin_addr.s_addr) == 0x7f000001);
	CHECK(loopback_addr("--to", "127.1.2.3:6443", 1, &sa) == 0 && ntohs(sa.sin_port) == 6443);
	fprintf(stderr, "(six messages about bad addresses follow)\n");
	CHECK(loopback_addr("--to", "127.0.0.1:0", 1, &sa) < 0);
	CHECK(loopback_addr("--to", "10.0.0.1:443", 1, &sa) < 0);	/* leaves the host */
	CHECK(loopback_addr("--to", "127.0.0.1", 1, &sa) < 0);
	CHECK(loopback_addr("--to", "127.0.0.1:65536", 1, &sa) < 0);
	CHECK(loopback_addr("--to", "localhost:443", 1, &sa) < 0);
	CHECK(loopback_addr("--to", "127.0.0.1:4x", 1, &sa) < 0);
}

/* common.c's proc_file_read: a process's command line as the kernel keeps it (checked against
   the argv our main was given), cut to the buffer, and -1 for a process that does not exist. */
static void test_proc_file_read(const char *argv0)
{
	char buf[4096], small[4];
	long n = proc_file_read((int)getpid(), "cmdline", buf, sizeof(buf));

	CHECK(n > (long)strlen(argv0));
	CHECK_STR(buf, argv0);		/* the first string, up to its NUL */
	CHECK_NUM(proc_file_read((int)getpid(), "cmdline", small, sizeof(small)), 3);
	CHECK(strncmp(small, argv0, 3) == 0 && small[3] == '\0');
	/* pid_max is at most 2^22: no process has this pid. */
	CHECK_NUM(proc_file_read(1 << 23, "stat", buf, sizeof(buf)), -1);
}

static int probe(int argc, char **argv)
{
	msg_init("test_kindctl");
	if (strcmp(argv[1], "--arm-manifest") == 0 && argc >= 4) {
		size_t len;
		char *tmpl = repo_file("manifests/reloader-arm.yaml", &len);
		char *text = arm_manifest(tmpl, argv[2], argv[3], (const char *const *)argv + 4, (size_t)(argc - 4));
		free(tmpl);
		if (text == NULL)
			return 1;
		fputs(text, stdout);
		free(text);
		return 0;
	}
	if (strcmp(argv[1], "--yaml-to-json") == 0 && argc == 3)
		return yaml_to_json(argv[2]);
	if (strcmp(argv[1], "--pid-alive") == 0 && argc == 3) {
		printf("%d\n", pid_alive(argv[2], NULL));
		return 0;
	}
	if (strcmp(argv[1], "--apply-dry-run") == 0 && (argc == 3 || argc == 4))
		return apply_dry_run(argv[2], argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: test_kindctl [--arm-manifest ARM IMAGE [ARG...] | --yaml-to-json FILE | "
			"--apply-dry-run FILE [CONTEXT] | --pid-alive PIDFILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return probe(argc, argv);
	test_paths();
	test_prometheus_manifest();
	test_documents();
	test_arm_manifest();
	test_image_names();
	test_rollout_judge();
	test_dline();
	test_loopback_addr();
	test_proc_file_read(argv[0]);
	UNIT_DONE("test_kindctl");
}
