/* Kubeconfig: an index of every file's entries, kubectl's merge, the chosen context resolved. */
#include "kubeconfig_int.h"
#include "fsio.h"
#include "nameidx.h"
#include "sbuf.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct index {
	struct kfile **files;	/* each allocated alone: entries point at them */
	size_t nfiles;
	struct entry *e[K_N];
	size_t n[K_N];
	struct name_index byname[K_N];	/* a file may list many entries */
	const char *current;	/* the first current-context set */
	struct sbuf names;	/* "'a', 'b'" */
};

/* ---- the index of every file ---- */

static struct entry *find(struct index *ix, enum kind k, const char *name)
{
	long i = name_index_find(&ix->byname[k], name);

	return i < 0 ? NULL : &ix->e[k][i];
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
	struct item_keys ik = { NULL, NULL, kc_kind_one[k] };
	struct entry e = { NULL, f, item, NULL };
	struct parsed p;
	struct entry *old;

	if (item->type != YAML_MAPPING_NODE)
		return ydoc_error(&f->doc, item, "%s: expected a mapping for each entry, found %s",
				  kc_kind_list[k], kc_type_word(item->type));
	if (ydoc_each(&f->doc, item, item_key, &ik) < 0)
		return -1;
	if (ik.name == NULL || ik.name->type != YAML_SCALAR_NODE || ydoc_is_null(ik.name) ||
	    ik.name->data.scalar.length == 0)
		return ydoc_error(&f->doc, item, "%s: an entry has no name", kc_kind_list[k]);
	e.name = (const char *)ik.name->data.scalar.value;
	if (ik.body != NULL && !ydoc_is_null(ik.body)) {
		if (ik.body->type != YAML_MAPPING_NODE)
			return ydoc_error(&f->doc, ik.body, "%s '%s': expected a mapping, found %s",
					  kc_kind_one[k], e.name, kc_type_word(ik.body->type));
		e.body = ik.body;
	}
	/* Every entry is checked, used or not, as kubectl decodes whole files. */
	if (kc_parse_entry(&e, k, &p) < 0)
		return -1;
	kc_parsed_free(&p);
	old = find(ix, k, e.name);
	if (old != NULL && old->f == f)
		return ydoc_error(&f->doc, item, "%s '%s' is defined twice in this file", kc_kind_one[k], e.name);
	/* The first file that defines a name wins. */
	if (old != NULL)
		return 0;
	if ((ix->n[k] & (ix->n[k] - 1)) == 0) {
		/* Grown by doubling: a file may list many entries. */
		ix->e[k] = xrealloc(ix->e[k], (ix->n[k] ? ix->n[k] * 2 : 1) * sizeof(*ix->e[k]));
	}
	ix->e[k][ix->n[k]] = e;
	name_index_add(&ix->byname[k], e.name, ix->n[k]);
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
			return ydoc_error(d, v, "current-context: expected a string, found %s", kc_type_word(v->type));
		if (t->ix->current == NULL && v->data.scalar.length > 0)
			t->ix->current = (const char *)v->data.scalar.value;
		return 0;
	}
	for (int k = 0; k < K_N; k++) {
		if (strcmp(key, kc_kind_list[k]) != 0)
			continue;
		if (v->type != YAML_SEQUENCE_NODE)
			return ydoc_error(d, v, "%s: expected a list, found %s", key, kc_type_word(v->type));
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
		return ydoc_error(&f->doc, root, "expected a kubeconfig mapping, found %s", kc_type_word(root->type));
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
		name_index_free(&ix->byname[k]);
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

static int fill_cluster(struct kubeconfig *cfg, struct parsed *p)
{
	const char *server = kc_str(p, C_SERVER);
	size_t n;

	cfg->cluster_at = kc_where(p->e);
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
	if (kc_data_or_file(p, C_CA_DATA, "certificate-authority-data", C_CA, "certificate-authority", &cfg->ca) < 0)
		return -1;
	cfg->insecure = p->v[C_INSECURE].on;
	if (cfg->insecure && cfg->ca.len > 0)
		return perr(p, p->v[C_INSECURE].n,
			    "insecure-skip-tls-verify is set together with a certificate authority");
	if (kc_str(p, C_TLS_NAME) != NULL)
		cfg->tls_server_name = xstrdup(kc_str(p, C_TLS_NAME));
	return 0;
}

static int fill_chosen(struct kubeconfig *cfg, struct entry *cl, struct entry *us)
{
	struct parsed p;
	int rc;

	if (kc_parse_entry(cl, K_CLUSTER, &p) < 0)
		return -1;
	rc = fill_cluster(cfg, &p);
	kc_parsed_free(&p);
	if (rc < 0 || us == NULL)
		return rc;
	if (kc_parse_entry(us, K_USER, &p) < 0)
		return -1;
	rc = kc_fill_user(cfg, &p);
	kc_parsed_free(&p);
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
	if (kc_parse_entry(ctx, K_CONTEXT, &pc) < 0)
		return -1;
	cfg->context = xstrdup(name);
	cfg->context_at = kc_where(ctx);
	cfg->ns = xstrdup(kc_str(&pc, X_NS) ? kc_str(&pc, X_NS) : "default");
	cname = kc_str(&pc, X_CLUSTER);
	uname = kc_str(&pc, X_USER);
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
	kc_parsed_free(&pc);
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
	kc_wipe_blob(&cfg->ca);
	kc_wipe_blob(&cfg->cert);
	kc_wipe_blob(&cfg->key);
	kc_wipe_str(cfg->token);
	free(cfg->token_file);
	kc_wipe_str(cfg->username);
	kc_wipe_str(cfg->password);
	kc_exec_free(cfg->exec);
	memset(cfg, 0, sizeof(*cfg));
}
