/* The cleanup: the namespaces this tool made deleted, and waited for, by watch, until gone. */
#include "driver_int.h"
#include "kobj.h"
#include "kube.h"
#include "kwait.h"
#include "manifest.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ns_cleanup {
	struct run *r;
	const char *ns;
	int said;		/* a list failed, and its message is printed */
};

/* kwait's turn: the loop's own work (a signal ends the wait). */
static int cleanup_turn(void *ud)
{
	struct ns_cleanup *c = ud;

	run_tend(c->r);
	return c->r->interrupted;
}

static int cleanup_list_failed(const char *path, const struct kube_result *res, void *ud)
{
	struct ns_cleanup *c = ud;

	if (res->code != CURLE_OK)
		run_unreachable("GET", path, res);
	else
		errorf("cannot list namespace '%s': HTTP %ld", c->ns, res->status);
	c->said = 1;
	return 1;
}

/* Wait, by list and watch, until namespace ns is gone (deadline: mono_now's clock). */
static int wait_gone(struct run *r, const char *ns, double deadline)
{
	struct ns_cleanup c = { r, ns, 0 };
	const struct kwait_opts opts = {
		.turn = cleanup_turn, .list_failed = cleanup_list_failed, .quiet_timeout = 1, .ud = &c,
	};
	char what[300];

	snprintf(what, sizeof(what), "namespace '%s'", ns);
	int rc = kwait_gone_opt(r->k, "v1", "Namespace", NULL, ns, deadline - mono_now(), what, &opts);

	if (rc == KWAIT_STOPPED && !c.said)
		return errorf("interrupted while deleting namespace '%s'", ns);
	if (rc == KWAIT_TIMEOUT)
		return errorf("namespace '%s' still exists after %.0f s", ns, deadline - r->t_start);
	return rc < 0 ? -1 : 0;
}

/* Whether namespace ns at path is one this tool made: 1 yes, 0 it is absent, -1 (printed) else. */
static int ours(struct run *r, const char *ns, const char *path)
{
	struct kube_result res;
	jv obj;
	int rc = kobj_get_answer(r->k, path, &obj, &res);

	if (rc < 0 && res.code != CURLE_OK)
		run_unreachable("GET", path, &res);
	else if (rc < 0)
		errorf("cannot read namespace '%s': HTTP %ld", ns, res.status);
	kube_result_free(&res);
	if (rc <= 0)
		return rc;
	/* Only namespaces this tool made are deleted: never a user's (or "default"). */
	int labelled = kobj_has_label(obj, LABEL_SCENARIO, NULL);
	jv_free(obj);
	if (!labelled)
		return errorf("namespace '%s' exists and was not made by this tool: refusing to delete it "
			      "(use --namespace to pick another)", ns);
	return 1;
}

int run_delete_namespace(struct run *r, const char *ns, double deadline, int wait)
{
	char *path = kobj_path("v1", "Namespace", NULL, ns);
	struct kube_result res;
	int rc;

	if (path == NULL)
		return errorf("%s: a name is not usable in an API path", ns);
	rc = ours(r, ns, path);
	if (rc > 0) {
		rc = kobj_delete_answer(r->k, path, &res);
		if (rc < 0 && res.code != CURLE_OK)
			run_unreachable("DELETE", path, &res);
		else if (rc < 0)
			errorf("cannot delete namespace '%s': HTTP %ld", ns, res.status);
		kube_result_free(&res);
	}
	free(path);
	if (rc <= 0 || !wait)
		return rc < 0 ? -1 : 0;
	return wait_gone(r, ns, deadline);
}

/* Whether ns is one of the scenario's own namespaces. */
static int own_namespace(const struct scenario *s, const char *ns)
{
	for (size_t i = 0; i < s->nns; i++)
		if (strcmp(s->namespaces[i], ns) == 0)
			return 1;
	return 0;
}

void run_delete_leftovers(struct run *r)
{
	char *path = xasprintf("/api/v1/namespaces?labelSelector=%s%%3D%s", LABEL_SCENARIO, r->s->id);
	struct kube_result res;
	jv list;

	if (kobj_get_answer(r->k, path, &list, &res) <= 0) {
		/* The clean-up of its own namespaces, next, says what is wrong with the server. */
		kube_result_free(&res);
		free(path);
		return;
	}
	kube_result_free(&res);
	free(path);
	jv items = jv_object_get(list, jv_string("items"));
	if (jv_get_kind(items) == JV_KIND_ARRAY) {
		jv_array_foreach(items, i, item) {
			jv meta = jv_object_get(item, jv_string("metadata"));
			jv name = jv_object_get(jv_copy(meta), jv_string("name"));
			jv since = jv_object_get(meta, jv_string("deletionTimestamp"));
			int going = jv_get_kind(since) == JV_KIND_STRING;
			jv_free(since);
			if (jv_get_kind(name) == JV_KIND_STRING && !going && !own_namespace(r->s, jv_string_value(name)) &&
			    run_delete_namespace(r, jv_string_value(name), 0, 0) < 0)
				warnf("namespace '%s', left by an earlier run, was not deleted", jv_string_value(name));
			jv_free(name);
		}
	}
	jv_free(items);
}
