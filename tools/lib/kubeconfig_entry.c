/* One kubeconfig entry (a cluster, user or context): its fields read by table, and the files it names. */
#include "kubeconfig_int.h"
#include "base64.h"
#include "fsio.h"
#include "wrapper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const kc_kind_list[K_N] = { "clusters", "users", "contexts" };
const char *const kc_kind_one[K_N] = { "cluster", "user", "context" };

struct field {
	const char *key;
	enum ftype type;
	int idx;
	const struct field *sub;	/* F_MAP */
};

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

const char *kc_type_word(yaml_node_type_t t)
{
	return t == YAML_MAPPING_NODE ? "a mapping" : t == YAML_SEQUENCE_NODE ? "a list" : "a string";
}

int perr(const struct parsed *p, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ydoc_error(&p->e->f->doc, n ? n : p->e->item, "%s '%s': %s", kc_kind_one[p->kind],
			  p->e->name, buf);
}

static int want(const struct parsed *p, const yaml_node_t *n, const char *key, yaml_node_type_t t)
{
	if (n->type == t)
		return 0;
	/* The value is never quoted: it may be a secret. */
	return perr(p, n, "%s: expected %s, found %s", key, kc_type_word(t), kc_type_word(n->type));
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

int kc_env_item(const struct parsed *p, yaml_node_t *item, const char **name, const char **value)
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
		if (kc_env_item(p, item, &name, &value) < 0)
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

void kc_parsed_free(struct parsed *p)
{
	for (int i = 0; i < NFIELDS; i++)
		kc_wipe_blob(&p->v[i].b);
}

int kc_parse_entry(const struct entry *e, enum kind kind, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->e = e;
	p->kind = kind;
	if (e->body == NULL)
		return 0;
	if (walk_mapping(p, e->body, kind_fields[kind]) < 0) {
		kc_parsed_free(p);
		return -1;
	}
	return 0;
}

const char *kc_str(const struct parsed *p, int idx)
{
	const char *s = p->v[idx].s;

	return s != NULL && *s != '\0' ? s : NULL;
}

char *kc_where(const struct entry *e)
{
	return xasprintf("%s:%zu:%zu", e->f->path, e->item->start_mark.line + 1,
			 e->item->start_mark.column + 1);
}

char *kc_resolve(const struct kfile *f, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	while (name[0] == '.' && name[1] == '/')
		name += 2 + strspn(name + 2, "/");
	return fs_join(f->dir, name);
}

int kc_read_named(const struct parsed *p, int idx, const char *key, struct kube_blob *out)
{
	char *path = kc_resolve(p->e->f, p->v[idx].s);
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

int kc_data_or_file(struct parsed *p, int data_idx, const char *data_key, int file_idx,
			const char *file_key, struct kube_blob *out)
{
	struct kube_blob *b = &p->v[data_idx].b;

	if (b->len > 0 && kc_str(p, file_idx) != NULL)
		return perr(p, p->v[data_idx].n, "%s and %s are both set", file_key, data_key);
	if (b->len > 0) {
		*out = *b;
		b->data = NULL;
		b->len = 0;
		return 0;
	}
	if (kc_str(p, file_idx) != NULL)
		return kc_read_named(p, file_idx, file_key, out);
	return 0;
}
