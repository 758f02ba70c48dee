/* Unit tests of kubeconfig loading: merging, contexts, relative names, base64, exec plugins, errors. */
#include "base64.h"
#include "kubeconfig.h"
#include "unit.h"
#include "kubetest.h"

#include <time.h>

/* Every secret in the fixtures and plugins holds this: no message may. */
#define SECRET "s3cr3t"

static char *tmp;		/* scratch folder */
static char *first, *second;	/* the merge fixtures */

static int blob_is(const struct kube_blob *b, const char *text)
{
	return b->len == strlen(text) && memcmp(b->data, text, b->len) == 0;
}

static int starts(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_base64(void)
{
	unsigned char *out;
	size_t n;
	char *enc;

	CHECK(b64_decode("aGVsbG8=", 8, &out, &n) == 0 && n == 5 && memcmp(out, "hello", 5) == 0);
	free(out);
	CHECK(b64_decode("aGVs\nbG8h\r\n", 11, &out, &n) == 0 && n == 6 && memcmp(out, "hello!", 6) == 0);
	free(out);
	CHECK(b64_decode("YQ==", 4, &out, &n) == 0 && n == 1 && out[0] == 'a' && out[1] == '\0');
	free(out);
	CHECK(b64_decode("", 0, &out, &n) == 0 && n == 0);
	free(out);
	CHECK(b64_decode("aGVsbG8", 7, &out, &n) < 0);	/* unpadded */
	CHECK(b64_decode("aGV$bG8=", 8, &out, &n) < 0);
	CHECK(b64_decode("YQ==YQ==", 8, &out, &n) < 0);	/* data after the padding */
	CHECK(b64_decode("Y===", 4, &out, &n) < 0);
	CHECK(b64_decode("YQ=a", 4, &out, &n) < 0);
	enc = b64_encode((const unsigned char *)"user:pass", 9);
	CHECK_STR(enc, "dXNlcjpwYXNz");
	free(enc);
	enc = b64_encode((const unsigned char *)"ab", 2);
	CHECK_STR(enc, "YWI=");
	free(enc);
}

static void test_merge(void)
{
	struct kubeconfig cfg;
	struct kube_cred cred;
	char *list, *want;

	if (asprintf(&list, "%s:%s", first, second) < 0)
		exit(2);
	setenv("KUBECONFIG", list, 1);

	/* current-context from the first file; its names win; relative names from its folder. */
	CHECK(kubeconfig_load(&cfg, NULL, NULL) == 0);
	CHECK_STR(cfg.context, "alpha");
	CHECK_STR(cfg.cluster, "alpha");
	CHECK_STR(cfg.user, "alpha-user");
	CHECK_STR(cfg.ns, "team-a");
	CHECK_STR(cfg.server, "https://alpha.example:6443");
	CHECK(cfg.tls_server_name == NULL && !cfg.insecure);
	CHECK(blob_is(&cfg.ca, "-----BEGIN CERTIFICATE-----\nalpha-ca\n-----END CERTIFICATE-----\n"));
	CHECK(blob_is(&cfg.cert, "-----BEGIN CERTIFICATE-----\nalpha-client\n-----END CERTIFICATE-----\n"));
	CHECK(blob_is(&cfg.key, "-----BEGIN PRIVATE KEY-----\nkey-s3cr3t-alpha\n-----END PRIVATE KEY-----\n"));
	CHECK_STR(cfg.token, "tok-s3cr3t-alpha");
	CHECK(cfg.exec == NULL);
	if (asprintf(&want, "'%s', '%s'", first, second) < 0)
		exit(2);
	CHECK_STR(cfg.files, want);
	free(want);
	CHECK(starts(cfg.context_at, first) && starts(cfg.user_at, first));
	CHECK(kubeconfig_credentials(&cfg, &cred) == 0);
	CHECK_STR(cred.token, "tok-s3cr3t-alpha");
	CHECK(cred.expires == 0 && cred.cert.len > 0 && cred.key.len > 0 && cred.username == NULL);
	kube_cred_free(&cred);
	kubeconfig_free(&cfg);

	/* A named context from the second file: base64 CA, tls-server-name, tokenFile beside it. */
	CHECK(kubeconfig_load(&cfg, NULL, "beta") == 0);
	CHECK_STR(cfg.server, "https://beta.example:443");
	CHECK_STR(cfg.tls_server_name, "kube.beta");
	CHECK_STR(cfg.ns, "default");
	CHECK(blob_is(&cfg.ca, "-----BEGIN CERTIFICATE-----\nbeta-ca\n-----END CERTIFICATE-----\n"));
	CHECK(cfg.token == NULL && cfg.token_file != NULL && cfg.token_file[0] == '/');
	CHECK(starts(cfg.cluster_at, second));
	CHECK(kubeconfig_credentials(&cfg, &cred) == 0);
	CHECK_STR(cred.token, "tok-s3cr3t-file");
	CHECK(cred.expires > (double)time(NULL) && !kube_cred_expired(&cred));
	kube_cred_free(&cred);
	kubeconfig_free(&cfg);

	/* A cluster both files define: the first file's. */
	CHECK(kubeconfig_load(&cfg, NULL, "gamma") == 0);
	CHECK_STR(cfg.server, "https://shared-first.example");
	CHECK(cfg.insecure && cfg.ca.len == 0);
	CHECK_STR(cfg.user, "beta-user");
	kubeconfig_free(&cfg);

	/* A context without a user. */
	CHECK(kubeconfig_load(&cfg, NULL, "anon") == 0);
	CHECK_STR(cfg.user, "");
	CHECK(cfg.user_at == NULL && cfg.token == NULL && cfg.cert.len == 0);
	CHECK(kubeconfig_credentials(&cfg, &cred) == 0 && cred.token == NULL);
	kube_cred_free(&cred);
	kubeconfig_free(&cfg);
	free(list);

	/* The other order: the second file's current-context and definitions win. */
	if (asprintf(&list, "%s::%s", second, first) < 0)
		exit(2);
	CHECK(kubeconfig_load(&cfg, list, NULL) == 0);
	CHECK_STR(cfg.context, "beta");
	kubeconfig_free(&cfg);
	CHECK(kubeconfig_load(&cfg, list, "alpha") == 0);
	CHECK_STR(cfg.ns, "second");
	CHECK_STR(cfg.server, "https://beta.example:443");
	CHECK_STR(cfg.token, "tok-s3cr3t-second");
	kubeconfig_free(&cfg);
	free(list);

	/* Files in KUBECONFIG that do not exist are skipped, as kubectl does; empty ones are empty. */
	char *empty = kt_write(tmp, "empty.yaml", "# nothing here\n\n", 0644);
	if (asprintf(&list, "%s/nonexistent:%s:%s", tmp, empty, first) < 0)
		exit(2);
	setenv("KUBECONFIG", list, 1);
	CHECK(kubeconfig_load(&cfg, NULL, NULL) == 0);
	CHECK_STR(cfg.context, "alpha");
	kubeconfig_free(&cfg);
	free(list);
	free(empty);
	unsetenv("KUBECONFIG");
}

/* A relative kubeconfig name: its folder is taken from the working folder at load time. */
static void test_relative(void)
{
	struct kubeconfig cfg;
	char cwd[PATH_MAX];
	char *dir = kt_path(kt_repo(), "tests/fixtures/kubeconfig");

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(kubeconfig_load(&cfg, "merge/first.yaml", NULL) == 0);
	CHECK(chdir(cwd) == 0);
	CHECK(blob_is(&cfg.ca, "-----BEGIN CERTIFICATE-----\nalpha-ca\n-----END CERTIFICATE-----\n"));
	kubeconfig_free(&cfg);
	free(dir);
}

static void test_home(void)
{
	struct kubeconfig cfg;
	const char *old = getenv("HOME");
	char *saved = old ? strdup(old) : NULL;
	char *home = kt_path(tmp, "home");
	char *p = kt_write(home, ".kube/config",
			   "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
			   "contexts: [{name: x, context: {cluster: c}}]\n"
			   "current-context: x\n", 0600);

	unsetenv("KUBECONFIG");
	setenv("HOME", home, 1);
	CHECK(kubeconfig_load(&cfg, NULL, NULL) == 0);
	CHECK_STR(cfg.server, "http://127.0.0.1:1");
	CHECK(cfg.files != NULL && strstr(cfg.files, "/home/.kube/config'") != NULL);
	kubeconfig_free(&cfg);
	if (saved) {
		setenv("HOME", saved, 1);
		free(saved);
	}
	free(p);
	free(home);
}

/*
 * Load text as a kubeconfig file of its own and expect failure: exactly one line on stderr
 * (more when the plugin itself speaks), holding want, never a secret.
 */
static void expect_error_at(int line, const char *text, const char *context, const char *want, int one_line)
{
	struct kubeconfig cfg;
	struct kt_capture cap;
	char *path = kt_write(tmp, "case.yaml", text, 0600);
	char *got;
	int rc;

	kt_capture_begin(&cap);
	rc = kubeconfig_load(&cfg, path, context);
	if (rc == 0) {
		struct kube_cred cred;
		rc = kubeconfig_credentials(&cfg, &cred);
		if (rc == 0)
			kube_cred_free(&cred);
		kubeconfig_free(&cfg);
	}
	got = kt_capture_end(&cap);
	if (getenv("UNIT_VERBOSE"))
		fputs(got, stderr);
	unit_checks++;
	if (rc != -1 || strstr(got, want) == NULL || strstr(got, SECRET) != NULL ||
	    (one_line && kt_lines(got) != 1) || strstr(got, path) == NULL) {
		unit_failures++;
		fprintf(stderr, "%s:%d: expected one error with '%s' naming the file, no secret; got %d: %s",
			__FILE__, line, want, rc, got);
	}
	free(got);
	free(path);
}

#define expect_error(text, context, want) expect_error_at(__LINE__, text, context, want, 1)

#define CLUSTER "clusters: [{name: c, cluster: {server: 'https://k.example'}}]\n"
#define CONTEXT "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"

static void test_errors(void)
{
	struct kubeconfig cfg;
	struct kt_capture cap;
	char *got, *missing = kt_path(tmp, "missing.yaml");

	/* A file named explicitly must exist. */
	kt_capture_begin(&cap);
	CHECK(kubeconfig_load(&cfg, missing, NULL) == -1);
	got = kt_capture_end(&cap);
	CHECK(strstr(got, "cannot read kubeconfig") && strstr(got, missing) && kt_lines(got) == 1);
	free(got);
	/* KUBECONFIG naming only missing files. */
	setenv("KUBECONFIG", missing, 1);
	kt_capture_begin(&cap);
	CHECK(kubeconfig_load(&cfg, NULL, NULL) == -1);
	got = kt_capture_end(&cap);
	CHECK(strstr(got, "none of the files in KUBECONFIG exists") && strstr(got, missing));
	free(got);
	unsetenv("KUBECONFIG");
	free(missing);

	expect_error(CLUSTER "users: [{name: u, user: {token: t}}]\n" CONTEXT, "nope",
		     "context 'nope' not found in '");
	expect_error(CLUSTER "contexts: [{name: x, context: {cluster: c}}]\n", NULL,
		     "no context given and no current-context set in '");
	expect_error("contexts: [{name: x, context: {cluster: gone}}]\ncurrent-context: x\n", NULL,
		     ":1:41: context 'x': cluster 'gone' is not defined in '");
	expect_error(CLUSTER "contexts: [{name: x, context: {cluster: c, user: nobody}}]\n", "x",
		     "context 'x': user 'nobody' is not defined in '");
	expect_error(CLUSTER "contexts: [{name: x, context: {namespace: n}}]\n", "x",
		     "context 'x': names no cluster");
	expect_error("clusters: [{name: c, cluster: {insecure-skip-tls-verify: true}}]\n" CONTEXT
		     "users: [{name: u}]\n", NULL, "cluster 'c': no server");
	expect_error("clusters: [{name: c, cluster: {server: 'ftp://x'}}]\n" CONTEXT "users: [{name: u}]\n",
		     NULL, "server: 'ftp://x' is not an http:// or https:// URL");
	/* Wrong types and bad base64: file:line:col, the entry's name, never the value. */
	expect_error(CLUSTER CONTEXT "users:\n- name: u\n  user:\n    token: [s3cr3t-a, s3cr3t-b]\n", NULL,
		     "case.yaml:7:12: user 'u': token: expected a string, found a list");
	expect_error(CLUSTER CONTEXT "users:\n- name: u\n  user:\n    password: {s3cr3t: 1}\n", NULL,
		     "user 'u': password: expected a string, found a mapping");
	expect_error("clusters:\n- name: c\n  cluster:\n    server: https://k\n"
		     "    certificate-authority-data: 'bm90IGJhc2U2NA=s3cr3t'\n" CONTEXT "users: [{name: u}]\n",
		     NULL, "case.yaml:5:33: cluster 'c': certificate-authority-data: not valid base64");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {client-certificate-data: YQ==, "
		     "client-key-data: 's3cr3t!'}}]\n", NULL, "user 'u': client-key-data: not valid base64");
	expect_error("clusters: [{name: c, cluster: {server: 'https://k', insecure-skip-tls-verify: maybe}}]\n"
		     CONTEXT, NULL, "cluster 'c': insecure-skip-tls-verify: expected true or false");
	expect_error("clusters: {c: {server: x}}\n", NULL, "clusters: expected a list, found a mapping");
	expect_error("- just\n- a list\n", NULL, "expected a kubeconfig mapping, found a list");
	expect_error("clusters: [{cluster: {server: x}}]\n", NULL, "clusters: an entry has no name");
	expect_error("clusters: [{name: c, cluster: [x]}]\n", NULL, "cluster 'c': expected a mapping, found a list");
	expect_error("current-context: [a]\n", NULL, "current-context: expected a string");
	expect_error("clusters: [{name: c, cluster: {server: x}\n", NULL, "case.yaml:2:1:");
	expect_error("clusters: [{name: c, cluster: {server: x}}, {name: c}]\n", NULL,
		     "case.yaml:1:45: cluster 'c' is defined twice in this file");
	/* Files a cluster or user names must be readable. */
	expect_error("clusters: [{name: c, cluster: {server: 'https://k', certificate-authority: nope/ca.pem}}]\n"
		     CONTEXT "users: [{name: u}]\n", NULL, "cluster 'c': cannot read certificate-authority '/");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {client-certificate: c.pem, client-key: k.pem}}]\n",
		     NULL, "user 'u': cannot read client-certificate '/");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {tokenFile: no-token}}]\n", NULL,
		     "user 'u': cannot read tokenFile '/");
	/* Combinations kubectl refuses too. */
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {client-certificate-data: YQ==}}]\n", NULL,
		     "user 'u': a client certificate needs both a certificate and a key");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {token: s3cr3t, username: a, password: b}}]\n",
		     NULL, "more than one authentication method");
	expect_error("clusters: [{name: c, cluster: {server: 'https://k', insecure-skip-tls-verify: true,"
		     " certificate-authority-data: YQ==}}]\n" CONTEXT "users: [{name: u}]\n", NULL,
		     "insecure-skip-tls-verify is set together with a certificate authority");
	expect_error("clusters: [{name: c, cluster: {server: 'https://k', certificate-authority: a.pem,"
		     " certificate-authority-data: YQ==}}]\n" CONTEXT "users: [{name: u}]\n", NULL,
		     "certificate-authority and certificate-authority-data are both set");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {exec: {command: x}}}]\n", NULL,
		     "user 'u': exec: apiVersion is missing");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {exec: {apiVersion: "
		     "client.authentication.k8s.io/v1alpha1, command: x}}}]\n", NULL,
		     "exec: apiVersion 'client.authentication.k8s.io/v1alpha1' is not");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {exec: {apiVersion: "
		     "client.authentication.k8s.io/v1, command: x, interactiveMode: Always}}}]\n", NULL,
		     "exec: interactiveMode Always needs a terminal");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {exec: {apiVersion: "
		     "client.authentication.k8s.io/v1, command: x, env: [{value: s3cr3t}]}}}]\n", NULL,
		     "env: each entry needs a name");
	expect_error(CLUSTER CONTEXT "users: [{name: u, user: {exec: {apiVersion: "
		     "client.authentication.k8s.io/v1, command: x, args: [[s3cr3t]]}}}]\n", NULL,
		     "user 'u': args: expected a string, found a list");
	/* Unused entries are checked too, as kubectl decodes whole files. */
	expect_error(CLUSTER CONTEXT "users: [{name: u}, {name: other, user: {token: {s3cr3t: 1}}}]\n", NULL,
		     "user 'other': token: expected a string, found a mapping");
}

/* An exec plugin as a script beside the kubeconfig: mode in $1, what it saw in files. */
static const char plugin_script[] =
	"#!/bin/sh\n"
	"n=$(cat \"$COUNTER\" 2>/dev/null || echo 0); n=$((n + 1)); echo \"$n\" >\"$COUNTER\"\n"
	"printf '%s' \"$KUBERNETES_EXEC_INFO\" >\"$INFO\"\n"
	"v1=client.authentication.k8s.io/v1\n"
	"case \"$1\" in\n"
	"token) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"token\":\"exec-s3cr3t-%s-%s-%s\","
	"\"expirationTimestamp\":\"%s\"}}\\n' \"$v1\" \"$n\" \"$FOO\" \"$#\" \"$2\" ;;\n"
	"cert) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"clientCertificateData\":"
	"\"CERT\",\"clientKeyData\":\"KEY-s3cr3t\"}}' \"$v1\"beta1 ;;\n"
	"fail) echo 'plugin: no luck' >&2; exit 3 ;;\n"
	"badjson) echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-s3cr3t-bad\"' ;;\n"
	"notoken) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{}}' \"$v1\" ;;\n"
	"halfcert) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"clientKeyData\":\"s3cr3t\"}}' \"$v1\" ;;\n"
	"wrongapi) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%sbeta1\",\"status\":{\"token\":\"s3cr3t\"}}' \"$v1\" ;;\n"
	"notexec) printf '{\"kind\":\"Secret\",\"token\":\"s3cr3t\"}' ;;\n"
	"badtime) printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"token\":\"s3cr3t\","
	"\"expirationTimestamp\":\"tomorrow\"}}' \"$v1\" ;;\n"
	"esac\n";

static char *exec_config(const char *mode, const char *arg2, const char *extra)
{
	char *text = NULL;

	if (asprintf(&text,
		     "clusters: [{name: c, cluster: {server: 'https://exec.example', tls-server-name: t.example}}]\n"
		     "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		     "current-context: x\n"
		     "users:\n"
		     "- name: u\n"
		     "  user:\n"
		     "    exec:\n"
		     "      apiVersion: client.authentication.k8s.io/%s\n"
		     "      command: %s\n"
		     "      args: [%s%s%s]\n"
		     "      env: [{name: FOO, value: bar}, {name: COUNTER, value: %s/counter},"
		     " {name: INFO, value: %s/info}]\n"
		     "      provideClusterInfo: true\n"
		     "      interactiveMode: IfAvailable\n"
		     "      installHint: ask someone\n"
		     "%s",
		     strcmp(mode, "cert") == 0 ? "v1beta1" : "v1", strcmp(mode, "missing") == 0 ? "no-such-plugin-x" :
		     "./plugin.sh", mode, arg2 ? ", " : "", arg2 ? arg2 : "", tmp, tmp, extra ? extra : "") < 0)
		exit(2);
	return text;
}

static int exec_creds(const char *mode, const char *arg2, struct kube_cred *cred, char **err)
{
	struct kubeconfig cfg;
	struct kt_capture cap;
	char *text = exec_config(mode, arg2, NULL);
	char *path = kt_write(tmp, "exec.yaml", text, 0600);
	int rc;

	free(text);
	kt_capture_begin(&cap);
	rc = kubeconfig_load(&cfg, path, NULL);
	if (rc == 0) {
		rc = kubeconfig_credentials(&cfg, cred);
		kubeconfig_free(&cfg);
	}
	*err = kt_capture_end(&cap);
	free(path);
	return rc;
}

static void expect_exec_error(const char *mode, const char *want)
{
	struct kube_cred cred;
	char *err;

	unit_checks++;
	int rc = exec_creds(mode, NULL, &cred, &err);
	if (getenv("UNIT_VERBOSE"))
		fputs(err, stderr);
	if (rc != -1 || strstr(err, want) == NULL || strstr(err, SECRET) ||
	    strstr(err, "user 'u'") == NULL || strstr(err, "exec.yaml:5:3:") == NULL) {
		unit_failures++;
		fprintf(stderr, "%s:%d: exec mode %s: expected '%s', got: %s", __FILE__, __LINE__, mode, want, err);
	}
	free(err);
}

static void test_exec(void)
{
	struct kube_cred cred;
	char *err, *info, *counter = kt_path(tmp, "counter"), *infofile = kt_path(tmp, "info");
	free(kt_write(tmp, "plugin.sh", plugin_script, 0755));

	unlink(counter);
	CHECK(exec_creds("token", "'2099-01-01T00:00:00Z'", &cred, &err) == 0);
	CHECK_STR(err, "");
	free(err);
	/* args and env reach the plugin; our own environment does too. */
	CHECK_STR(cred.token, "exec-s3cr3t-1-bar-2");
	CHECK_NUM(cred.expires, 4070908800.0);
	CHECK(!kube_cred_expired(&cred));
	kube_cred_free(&cred);
	info = kt_read(infofile);
	CHECK(info && strstr(info, "\"kind\":\"ExecCredential\"") && strstr(info, "\"interactive\":false") &&
	      strstr(info, "\"server\":\"https://exec.example\"") && strstr(info, "\"tls-server-name\":\"t.example\""));
	free(info);

	/* Offsets and fractions; a past time is expired at once. */
	CHECK(exec_creds("token", "'2030-06-01T12:00:00.25+02:00'", &cred, &err) == 0);
	CHECK_NUM(cred.expires, 1906538400.25);
	kube_cred_free(&cred);
	free(err);
	CHECK(exec_creds("token", "'2001-01-01T00:00:00z'", &cred, &err) == 0);
	CHECK(kube_cred_expired(&cred));
	CHECK_STR(cred.token, "exec-s3cr3t-3-bar-2");
	kube_cred_free(&cred);
	free(err);

	CHECK(exec_creds("cert", NULL, &cred, &err) == 0);
	CHECK(blob_is(&cred.cert, "CERT") && blob_is(&cred.key, "KEY-s3cr3t") && cred.token == NULL);
	CHECK(cred.expires == 0);
	kube_cred_free(&cred);
	free(err);

	expect_exec_error("fail", "exec plugin '");
	expect_exec_error("fail", "' exited with status 3");
	expect_exec_error("badjson", "printed no valid JSON");
	expect_exec_error("notoken", "printed neither status.token nor status.clientCertificateData");
	expect_exec_error("halfcert", "printed only one of status.clientCertificateData and status.clientKeyData");
	expect_exec_error("wrongapi", "answered with apiVersion 'client.authentication.k8s.io/v1beta1', expected");
	expect_exec_error("notexec", "printed JSON that is not an ExecCredential");
	expect_exec_error("badtime", "printed an expirationTimestamp that is not RFC 3339");
	expect_exec_error("missing", "exec plugin 'no-such-plugin-x' cannot be run: No such file or directory");

	/* Static credentials make the plugin unused, as in client-go. */
	struct kubeconfig cfg;
	char *text = exec_config("fail", NULL, "    token: static-s3cr3t\n");
	char *path = kt_write(tmp, "exec.yaml", text, 0600);
	CHECK(kubeconfig_load(&cfg, path, NULL) == 0);
	CHECK(cfg.exec == NULL);
	CHECK(kubeconfig_credentials(&cfg, &cred) == 0);
	CHECK_STR(cred.token, "static-s3cr3t");
	kube_cred_free(&cred);
	kubeconfig_free(&cfg);
	free(text);
	free(path);
	free(counter);
	free(infofile);
}

int main(void)
{
	tmp = kt_tmpdir();
	first = kt_path(kt_repo(), "tests/fixtures/kubeconfig/merge/first.yaml");
	second = kt_path(kt_repo(), "tests/fixtures/kubeconfig/merge/second/config");
	test_base64();
	test_merge();
	test_relative();
	test_home();
	test_errors();
	test_exec();
	kt_rmrf(tmp);
	free(tmp);
	free(first);
	free(second);
	UNIT_DONE("test_kubeconfig");
}
