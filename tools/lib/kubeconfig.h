/*
 * Kubeconfig files read the way kubectl reads them: a KUBECONFIG list merged (the first
 * file that defines a name wins), one context chosen, its cluster and user resolved, and
 * every referenced file read into memory. Credentials come from the user's static fields,
 * its token file or its exec plugin. Messages name the file (file:line:col where the YAML
 * tells) and the entry, never a secret.
 */
#ifndef LT_KUBECONFIG_H
#define LT_KUBECONFIG_H

#include <stddef.h>

/* Bytes read from a file or decoded from base64, NUL-terminated; len 0 when absent. */
struct kube_blob {
	unsigned char *data;
	size_t len;
};

struct kube_exec {
	char *api_version;	/* client.authentication.k8s.io/v1 or .../v1beta1 */
	char **argv;		/* command (resolved against the kubeconfig's folder when it
				   holds a '/'), then args; NULL-terminated */
	char **env;		/* "NAME=value" from the kubeconfig, NULL-terminated */
	int provide_cluster_info;
};

struct kubeconfig {
	char *files;		/* the files read, as "'a', 'b'", for messages */
	char *context, *cluster, *user;		/* names in use; user is "" for none */
	char *context_at, *cluster_at, *user_at; /* "file:line:col" of each definition */
	char *ns;		/* the context's namespace; "default" when it names none */
	/* The cluster. */
	char *server;		/* "https://host:port[/prefix]", no trailing '/' */
	char *tls_server_name;	/* name to verify instead of the server's host, or NULL */
	int insecure;		/* insecure-skip-tls-verify */
	struct kube_blob ca;	/* PEM; len 0: the system's CAs */
	/* The user's static credentials (see kubeconfig_credentials for what is used). */
	struct kube_blob cert, key;
	char *token, *token_file;
	char *username, *password;
	/* The exec plugin; NULL when there is none or static credentials make it unused. */
	struct kube_exec *exec;
};

/*
 * Load a kubeconfig. paths: files separated by ':' (every one must exist); NULL reads
 * $KUBECONFIG (files that do not exist are skipped, as kubectl does, but one must exist),
 * else ~/.kube/config. context: NULL or "" for current-context. Relative file names in a
 * cluster or user are resolved against the folder of the file that defines it. Unknown
 * keys are ignored; wrong types, bad base64, missing entries and unreadable files are
 * errors. Returns 0, or -1 after printing one line; cfg is then empty.
 */
int kubeconfig_load(struct kubeconfig *cfg, const char *paths, const char *context);
/* Wipes the secrets, then frees everything. */
void kubeconfig_free(struct kubeconfig *cfg);

/* The credentials to present now. */
struct kube_cred {
	char *token;			/* bearer token, or NULL */
	char *username, *password;	/* basic auth, or NULL */
	struct kube_blob cert, key;	/* client certificate and key (PEM), or len 0 */
	double expires;			/* wall-clock seconds (CLOCK_REALTIME) after which to
					   ask again; 0: never */
};

/*
 * Fill out with the credentials to use, as client-go chooses them: token (else tokenFile,
 * re-read after a minute), basic auth and client certificate from the kubeconfig; only when
 * there are none, the exec plugin's output (run now, no shell, its ExecCredential read from
 * stdout; expires from status.expirationTimestamp). Returns 0, or -1 after printing one line
 * naming the user and its file, never the credential; out is then empty.
 */
int kubeconfig_credentials(const struct kubeconfig *cfg, struct kube_cred *out);
/* An exec plugin's output (len bytes, at most 1 MiB) read as kubeconfig_credentials reads it;
 * for the fuzz harness (see kubeconfig_cred.c), not used by the tools. */
int kubeconfig_parse_exec_output(const struct kubeconfig *cfg, const char *text, size_t len, struct kube_cred *out);
/* Whether c must be asked for again (its expiry has passed). */
int kube_cred_expired(const struct kube_cred *c);
/* Wipes the secrets, then frees them. */
void kube_cred_free(struct kube_cred *c);

#endif
