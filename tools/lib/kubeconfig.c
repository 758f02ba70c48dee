/* Kubeconfig: an index of every file's entries, kubectl's merge, the chosen context resolved. */
#include "kubeconfig.h"
#include "rfc3339.h"
#include "base64.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"
#include "ydoc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long an exec plugin may run, and how much it may print. */
#define EXEC_TIMEOUT_MS 60000
#define EXEC_MAX_OUTPUT (1024 * 1024)
/* client-go re-reads a tokenFile once a minute: tokens there are rotated. */
#define TOKEN_FILE_TTL 60.0

static const char exec_v1[] = "client.authentication.k8s.io/v1";
static const char exec_v1beta1[] = "client.authentication.k8s.io/v1beta1";

enum kind { K_CLUSTER, K_USER, K_CONTEXT, K_N };
static const char *const kind_list[K_N] = { "clusters", "users", "contexts" };
static const char *const kind_one[K_N] = { "cluster", "user", "context" };

struct kfile {
	char *path;		/* as given, for messages */
	char *dir;		/* absolute folder, for relative file names */
	struct ydoc doc;
	int has_doc;		/* 0 for an empty file */
};

struct entry {
	const char *name;
	struct kfile *f;
	yaml_node_t *item;	/* the list item: where the entry is defined */
	yaml_node_t *body;	/* its cluster:, user: or context: mapping; NULL when empty */
};

struct index {
	struct kfile **files;	/* each allocated alone: entries point at them */
	size_t nfiles;
	struct entry *e[K_N];
	size_t n[K_N];
	size_t *slots[K_N];	/* entries by name: index + 1, open addressing (a file may list many) */
	size_t nslots[K_N];
	const char *current;	/* the first current-context set */
	struct sbuf names;	/* "'a', 'b'" */
};

/* ---- fields: one table per mapping, values kept with their node for messages ---- */

enum ftype { F_STR, F_BOOL, F_B64, F_LIST, F_ENV, F_MAP };

struct fv {
	yaml_node_t *n;		/* NULL: absent or null */
	const char *s;		/* F_STR, borrowed from the document */
	struct kube_blob b;	/* F_B64, decoded */
	int on;			/* F_BOOL */
};

struct field {
	const char *key;
	enum ftype type;
	int idx;
	const struct field *sub;	/* F_MAP */
};

enum { C_SERVER, C_CA, C_CA_DATA, C_INSECURE, C_TLS_NAME };
enum {
	U_CERT, U_CERT_DATA, U_KEY, U_KEY_DATA, U_TOKEN, U_TOKEN_FILE, U_USERNAME, U_PASSWORD,
	U_EXEC, E_COMMAND, E_ARGS, E_ENV, E_API, E_CLUSTER_INFO, E_INTERACTIVE, NFIELDS
};
enum { X_CLUSTER, X_USER, X_NS };

static const struct field cluster_fields[] = {
	{ "server", F_STR, C_SERVER, NULL },
	{ "certificate-authority", F_STR, C_CA, NULL },
	{ "certificate-authority-data", F_B64, C_CA_DATA, NULL },
	{ "insecure-skip-tls-verify", F_BOOL, C_INSECURE, NULL },
	{ "tls-server-name", F_STR, C_TLS_NAME, NULL },
	{ NULL, F_STR, 0, NULL },
};

static const struct field exec_fields[] = {
	{ "command", F_STR, E_COMMAND, NULL },
	{ "args", F_LIST, E_ARGS, NULL },
	{ "env", F_ENV, E_ENV, NULL },
	{ "apiVersion", F_STR, E_API, NULL },
	{ "provideClusterInfo", F_BOOL, E_CLUSTER_INFO, NULL },
	{ "interactiveMode", F_STR, E_INTERACTIVE, NULL },
	{ NULL, F_STR, 0, NULL },
};

static const struct field user_fields[] = {
	{ "client-certificate", F_STR, U_CERT, NULL },
	{ "client-certificate-data", F_B64, U_CERT_DATA, NULL },
	{ "client-key", F_STR, U_KEY, NULL },
	{ "client-key-data", F_B64, U_KEY_DATA, NULL },
	{ "token", F_STR, U_TOKEN, NULL },
	{ "tokenFile", F_STR, U_TOKEN_FILE, NULL },
	{ "username", F_STR, U_USERNAME, NULL },
	{ "password", F_STR, U_PASSWORD, NULL },
	{ "exec", F_MAP, U_EXEC, exec_fields },
	{ NULL, F_STR, 0, NULL },
};

static const struct field context_fields[] = {
	{ "cluster", F_STR, X_CLUSTER, NULL },
	{ "user", F_STR, X_USER, NULL },
	{ "namespace", F_STR, X_NS, NULL },
	{ NULL, F_STR, 0, NULL },
};

static const struct field *const kind_fields[K_N] = { cluster_fields, user_fields, context_fields };

/* One entry's fields, parsed. */
struct parsed {
	const struct entry *e;
	enum kind kind;
	struct fv v[NFIELDS];
};

static void wipe_str(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void wipe_blob(struct kube_blob *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

static void blob_copy(struct kube_blob *to, const struct kube_blob *from)
{
	to->len = from->len;
	to->data = NULL;
	if (from->len == 0)
		return;
	to->data = xmalloc(from->len + 1);
	memcpy(to->data, from->data, from->len);
	to->data[from->len] = '\0';
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *type_word(yaml_node_type_t t)
{
	return t == YAML_MAPPING_NODE ? "a mapping" : t == YAML_SEQUENCE_NODE ? "a list" : "a string";
}

static int perr(const struct parsed *p, const yaml_node_t *n, const char *fmt, ...) LT_PRINTF(3, 4);
static int perr(const struct parsed *p, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ydoc_error(&p->e->f->doc, n ? n : p->e->item, "%s '%s': %s", kind_one[p->kind],
			  p->e->name, buf);
}

static int want(const struct parsed *p, const yaml_node_t *n, const char *key, yaml_node_type_t t)
{
	if (n->type == t)
		return 0;
	/* The value is never quoted: it may be a secret. */
	return perr(p, n, "%s: expected %s, found %s", key, type_word(t), type_word(n->type));
}

static int parse_bool(const struct parsed *p, yaml_node_t *n, const char *key, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	const char *s;

	if (want(p, n, key, YAML_SCALAR_NODE) < 0)
		return -1;
	s = (const char *)n->data.scalar.value;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return perr(p, n, "%s: expected true or false", key);
}

static int parse_list(const struct parsed *p, yaml_node_t *n, const char *key)
{
	yaml_node_t *item;

	if (want(p, n, key, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(&p->e->f->doc, n, item)
		if (want(p, item, key, YAML_SCALAR_NODE) < 0)
			return -1;
	return 0;
}

/* An env list item: { name: N, value: V }; *name and *value are borrowed, value may be NULL. */
static int env_item(const struct parsed *p, yaml_node_t *item, const char **name, const char **value)
{
	struct ydoc *d = &p->e->f->doc;

	*name = *value = NULL;
	if (want(p, item, "env", YAML_MAPPING_NODE) < 0)
		return -1;
	for (yaml_node_pair_t *pr = item->data.mapping.pairs.start; pr < item->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = ydoc_node(d, pr->key), *v = ydoc_node(d, pr->value);
		const char **to;

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			return perr(p, item, "env: broken entry");
		if (strcmp((char *)k->data.scalar.value, "name") == 0)
			to = name;
		else if (strcmp((char *)k->data.scalar.value, "value") == 0)
			to = value;
		else
			continue;
		if (ydoc_is_null(v))
			continue;
		if (want(p, v, "env", YAML_SCALAR_NODE) < 0)
			return -1;
		*to = (const char *)v->data.scalar.value;
	}
	if (*name == NULL || **name == '\0' || strchr(*name, '=') != NULL)
		return perr(p, item, "env: each entry needs a name without '='");
	return 0;
}

static int parse_env(const struct parsed *p, yaml_node_t *n)
{
	yaml_node_t *item;
	const char *name, *value;

	if (want(p, n, "env", YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(&p->e->f->doc, n, item)
		if (env_item(p, item, &name, &value) < 0)
			return -1;
	return 0;
}

struct walk {
	struct parsed *p;
	const struct field *fields;
};

static int walk_mapping(struct parsed *p, yaml_node_t *map, const struct field *fields);

/* Keys not in the table are skipped: kubeconfigs carry extensions and preferences. */
static int walk_key(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *arg)
{
	struct walk *w = arg;
	struct parsed *p = w->p;
	const struct field *f;
	struct fv *fv;

	(void)d;
	(void)kn;
	for (f = w->fields; f->key != NULL; f++)
		if (strcmp(f->key, key) == 0)
			break;
	if (f->key == NULL || ydoc_is_null(v))
		return 0;
	fv = &p->v[f->idx];
	fv->n = v;
	switch (f->type) {
	case F_STR:
		if (want(p, v, key, YAML_SCALAR_NODE) < 0)
			return -1;
		fv->s = (const char *)v->data.scalar.value;
		return 0;
	case F_BOOL:
		return parse_bool(p, v, key, &fv->on);
	case F_B64:
		if (want(p, v, key, YAML_SCALAR_NODE) < 0)
			return -1;
		if (b64_decode((const char *)v->data.scalar.value, v->data.scalar.length,
			       &fv->b.data, &fv->b.len) < 0)
			return perr(p, v, "%s: not valid base64", key);
		return 0;
	case F_LIST:
		return parse_list(p, v, key);
	case F_ENV:
		return parse_env(p, v);
	case F_MAP:
		if (want(p, v, key, YAML_MAPPING_NODE) < 0)
			return -1;
		return walk_mapping(p, v, f->sub);
	}
	return 0;
}

static int walk_mapping(struct parsed *p, yaml_node_t *map, const struct field *fields)
{
	struct walk w = { p, fields };

	return ydoc_each(&p->e->f->doc, map, walk_key, &w);
}

static void parsed_free(struct parsed *p)
{
	for (int i = 0; i < NFIELDS; i++)
		wipe_blob(&p->v[i].b);
}

static int parse_entry(const struct entry *e, enum kind kind, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->e = e;
	p->kind = kind;
	if (e->body == NULL)
		return 0;
	if (walk_mapping(p, e->body, kind_fields[kind]) < 0) {
		parsed_free(p);
		return -1;
	}
	return 0;
}

/* A set string field: present and not "". */
static const char *str(const struct parsed *p, int idx)
{
	const char *s = p->v[idx].s;

	return s != NULL && *s != '\0' ? s : NULL;
}

/* ---- the index of every file ---- */

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static struct entry *find(struct index *ix, enum kind k, const char *name)
{
	size_t mask = ix->nslots[k] - 1;

	if (ix->nslots[k] == 0)
		return NULL;
	for (size_t s = name_hash(name) & mask; ix->slots[k][s] != 0; s = (s + 1) & mask)
		if (strcmp(ix->e[k][ix->slots[k][s] - 1].name, name) == 0)
			return &ix->e[k][ix->slots[k][s] - 1];
	return NULL;
}

/* Entry i of kind k into the table of names, kept at most half full. */
static void index_name(struct index *ix, enum kind k, size_t i)
{
	if ((ix->n[k] + 1) * 2 > ix->nslots[k]) {
		size_t n = ix->nslots[k] ? ix->nslots[k] * 2 : 16;
		free(ix->slots[k]);
		ix->slots[k] = xcalloc(n, sizeof(**ix->slots));
		ix->nslots[k] = n;
		for (size_t j = 0; j < i; j++) {
			size_t s = name_hash(ix->e[k][j].name) & (n - 1);
			while (ix->slots[k][s] != 0)
				s = (s + 1) & (n - 1);
			ix->slots[k][s] = j + 1;
		}
	}
	size_t mask = ix->nslots[k] - 1, s = name_hash(ix->e[k][i].name) & mask;
	while (ix->slots[k][s] != 0)
		s = (s + 1) & mask;
	ix->slots[k][s] = i + 1;
}

struct item_keys {
	yaml_node_t *name, *body;
	const char *body_key;
};

static int item_key(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *arg)
{
	struct item_keys *ik = arg;

	(void)d;
	(void)kn;
	if (strcmp(key, "name") == 0)
		ik->name = v;
	else if (strcmp(key, ik->body_key) == 0)
		ik->body = v;
	return 0;
}

static int index_item(struct index *ix, struct kfile *f, enum kind k, yaml_node_t *item)
{
	struct item_keys ik = { NULL, NULL, kind_one[k] };
	struct entry e = { NULL, f, item, NULL };
	struct parsed p;
	struct entry *old;

	if (item->type != YAML_MAPPING_NODE)
		return ydoc_error(&f->doc, item, "%s: expected a mapping for each entry, found %s",
				  kind_list[k], type_word(item->type));
	if (ydoc_each(&f->doc, item, item_key, &ik) < 0)
		return -1;
	if (ik.name == NULL || ik.name->type != YAML_SCALAR_NODE || ydoc_is_null(ik.name) ||
	    ik.name->data.scalar.length == 0)
		return ydoc_error(&f->doc, item, "%s: an entry has no name", kind_list[k]);
	e.name = (const char *)ik.name->data.scalar.value;
	if (ik.body != NULL && !ydoc_is_null(ik.body)) {
		if (ik.body->type != YAML_MAPPING_NODE)
			return ydoc_error(&f->doc, ik.body, "%s '%s': expected a mapping, found %s",
					  kind_one[k], e.name, type_word(ik.body->type));
		e.body = ik.body;
	}
	/* Every entry is checked, used or not, as kubectl decodes whole files. */
	if (parse_entry(&e, k, &p) < 0)
		return -1;
	parsed_free(&p);
	old = find(ix, k, e.name);
	if (old != NULL && old->f == f)
		return ydoc_error(&f->doc, item, "%s '%s' is defined twice in this file", kind_one[k], e.name);
	/* The first file that defines a name wins. */
	if (old != NULL)
		return 0;
	if ((ix->n[k] & (ix->n[k] - 1)) == 0) {
		/* Grown by doubling: a file may list many entries. */
		ix->e[k] = xrealloc(ix->e[k], (ix->n[k] ? ix->n[k] * 2 : 1) * sizeof(*ix->e[k]));
	}
	ix->e[k][ix->n[k]] = e;
	index_name(ix, k, ix->n[k]);
	ix->n[k]++;
	return 0;
}

struct top {
	struct index *ix;
	struct kfile *f;
};

static int top_key(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *arg)
{
	struct top *t = arg;
	yaml_node_t *item;

	(void)kn;
	if (ydoc_is_null(v))
		return 0;
	if (strcmp(key, "current-context") == 0) {
		if (v->type != YAML_SCALAR_NODE)
			return ydoc_error(d, v, "current-context: expected a string, found %s", type_word(v->type));
		if (t->ix->current == NULL && v->data.scalar.length > 0)
			t->ix->current = (const char *)v->data.scalar.value;
		return 0;
	}
	for (int k = 0; k < K_N; k++) {
		if (strcmp(key, kind_list[k]) != 0)
			continue;
		if (v->type != YAML_SEQUENCE_NODE)
			return ydoc_error(d, v, "%s: expected a list, found %s", key, type_word(v->type));
		YDOC_SEQ_EACH(d, v, item)
			if (index_item(t->ix, t->f, (enum kind)k, item) < 0)
				return -1;
	}
	return 0;
}

/* Only blanks and comments: kubectl reads such a file as an empty config. */
static int blank_yaml(const char *text)
{
	for (const char *s = text; *s; s++) {
		if (*s == '#') {
			s += strcspn(s, "\n");
			if (*s == '\0')
				break;
		} else if (!isspace((unsigned char)*s)) {
			return 0;
		}
	}
	return 1;
}

static char *absolute_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs, cwd[4096];

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return dir;
	abs = strcmp(dir, ".") == 0 ? xstrdup(cwd) : fs_join(cwd, dir);
	free(dir);
	return abs;
}

/* Read and index one file; 1 when it does not exist and may be skipped. */
static int load_file(struct index *ix, const char *path, int may_be_missing)
{
	struct kfile *f;
	size_t len;
	char *text = fs_read(path, &len);

	if (text == NULL) {
		/* As kubectl: a name in KUBECONFIG that leads nowhere is skipped. */
		if ((errno == ENOENT || errno == FS_EDANGLING) && may_be_missing)
			return 1;
		return errorf("cannot read kubeconfig '%s': %s", path, fs_strerror(errno));
	}
	for (size_t i = 0; i < ix->nfiles; i++) {
		if (strcmp(ix->files[i]->path, path) == 0) {
			free(text);
			return 0;
		}
	}
	ix->files = xrealloc(ix->files, (ix->nfiles + 1) * sizeof(*ix->files));
	f = xcalloc(1, sizeof(*f));
	ix->files[ix->nfiles++] = f;
	f->path = xstrdup(path);
	f->dir = absolute_dir(path);
	sbuf_addf(&ix->names, "%s'%s'", ix->names.len ? ", " : "", path);
	if (blank_yaml(text)) {
		explicit_bzero(text, len);
		free(text);
		return 0;
	}
	int rc = ydoc_load_string(&f->doc, path, text, len);
	explicit_bzero(text, len);
	free(text);
	f->has_doc = f->doc.loaded;
	if (rc < 0)
		return -1;
	yaml_node_t *root = ydoc_root(&f->doc);
	if (ydoc_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return ydoc_error(&f->doc, root, "expected a kubeconfig mapping, found %s", type_word(root->type));
	struct top t = { ix, f };
	return ydoc_each(&f->doc, root, top_key, &t);
}

static void index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->nfiles; i++) {
		struct kfile *f = ix->files[i];
		free(f->path);
		free(f->dir);
		if (f->has_doc)
			ydoc_free(&f->doc);
		else
			free(f->doc.path);
		free(f);
	}
	free(ix->files);
	for (int k = 0; k < K_N; k++) {
		free(ix->e[k]);
		free(ix->slots[k]);
	}
	sbuf_free(&ix->names);
}

/* Split a ':' list and load each file in order. */
static int load_all(struct index *ix, const char *paths, int may_be_missing)
{
	char *copy = xstrdup(paths), *save = NULL;
	int rc = 0;

	for (char *p = strtok_r(copy, ":", &save); p != NULL && rc == 0; p = strtok_r(NULL, ":", &save))
		if (load_file(ix, p, may_be_missing) < 0)
			rc = -1;
	free(copy);
	return rc;
}

/* ---- the chosen context ---- */

static char *where(const struct entry *e)
{
	return xasprintf("%s:%zu:%zu", e->f->path, e->item->start_mark.line + 1,
			 e->item->start_mark.column + 1);
}

static char *resolve(const struct kfile *f, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	while (name[0] == '.' && name[1] == '/')
		name += 2 + strspn(name + 2, "/");
	return fs_join(f->dir, name);
}

/* Read a file named by field idx into *out. */
static int read_named(const struct parsed *p, int idx, const char *key, struct kube_blob *out)
{
	char *path = resolve(p->e->f, p->v[idx].s);
	size_t len;
	char *data = fs_read(path, &len);

	if (data == NULL) {
		int e = errno;
		perr(p, p->v[idx].n, "cannot read %s '%s': %s", key, path, fs_strerror(e));
		free(path);
		return -1;
	}
	free(path);
	out->data = (unsigned char *)data;
	out->len = len;
	return 0;
}

/* Take the decoded *-data field, else read the file field; both set is an error, as in kubectl. */
static int data_or_file(struct parsed *p, int data_idx, const char *data_key, int file_idx,
			const char *file_key, struct kube_blob *out)
{
	struct kube_blob *b = &p->v[data_idx].b;

	if (b->len > 0 && str(p, file_idx) != NULL)
		return perr(p, p->v[data_idx].n, "%s and %s are both set", file_key, data_key);
	if (b->len > 0) {
		*out = *b;
		b->data = NULL;
		b->len = 0;
		return 0;
	}
	if (str(p, file_idx) != NULL)
		return read_named(p, file_idx, file_key, out);
	return 0;
}

static int fill_cluster(struct kubeconfig *cfg, struct parsed *p)
{
	const char *server = str(p, C_SERVER);
	size_t n;

	cfg->cluster_at = where(p->e);
	if (server == NULL)
		return perr(p, NULL, "no server");
	if (strstr(server, "://") == NULL) {
		/* client-go reads a bare host:port as https. */
		cfg->server = xasprintf("https://%s", server);
	} else if (strncasecmp(server, "https://", 8) == 0 || strncasecmp(server, "http://", 7) == 0) {
		cfg->server = xstrdup(server);
	} else {
		return perr(p, p->v[C_SERVER].n, "server: '%s' is not an http:// or https:// URL", server);
	}
	n = strlen(cfg->server);
	while (n > 0 && cfg->server[n - 1] == '/')
		cfg->server[--n] = '\0';
	if (data_or_file(p, C_CA_DATA, "certificate-authority-data", C_CA, "certificate-authority", &cfg->ca) < 0)
		return -1;
	cfg->insecure = p->v[C_INSECURE].on;
	if (cfg->insecure && cfg->ca.len > 0)
		return perr(p, p->v[C_INSECURE].n,
			    "insecure-skip-tls-verify is set together with a certificate authority");
	if (str(p, C_TLS_NAME) != NULL)
		cfg->tls_server_name = xstrdup(str(p, C_TLS_NAME));
	return 0;
}

static char **strv_new(size_t n)
{
	return xcalloc(n + 1, sizeof(char *));
}

static void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **s = v; *s; s++)
		wipe_str(*s);
	free(v);
}

static void exec_free(struct kube_exec *x)
{
	if (x == NULL)
		return;
	free(x->api_version);
	strv_free(x->argv);
	strv_free(x->env);
	free(x);
}

static int fill_exec(struct kubeconfig *cfg, const struct parsed *p)
{
	const struct fv *v = p->v;
	struct ydoc *d = &p->e->f->doc;
	const char *cmd = str(p, E_COMMAND), *api = str(p, E_API), *mode = str(p, E_INTERACTIVE);
	struct kube_exec *x;
	yaml_node_t *item;
	size_t n = 1;

	if (cmd == NULL)
		return perr(p, v[U_EXEC].n, "exec: command is missing");
	if (api == NULL)
		return perr(p, v[U_EXEC].n, "exec: apiVersion is missing");
	if (strcmp(api, exec_v1) != 0 && strcmp(api, exec_v1beta1) != 0)
		return perr(p, v[E_API].n, "exec: apiVersion '%s' is not %s or %s", api, exec_v1, exec_v1beta1);
	if (mode != NULL && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0) {
		if (strcmp(mode, "Always") == 0)
			return perr(p, v[E_INTERACTIVE].n,
				    "exec: interactiveMode Always needs a terminal, and plugins run without one here");
		return perr(p, v[E_INTERACTIVE].n, "exec: interactiveMode '%s' is not Never, IfAvailable or Always", mode);
	}
	x = xcalloc(1, sizeof(*x));
	x->api_version = xstrdup(api);
	x->provide_cluster_info = v[E_CLUSTER_INFO].on;
	if (v[E_ARGS].n != NULL)
		n += (size_t)(v[E_ARGS].n->data.sequence.items.top - v[E_ARGS].n->data.sequence.items.start);
	x->argv = strv_new(n);
	/* As kubectl: a command with a '/' is a file name, relative to the kubeconfig; else on PATH. */
	x->argv[0] = strchr(cmd, '/') != NULL ? resolve(p->e->f, cmd) : xstrdup(cmd);
	n = 1;
	if (v[E_ARGS].n != NULL)
		YDOC_SEQ_EACH(d, v[E_ARGS].n, item)
			x->argv[n++] = xstrdup((const char *)item->data.scalar.value);
	n = 0;
	if (v[E_ENV].n != NULL)
		n = (size_t)(v[E_ENV].n->data.sequence.items.top - v[E_ENV].n->data.sequence.items.start);
	x->env = strv_new(n);
	n = 0;
	if (v[E_ENV].n != NULL) {
		YDOC_SEQ_EACH(d, v[E_ENV].n, item) {
			const char *name, *value;
			env_item(p, item, &name, &value);
			x->env[n++] = xasprintf("%s=%s", name, value ? value : "");
		}
	}
	cfg->exec = x;
	return 0;
}

static int fill_user(struct kubeconfig *cfg, struct parsed *p)
{
	const struct fv *v = p->v;

	cfg->user_at = where(p->e);
	if (data_or_file(p, U_CERT_DATA, "client-certificate-data", U_CERT, "client-certificate", &cfg->cert) < 0 ||
	    data_or_file(p, U_KEY_DATA, "client-key-data", U_KEY, "client-key", &cfg->key) < 0)
		return -1;
	if ((cfg->cert.len > 0) != (cfg->key.len > 0))
		return perr(p, NULL, "a client certificate needs both a certificate and a key");
	if (str(p, U_TOKEN) != NULL)
		cfg->token = xstrdup(str(p, U_TOKEN));
	if (str(p, U_TOKEN_FILE) != NULL) {
		struct kube_blob probe = { NULL, 0 };
		cfg->token_file = resolve(p->e->f, str(p, U_TOKEN_FILE));
		/* Read now so that a wrong name fails at load; read again when used. */
		if (cfg->token == NULL && read_named(p, U_TOKEN_FILE, "tokenFile", &probe) < 0)
			return -1;
		wipe_blob(&probe);
	}
	if (str(p, U_USERNAME) != NULL)
		cfg->username = xstrdup(str(p, U_USERNAME));
	if (str(p, U_PASSWORD) != NULL)
		cfg->password = xstrdup(str(p, U_PASSWORD));
	if ((cfg->token || cfg->token_file) && (cfg->username || cfg->password))
		return perr(p, NULL, "more than one authentication method: a token and a username/password");
	if (v[U_EXEC].n == NULL)
		return 0;
	if (fill_exec(cfg, p) < 0)
		return -1;
	/* client-go skips the plugin when the kubeconfig already holds credentials. */
	if (cfg->token || cfg->token_file || cfg->username || cfg->password || cfg->cert.len) {
		exec_free(cfg->exec);
		cfg->exec = NULL;
	}
	return 0;
}

static int fill_chosen(struct kubeconfig *cfg, struct entry *cl, struct entry *us)
{
	struct parsed p;
	int rc;

	if (parse_entry(cl, K_CLUSTER, &p) < 0)
		return -1;
	rc = fill_cluster(cfg, &p);
	parsed_free(&p);
	if (rc < 0 || us == NULL)
		return rc;
	if (parse_entry(us, K_USER, &p) < 0)
		return -1;
	rc = fill_user(cfg, &p);
	parsed_free(&p);
	return rc;
}

static int choose(struct kubeconfig *cfg, struct index *ix, const char *name)
{
	struct entry *ctx, *cl, *us = NULL;
	struct parsed pc;
	const char *files = sbuf_str(&ix->names);
	const char *cname, *uname;
	int rc;

	if (name == NULL || *name == '\0')
		name = ix->current;
	if (name == NULL)
		return errorf("no context given and no current-context set in %s", files);
	ctx = find(ix, K_CONTEXT, name);
	if (ctx == NULL)
		return errorf("context '%s' not found in %s", name, files);
	if (parse_entry(ctx, K_CONTEXT, &pc) < 0)
		return -1;
	cfg->context = xstrdup(name);
	cfg->context_at = where(ctx);
	cfg->ns = xstrdup(str(&pc, X_NS) ? str(&pc, X_NS) : "default");
	cname = str(&pc, X_CLUSTER);
	uname = str(&pc, X_USER);
	if (cname == NULL)
		rc = perr(&pc, NULL, "names no cluster");
	else if ((cl = find(ix, K_CLUSTER, cname)) == NULL)
		rc = perr(&pc, pc.v[X_CLUSTER].n, "cluster '%s' is not defined in %s", cname, files);
	else if (uname != NULL && (us = find(ix, K_USER, uname)) == NULL)
		rc = perr(&pc, pc.v[X_USER].n, "user '%s' is not defined in %s", uname, files);
	else {
		cfg->cluster = xstrdup(cname);
		cfg->user = xstrdup(uname ? uname : "");
		rc = fill_chosen(cfg, cl, us);
	}
	parsed_free(&pc);
	return rc;
}

int kubeconfig_load(struct kubeconfig *cfg, const char *paths, const char *context)
{
	struct index ix;
	char *home_config = NULL;
	int rc, from_env = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ix, 0, sizeof(ix));
	if (paths == NULL) {
		const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
		if (env != NULL && *env != '\0') {
			paths = env;
			from_env = 1;
		} else if (home != NULL && *home != '\0') {
			home_config = fs_join(home, ".kube/config");
			paths = home_config;
		} else {
			return errorf("no kubeconfig: KUBECONFIG and HOME are not set");
		}
	}
	rc = load_all(&ix, paths, from_env);
	if (rc == 0 && ix.nfiles == 0)
		rc = errorf(from_env ? "no kubeconfig: none of the files in KUBECONFIG exists ('%s')" :
			    "no kubeconfig: no file in '%s'", paths);
	if (rc == 0) {
		rc = choose(cfg, &ix, context);
		if (rc == 0)
			cfg->files = xstrdup(sbuf_str(&ix.names));
	}
	index_free(&ix);
	free(home_config);
	if (rc < 0)
		kubeconfig_free(cfg);
	return rc;
}

void kubeconfig_free(struct kubeconfig *cfg)
{
	free(cfg->files);
	free(cfg->context);
	free(cfg->cluster);
	free(cfg->user);
	free(cfg->context_at);
	free(cfg->cluster_at);
	free(cfg->user_at);
	free(cfg->ns);
	free(cfg->server);
	free(cfg->tls_server_name);
	wipe_blob(&cfg->ca);
	wipe_blob(&cfg->cert);
	wipe_blob(&cfg->key);
	wipe_str(cfg->token);
	free(cfg->token_file);
	wipe_str(cfg->username);
	wipe_str(cfg->password);
	exec_free(cfg->exec);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- credentials ---- */

void kube_cred_free(struct kube_cred *c)
{
	wipe_str(c->token);
	wipe_str(c->username);
	wipe_str(c->password);
	wipe_blob(&c->cert);
	wipe_blob(&c->key);
	memset(c, 0, sizeof(*c));
}

int kube_cred_expired(const struct kube_cred *c)
{
	return c->expires != 0 && wall_now() >= c->expires;
}

/* KUBERNETES_EXEC_INFO: what client-go tells a plugin about the request. */
static char *exec_info(const struct kubeconfig *cfg)
{
	const struct kube_exec *x = cfg->exec;
	jv spec = jv_object_set(jv_object(), jv_string("interactive"), jv_false());
	jv info, s;
	char *text;

	if (x->provide_cluster_info) {
		jv cl = jv_object_set(jv_object(), jv_string("server"), jv_string(cfg->server));
		if (cfg->tls_server_name)
			cl = jv_object_set(cl, jv_string("tls-server-name"), jv_string(cfg->tls_server_name));
		if (cfg->insecure)
			cl = jv_object_set(cl, jv_string("insecure-skip-tls-verify"), jv_true());
		if (cfg->ca.len > 0) {
			char *b = b64_encode(cfg->ca.data, cfg->ca.len);
			cl = jv_object_set(cl, jv_string("certificate-authority-data"), jv_string(b));
			free(b);
		}
		spec = jv_object_set(spec, jv_string("cluster"), cl);
	}
	info = jv_object_set(jv_object(), jv_string("kind"), jv_string("ExecCredential"));
	info = jv_object_set(info, jv_string("apiVersion"), jv_string(x->api_version));
	info = jv_object_set(info, jv_string("spec"), spec);
	s = jv_dump_string(info, 0);
	text = xasprintf("KUBERNETES_EXEC_INFO=%s", jv_string_value(s));
	jv_free(s);
	return text;
}

/* Our environment, with the kubeconfig's env and info set over it (env_build); env_free it. */
static char **exec_envp(const struct kube_exec *x, const char *info)
{
	size_t m = 0;
	const char **changes;
	char **envp;

	while (x->env[m])
		m++;
	changes = xcalloc(m + 2, sizeof(*changes));
	for (size_t i = 0; i < m; i++)
		changes[i] = x->env[i];
	changes[m] = info;
	envp = env_build(changes);
	free(changes);
	return envp;
}

static int exec_fail(const struct kubeconfig *cfg, const char *fmt, ...) LT_PRINTF(2, 3);
static int exec_fail(const struct kubeconfig *cfg, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return errorf("%s: user '%s': exec plugin '%s' %s", cfg->user_at, cfg->user, cfg->exec->argv[0], buf);
}

/* Read the plugin's ExecCredential; messages never quote it: it is the secret. */
static int exec_parse(const struct kubeconfig *cfg, const char *text, size_t len, struct kube_cred *out)
{
	jv v = jv_parse_sized(text, (int)len), status;
	const char *s, *cert, *key, *exp;
	int rc = -1;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return exec_fail(cfg, "printed no valid JSON");
	}
	s = json_str(v, "kind");
	if (s == NULL || strcmp(s, "ExecCredential") != 0) {
		exec_fail(cfg, "printed JSON that is not an ExecCredential");
		goto out;
	}
	s = json_str(v, "apiVersion");
	if (s == NULL || strcmp(s, cfg->exec->api_version) != 0) {
		exec_fail(cfg, "answered with apiVersion '%.100s', expected '%s'", s ? s : "",
			  cfg->exec->api_version);
		goto out;
	}
	status = json_get(v, "status");
	s = json_str(status, "token");
	cert = json_str(status, "clientCertificateData");
	key = json_str(status, "clientKeyData");
	exp = json_str(status, "expirationTimestamp");
	if ((cert && *cert) != (key && *key)) {
		exec_fail(cfg, "printed only one of status.clientCertificateData and status.clientKeyData");
	} else if (!(s && *s) && !(cert && *cert)) {
		exec_fail(cfg, "printed neither status.token nor status.clientCertificateData");
	} else if (exp && rfc3339_parse(exp, &out->expires) < 0) {
		exec_fail(cfg, "printed an expirationTimestamp that is not RFC 3339: '%.64s'", exp);
	} else {
		if (s && *s)
			out->token = xstrdup(s);
		if (cert && *cert) {
			struct kube_blob c = { (unsigned char *)(uintptr_t)cert, strlen(cert) };
			struct kube_blob k = { (unsigned char *)(uintptr_t)key, strlen(key) };
			blob_copy(&out->cert, &c);
			blob_copy(&out->key, &k);
		}
		rc = 0;
	}
	jv_free(status);
out:
	jv_free(v);
	return rc;
}

/* For the fuzz harness (tests/fuzz/fuzz_exec_credential.c) only: exec_parse on its own. */
int kubeconfig_parse_exec_output(const struct kubeconfig *cfg, const char *text, size_t len, struct kube_cred *out)
{
	memset(out, 0, sizeof(*out));
	if (exec_parse(cfg, text, len, out) < 0) {
		kube_cred_free(out);
		return -1;
	}
	return 0;
}

static int run_exec(const struct kubeconfig *cfg, struct kube_cred *out)
{
	char *info = exec_info(cfg);
	char **envp = exec_envp(cfg->exec, info);
	struct sbuf sb = SBUF_INIT;
	char why[128];
	int ws, rc;

	/* In a group of its own: at the deadline, and once it has answered, all of it goes. */
	rc = proc_run(cfg->exec->argv, envp, EXEC_TIMEOUT_MS, EXEC_MAX_OUTPUT, PROC_GROUP, &sb, &ws);
	env_free(envp);
	free(info);
	if (rc < 0 && errno == ETIMEDOUT)
		rc = exec_fail(cfg, "did not finish within %d s", EXEC_TIMEOUT_MS / 1000);
	else if (rc < 0 && errno == EFBIG)
		rc = exec_fail(cfg, "printed more than %d bytes", EXEC_MAX_OUTPUT);
	else if (rc < 0)
		rc = exec_fail(cfg, "cannot be run: %s", strerror(errno));
	else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		rc = exec_fail(cfg, "%s", proc_status_text(ws, why, sizeof(why)));
	else
		rc = exec_parse(cfg, sbuf_str(&sb), sb.len, out);
	if (sb.buf != NULL)
		explicit_bzero(sb.buf, sb.cap);
	sbuf_free(&sb);
	return rc;
}

static int read_token_file(const struct kubeconfig *cfg, struct kube_cred *out)
{
	size_t len;
	char *t = fs_read(cfg->token_file, &len);
	size_t start = 0;

	if (t == NULL)
		return errorf("%s: user '%s': cannot read tokenFile '%s': %s", cfg->user_at, cfg->user,
			      cfg->token_file, fs_strerror(errno));
	while (len > 0 && isspace((unsigned char)t[len - 1]))
		t[--len] = '\0';
	while (start < len && isspace((unsigned char)t[start]))
		start++;
	if (start == len) {
		free(t);
		return errorf("%s: user '%s': tokenFile '%s' is empty", cfg->user_at, cfg->user, cfg->token_file);
	}
	out->token = xstrdup(t + start);
	explicit_bzero(t, len);
	free(t);
	out->expires = wall_now() + TOKEN_FILE_TTL;
	return 0;
}

int kubeconfig_credentials(const struct kubeconfig *cfg, struct kube_cred *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (cfg->token != NULL)
		out->token = xstrdup(cfg->token);
	else if (cfg->token_file != NULL)
		rc = read_token_file(cfg, out);
	if (cfg->username != NULL)
		out->username = xstrdup(cfg->username);
	if (cfg->password != NULL)
		out->password = xstrdup(cfg->password);
	blob_copy(&out->cert, &cfg->cert);
	blob_copy(&out->key, &cfg->key);
	if (rc == 0 && cfg->exec != NULL)
		rc = run_exec(cfg, out);
	if (rc < 0)
		kube_cred_free(out);
	return rc;
}
