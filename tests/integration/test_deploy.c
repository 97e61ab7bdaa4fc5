/*
 * tests/integration/test_deploy.c - the files a production install uses:
 * the systemd unit passes `systemd-analyze verify` (with the binary path
 * pointed at this build) and nginx accepts the production server block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

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
	    "imagegen-runner; do sed "
	    "'s|/usr/local/bin/imagegen|%s/build/rel/imagegen|g' "
	    "\"%s/systemd/$u.service\" >\"$d/$u.service\"; done && "
	    "test -x '%s/build/rel/imagegen' || make -C '%s' -s all >&2; "
	    "cd \"$d\" && systemd-analyze verify imagegen.service "
	    "imagegen-runner.service 2>&1; rc=$?; "
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
	    "'s|@STORAGE@|/var/lib/imagegen/storage|' -e 's|@WAIT@|127.0.0.1:8004|' "
	    "-e 's|@SERVER_NAME@|imagegen.example.com localhost 127.0.0.1|') "
	    "<(grep -v '^#' "
	    "imagegen.conf) 2>&1", root());
	{
		char wrapped[4200];

		snprintf(wrapped, sizeof(wrapped), "bash -c \"%s\"", cmd);
		cr_assert_eq(run(wrapped, out, sizeof(out)), 0, "%s", out);
	}
}
