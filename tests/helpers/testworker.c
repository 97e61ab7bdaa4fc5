/*
 * tests/helpers/testworker.c - in-process worker and request runner.
 * Not here: assertions (each test file).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "app/serve.h"
#include "tests/helpers/testworker.h"

void
tw_init(struct tw *t, const char *const *settings)
{
	char why[512] = "";
	size_t i;

	for (i = 0; settings != NULL && settings[i] != NULL; i++)
		putenv((char *)settings[i]);
	if (cfg_load(&t->cfg, NULL, why, sizeof(why)) != ERR_OK)
		cr_assert_fail("config: %s", why);
	t->logfd = open("/dev/null", O_WRONLY);
	if (worker_init(&t->w, &t->cfg, t->logfd, 0, why, sizeof(why)))
		cr_assert_fail("worker: %s", why);
}

void
tw_fini(struct tw *t)
{
	worker_fini(&t->w);
	cfg_fini(&t->cfg);
	close(t->logfd);
}

static void
tw_env_add(struct tw_call *c, const char *k, const char *v)
{
	if (c->nenv + 1 >= (int)(sizeof(c->env) / sizeof(c->env[0])))
		return;
	if (asprintf(&c->env[c->nenv], "%s=%s", k, v) < 0)
		cr_assert_fail("asprintf");
	c->nenv++;
}

void
tw_run(struct tw *t, struct tw_call *c, const char *method, const char *uri,
    const char *body, const char *const *headers)
{
	const char *q = strchr(uri, '?');
	char len[32], *path;
	size_t i, blen = body ? strlen(body) : 0;

	memset(c, 0, sizeof(*c));
	path = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
	tw_env_add(c, "REQUEST_METHOD", method);
	tw_env_add(c, "REQUEST_URI", uri);
	tw_env_add(c, "DOCUMENT_URI", path);
	tw_env_add(c, "QUERY_STRING", q ? q + 1 : "");
	snprintf(len, sizeof(len), "%zu", blen);
	tw_env_add(c, "CONTENT_LENGTH", len);
	free(path);
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		c->env[c->nenv++] = strdup(headers[i]);
	req_init(&c->req, &t->w, c->env);
	res_init(&c->res, &c->req.arena);
	c->req.body = body ? body : "";
	c->req.body_len = blen;
	c->req.body_too_large = (long)blen > t->cfg.body_max_bytes;
	serve_request(&c->req, &c->res);
	c->status = res_render(&c->res, c->req.id, &c->body, &blen);
	if (c->body != NULL)
		c->json = json_loads(c->body, 0, NULL);
}

void
tw_call_fini(struct tw_call *c)
{
	int i;

	json_decref(c->json);
	free(c->body);
	res_fini(&c->res);
	req_fini(&c->req);
	for (i = 0; i < c->nenv; i++)
		free(c->env[i]);
}

const char *
tw_str(const struct tw_call *c, const char *path)
{
	char buf[256], *tok, *save = NULL;
	json_t *v = c->json;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	    tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return json_string_value(v);
}
