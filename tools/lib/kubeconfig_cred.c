/*
 * A kubeconfig user's secrets, kept apart so that the code that handles them can be read
 * alone: the user entry read into the config, then the credentials presented (token,
 * tokenFile re-read, basic auth, client certificate, or an exec plugin's ExecCredential).
 * Secrets are wiped before they are freed and never reach a message.
 */
#include "kubeconfig_int.h"
#include "base64.h"
#include "fsio.h"
#include "jsonf.h"
#include "proc.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* How long an exec plugin may run, and how much it may print. */
#define EXEC_TIMEOUT_MS 60000
#define EXEC_MAX_OUTPUT (1024 * 1024)
/* client-go re-reads a tokenFile once a minute: tokens there are rotated. */
#define TOKEN_FILE_TTL 60.0

static const char exec_v1[] = "client.authentication.k8s.io/v1";
static const char exec_v1beta1[] = "client.authentication.k8s.io/v1beta1";

void kc_wipe_str(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void kc_wipe_blob(struct kube_blob *b)
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

/* The wall clock, not mono_now: expiry times are time stamps (a plugin's expirationTimestamp). */
static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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
		kc_wipe_str(*s);
	free(v);
}

void kc_exec_free(struct kube_exec *x)
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
	const char *cmd = kc_str(p, E_COMMAND), *api = kc_str(p, E_API), *mode = kc_str(p, E_INTERACTIVE);
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
	x->argv[0] = strchr(cmd, '/') != NULL ? kc_resolve(p->e->f, cmd) : xstrdup(cmd);
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
			kc_env_item(p, item, &name, &value);
			x->env[n++] = xasprintf("%s=%s", name, value ? value : "");
		}
	}
	cfg->exec = x;
	return 0;
}

int kc_fill_user(struct kubeconfig *cfg, struct parsed *p)
{
	const struct fv *v = p->v;

	cfg->user_at = kc_where(p->e);
	if (kc_data_or_file(p, U_CERT_DATA, "client-certificate-data", U_CERT, "client-certificate", &cfg->cert) < 0 ||
	    kc_data_or_file(p, U_KEY_DATA, "client-key-data", U_KEY, "client-key", &cfg->key) < 0)
		return -1;
	if ((cfg->cert.len > 0) != (cfg->key.len > 0))
		return perr(p, NULL, "a client certificate needs both a certificate and a key");
	if (kc_str(p, U_TOKEN) != NULL)
		cfg->token = xstrdup(kc_str(p, U_TOKEN));
	if (kc_str(p, U_TOKEN_FILE) != NULL) {
		struct kube_blob probe = { NULL, 0 };
		cfg->token_file = kc_resolve(p->e->f, kc_str(p, U_TOKEN_FILE));
		/* Read now so that a wrong name fails at load; read again when used. */
		if (cfg->token == NULL && kc_read_named(p, U_TOKEN_FILE, "tokenFile", &probe) < 0)
			return -1;
		kc_wipe_blob(&probe);
	}
	if (kc_str(p, U_USERNAME) != NULL)
		cfg->username = xstrdup(kc_str(p, U_USERNAME));
	if (kc_str(p, U_PASSWORD) != NULL)
		cfg->password = xstrdup(kc_str(p, U_PASSWORD));
	if ((cfg->token || cfg->token_file) && (cfg->username || cfg->password))
		return perr(p, NULL, "more than one authentication method: a token and a username/password");
	if (v[U_EXEC].n == NULL)
		return 0;
	if (fill_exec(cfg, p) < 0)
		return -1;
	/* client-go skips the plugin when the kubeconfig already holds credentials. */
	if (cfg->token || cfg->token_file || cfg->username || cfg->password || cfg->cert.len) {
		kc_exec_free(cfg->exec);
		cfg->exec = NULL;
	}
	return 0;
}

/* ---- the credentials presented ---- */

void kube_cred_free(struct kube_cred *c)
{
	kc_wipe_str(c->token);
	kc_wipe_str(c->username);
	kc_wipe_str(c->password);
	kc_wipe_blob(&c->cert);
	kc_wipe_blob(&c->key);
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
