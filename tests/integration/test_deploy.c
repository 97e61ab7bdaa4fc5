/*
 * tests/integration/test_deploy.c - the files a production install uses:
 * the systemd units pass `systemd-analyze verify` (with the binary path
 * pointed at this build), nginx accepts the production server block, and
 * the install run for real in a scratch root (deploy-root.sh: every unit
 * as its user with its umask, nginx workers as www-data) serves the image
 * it generates.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/util.h"
#include "tests/helpers/itest.h"

/* Runs sh -c cmd; returns its exit status, output in out. */
static int
run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	cr_assert_not_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *
root(void)
{
	return getenv("IMAGEGEN_ROOT") ? getenv("IMAGEGEN_ROOT") : ".";
}

Test(deploy, systemd_unit_verifies_cleanly)
{
	char cmd[8192], out[8192];

	/* Both units (the service wants the runner), from one folder. */
	snprintf(cmd, sizeof(cmd), "d=$(mktemp -d) && for u in imagegen "
	    "imagegen-runner imagegen-migrate; do sed "
	    "'s|/usr/local/bin/imagegen|%s/build/rel/imagegen|g' "
	    "\"%s/systemd/$u.service\" >\"$d/$u.service\"; done && "
	    "test -x '%s/build/rel/imagegen' || make -C '%s' -s all >&2; "
	    "cd \"$d\" && systemd-analyze verify imagegen.service "
	    "imagegen-runner.service imagegen-migrate.service 2>&1; rc=$?; "
	    "rm -rf \"$d\"; exit $rc", root(), root(), root(), root());
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert_str_empty(out, "systemd-analyze says:\n%s", out);
}

Test(deploy, production_nginx_block_is_valid)
{
	char cmd[8192], out[8192];

	snprintf(cmd, sizeof(cmd), "d=$(mktemp -d) && mkdir -p \"$d/logs\" && "
	    "printf 'pid %%s/nginx.pid; error_log %%s/e.log; events {}\\n"
	    "http { include /etc/nginx/mime.types; include %s/nginx/"
	    "imagegen.conf; }\\n' \"$d\" \"$d\" >\"$d/nginx.conf\" && "
	    "nginx -t -q -p \"$d\" -c \"$d/nginx.conf\" 2>&1; rc=$?; "
	    "rm -rf \"$d\"; exit $rc", root());
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
}

Test(deploy, production_nginx_block_matches_template)
{
	char cmd[4096], out[8192];

	/* imagegen.conf is server.conf.in filled in: same directives. */
	snprintf(cmd, sizeof(cmd), "cd '%s/nginx' && diff <(grep -v '^#' "
	    "server.conf.in | sed -e 's|@LISTEN@|127.0.0.1:8003|' -e "
	    "'s|@SOCKET@|/run/imagegen/imagegen.sock|' -e "
	    "'s|@STORAGE@|/var/lib/imagegen/storage|' -e 's|@WAIT@|127.0.0.1:8004|' -e 's|@WEB@|/usr/share/imagegen|' "
	    "-e 's|@SERVER_NAME@|imagegen.example.com localhost 127.0.0.1|') "
	    "<(grep -v '^#' "
	    "imagegen.conf) 2>&1", root());
	{
		char wrapped[4200];

		snprintf(wrapped, sizeof(wrapped), "bash -c \"%s\"", cmd);
		cr_assert_eq(run(wrapped, out, sizeof(out)), 0, "%s", out);
	}
}

/* A TCP port nothing listens on now (the kernel's pick). */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* The scratch root's database (on the test stack's PostgreSQL). */
static void
deploy_db(const char *sql)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "psql -X -q -h 127.0.0.1 -p %s -U postgres "
	    "-d postgres -c '%s' >&2", getenv("PG_PORT") ? getenv("PG_PORT") :
	    "54339", sql);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Polls GET /health of the current base until it answers 200. */
static void
deploy_wait_health(const char *dir)
{
	struct itest_res r;
	char last[256] = "";
	long st = 0;
	int i;

	for (i = 0; i < 300 && st != 200; i++) {
		if (i > 0)
			usleep(100 * 1000);
		itest_get(&r, "/health");
		st = r.status;
		snprintf(last, sizeof(last), "%s", r.body ? r.body : "");
		itest_res_fini(&r);
	}
	cr_assert_eq(st, 200, "no 200 from /health (%ld %s): see %s", st,
	    last, dir);
}

/* The image at local_url (/storage/...), through nginx, against its
 * file in the scratch root's storage. */
static void
deploy_fetch_image(const char *dir, const char *local_url)
{
	char path[1024], *disk = NULL;
	struct itest_res r;
	size_t len = 0;
	FILE *f;

	cr_assert_not_null(local_url);
	snprintf(path, sizeof(path), "%s/var/lib/imagegen%s", dir, local_url);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	disk = malloc(64 << 20);
	len = fread(disk, 1, 64 << 20, f);
	fclose(f);
	itest_get(&r, local_url);
	cr_assert_eq(r.status, 200, "GET %s: %ld (%s)", local_url, r.status,
	    r.body);
	cr_assert_eq(r.len, len);
	cr_assert_eq(memcmp(r.body, disk, len), 0, "not the image's bytes");
	free(disk);
	itest_res_fini(&r);
}

/* The static pages of the install (make install-web), read by nginx's
 * www-data workers: the studio, the spec and swagger-ui. */
static void
deploy_fetch_pages(void)
{
	static const struct {
		const char	*path, *type, *has;
	} pages[] = {
		{ "/", "text/html", "studio.js" },
		{ "/studio/studio.js", "javascript", "import" },
		{ "/openapi.json", "application/json", "\"openapi\": \"3.1" },
		{ "/docs/", "text/html", "imagegen-init.js" },
		{ "/docs/swagger-ui-bundle.js", "javascript", "SwaggerUI" },
	};
	struct itest_res r;
	char *ct;
	size_t i;

	for (i = 0; i < NELEM(pages); i++) {
		itest_get(&r, pages[i].path);
		cr_assert_eq(r.status, 200, "GET %s: %ld", pages[i].path,
		    r.status);
		ct = itest_header(&r, "Content-Type");
		cr_assert(ct && strstr(ct, pages[i].type), "%s: %s",
		    pages[i].path, ct ? ct : "no Content-Type");
		free(ct);
		cr_assert(memmem(r.body, r.len, pages[i].has,
		    strlen(pages[i].has)) != NULL, "%s lacks %s", pages[i].path,
		    pages[i].has);
		itest_res_fini(&r);
	}
}

/* The scratch root of the test below (its .fini stops and removes it). */
static char deploy_dir[] = "/tmp/imagegen-deploy-XXXXXX";

static void
deploy_down(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "sh '%s/tests/integration/deploy-root.sh' "
	    "down %s >&2", root(), deploy_dir);
	(void)system(cmd);
	deploy_db("DROP DATABASE IF EXISTS imagegen_deploy");
}

/* Installs into deploy_dir with DATABASE_URL dburl, starts it, points
 * itest at its nginx. */
static void
deploy_up(const char *dburl)
{
	char cmd[1024], base[64];
	int port = free_port(), wait_port = free_port();

	cr_assert_not_null(mkdtemp(deploy_dir));
	deploy_db("DROP DATABASE IF EXISTS imagegen_deploy");
	deploy_db("CREATE DATABASE imagegen_deploy OWNER imagegen");
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/integration/deploy-root.sh' "
	    "up %s '%s/build/rel/imagegen' %d %d %s %s >&2", root(),
	    deploy_dir, root(), port, wait_port, dburl, getenv("SB_BASE"));
	cr_assert_eq(system(cmd), 0, "deploy-root.sh up failed: see %s",
	    deploy_dir);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	setenv("IMAGEGEN_TEST_URL", base, 1);
	deploy_wait_health(deploy_dir);
}

/* The install asks for client keys (AUTH=on, its default): one made by
 * "imagegen keys create" on its database, for itest's calls. */
static void
deploy_key(const char *dburl)
{
	char cmd[1024], key[128] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "DATABASE_URL='%s' '%s/build/rel/imagegen' "
	    "-e /dev/null keys create --project default 2>/dev/null", dburl,
	    root());
	cr_assert_not_null(p = popen(cmd, "r"));
	if (fgets(key, sizeof(key), p) == NULL)
		key[0] = '\0';
	cr_assert_eq(pclose(p), 0, "keys create on the install's database");
	key[strcspn(key, "\n")] = '\0';
	setenv("IMAGEGEN_TEST_KEY", key, 1);
}

Test(deploy, production_install_serves_its_images, .fini = deploy_down,
    .timeout = 120)
{
	const char *hdr[] = { "Content-Type: application/json",
	    "Prefer: wait=60", NULL };
	struct itest_res r;
	json_t *img;
	char url[128];

	snprintf(url, sizeof(url), "postgresql://imagegen@127.0.0.1:%s/"
	    "imagegen_deploy", getenv("PG_PORT"));
	deploy_up(url);
	deploy_key(url);
	itest_call(&r, "POST", "/unified/generate", hdr, "{\"prompt\":"
	    "\"a red fox in snow\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "generate: %ld %s", r.status, r.body);
	img = json_array_get(json_object_get(r.json, "images"), 0);
	deploy_fetch_image(deploy_dir, json_string_value(json_object_get(img,
	    "local_url")));
	itest_res_fini(&r);
	deploy_fetch_pages();
}

/* At boot the database may not be up yet: the migrations unit fails (and
 * is tried again), the service and the runner start all the same. */
Test(deploy, production_install_starts_with_the_database_down,
    .fini = deploy_down, .timeout = 120)
{
	struct itest_res r;
	char path[128];
	FILE *f;
	long pid = 0;

	deploy_up("postgresql://imagegen@127.0.0.1:1/imagegen_deploy");
	itest_get(&r, "/health");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "status"), "degraded");
	itest_res_fini(&r);
	snprintf(path, sizeof(path), "%s/imagegen-runner.pid", deploy_dir);
	cr_assert_not_null(f = fopen(path, "r"), "the runner did not start");
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	cr_assert_eq(kill((pid_t)pid, 0), 0, "the runner is not running");
}

Test(deploy, temp_files_are_never_served)
{
	struct itest_res r;
	FILE *f;

	/* What a kill between write and rename leaves (store_write_image). */
	cr_assert_not_null(f = fopen(itest_var("storage/images/left.png.4242"
	    ".tmp"), "w"));
	fputs("half an image", f);
	fclose(f);
	itest_get(&r, "/storage/images/left.png.4242.tmp");
	cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
	itest_res_fini(&r);
}
