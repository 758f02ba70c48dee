/*
 * What the kubeconfig files share among themselves, for them only: kubeconfig.c (the index
 * of every file, the chosen context), kubeconfig_entry.c (an entry's fields, read by table)
 * and kubeconfig_cred.c (the user: its secrets and the credentials made from them).
 */
#ifndef LT_KUBECONFIG_INT_H
#define LT_KUBECONFIG_INT_H

#include "kubeconfig.h"
#include "msg.h"
#include "ydoc.h"

enum kind { K_CLUSTER, K_USER, K_CONTEXT, K_N };
/* "clusters", ... and "cluster", ...: the keys of a kubeconfig. */
extern const char *const kc_kind_list[K_N];
extern const char *const kc_kind_one[K_N];

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

/* ---- an entry's fields (kubeconfig_entry.c) ---- */

enum ftype { F_STR, F_BOOL, F_B64, F_LIST, F_ENV, F_MAP };

struct fv {
	yaml_node_t *n;		/* NULL: absent or null */
	const char *s;		/* F_STR, borrowed from the document */
	struct kube_blob b;	/* F_B64, decoded */
	int on;			/* F_BOOL */
};

enum { C_SERVER, C_CA, C_CA_DATA, C_INSECURE, C_TLS_NAME };
enum {
	U_CERT, U_CERT_DATA, U_KEY, U_KEY_DATA, U_TOKEN, U_TOKEN_FILE, U_USERNAME, U_PASSWORD,
	U_EXEC, E_COMMAND, E_ARGS, E_ENV, E_API, E_CLUSTER_INFO, E_INTERACTIVE, NFIELDS
};
enum { X_CLUSTER, X_USER, X_NS };

/* One entry's fields, parsed. */
struct parsed {
	const struct entry *e;
	enum kind kind;
	struct fv v[NFIELDS];
};

/* Parse entry e of kind into *p (every key checked); 0, or -1 after printing why. */
int kc_parse_entry(const struct entry *e, enum kind kind, struct parsed *p);
void kc_parsed_free(struct parsed *p);
/* A set string field: present and not "". */
const char *kc_str(const struct parsed *p, int idx);
/*
 * "file:line:col: <kind> '<name>': message" at node n (NULL: the entry); returns -1. Named
 * perr, without the kc_ prefix, because tests/docs-messages.sh collects its messages by name.
 */
int perr(const struct parsed *p, const yaml_node_t *n, const char *fmt, ...) LT_PRINTF(3, 4);
/* "a mapping", "a list" or "a string", for messages. */
const char *kc_type_word(yaml_node_type_t t);
/* An env list item: { name: N, value: V }; *name and *value are borrowed, value may be NULL. */
int kc_env_item(const struct parsed *p, yaml_node_t *item, const char **name, const char **value);
/* "file:line:col" of where e is defined, malloc'd. */
char *kc_where(const struct entry *e);
/* A file name in f, made absolute against f's folder; malloc'd. */
char *kc_resolve(const struct kfile *f, const char *name);
/* Read a file named by field idx into *out. */
int kc_read_named(const struct parsed *p, int idx, const char *key, struct kube_blob *out);
/* Take the decoded *-data field, else read the file field; both set is an error, as in kubectl. */
int kc_data_or_file(struct parsed *p, int data_idx, const char *data_key, int file_idx,
		    const char *file_key, struct kube_blob *out);

/* ---- the user and its secrets (kubeconfig_cred.c) ---- */

/* The user's credentials and exec plugin into cfg; 0, or -1 after printing why. */
int kc_fill_user(struct kubeconfig *cfg, struct parsed *p);
/* Wipe a secret, then free it. */
void kc_wipe_str(char *s);
void kc_wipe_blob(struct kube_blob *b);
void kc_exec_free(struct kube_exec *x);

#endif
