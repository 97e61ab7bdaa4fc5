#!/bin/sh
# tests/integration/deploy-root.sh - a production install in a scratch
# root, run for real: the units of systemd/ and the site nginx/imagegen.conf
# installed under DIR with their paths moved there, the tmpfiles rules
# applied, each unit's ExecStart run as its User= (imagegen-test), with its
# UMask=, Environment= and SupplementaryGroups=, in a clean environment,
# and nginx run as root with workers as www-data (the Debian default).
# Usage: deploy-root.sh up DIR BIN HTTP_PORT WAIT_PORT DBURL SB_BASE | down DIR
# Not here: systemd's sandboxing (ProtectSystem=...; systemd-analyze checks
# the unit files), the assertions (test_deploy.c).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CMD=$1 D=$2
U=imagegen-test

# The unit file's path moved into DIR and its user renamed.
render() {
	sed -e "s|/usr/local/bin/imagegen|$D/usr/local/bin/imagegen|g" \
	    -e "s|/etc/imagegen|$D/etc/imagegen|g" \
	    -e "s|/run/imagegen|$D/run/imagegen|g" \
	    -e "s|/var/lib/imagegen|$D/var/lib/imagegen|g" \
	    -e "s|/var/log/imagegen|$D/var/log/imagegen|g" \
	    -e "s|/usr/share/imagegen|$D/usr/share/imagegen|g" \
	    -e "s|^User=imagegen$|User=$U|" -e "s|^Group=imagegen$|Group=$U|" \
	    -e "s|[[:space:]]imagegen[[:space:]]*imagegen[[:space:]]| $U $U |" \
	    -e "s|[[:space:]]imagegen[[:space:]]*adm[[:space:]]| $U adm |" "$1"
}

key() {	# key UNIT KEY: the last value of KEY= in the installed unit
	sed -n "s/^$2=//p" "$D/etc/systemd/system/$1.service" | tail -n 1
}

# as_unit UNIT CMD...: CMD as systemd runs the unit's commands: its
# User=, UMask=, WorkingDirectory=, Environment= and nothing else. It
# execs: call it in a subshell.
as_unit() {
	u=$1; shift
	groups=$(key "$u" SupplementaryGroups)
	# Every Environment= line (systemd takes several), on one line.
	envs=$(sed -n 's/^Environment=//p' "$D/etc/systemd/system/$u.service" |
	    tr '\n' ' ')
	gopt=--init-groups
	[ -z "$groups" ] || gopt=--groups=$(getent group "$groups" | cut -d: -f3)
	exec setpriv --reuid=$U --regid=$U $gopt sh -c "cd '$(key "$u" \
	    WorkingDirectory)' && umask $(key "$u" UMask) && exec env -i \
	    PATH=/usr/bin:/bin ASAN_OPTIONS=detect_leaks=0 $envs $*"
}

# unit_run UNIT: its ExecStartPre= lines (any failure: the unit does not
# start, as with systemd), then its ExecStart (in the background for a
# long-running unit; pid in DIR/UNIT.pid).
unit_run() {
	sed -n 's/^ExecStartPre=//p' "$D/etc/systemd/system/$1.service" >"$D/pre"
	while read -r pre; do
		(as_unit "$1" "$pre") >>"$D/$1.out" 2>&1 </dev/null || return 1
	done <"$D/pre"
	if [ "$(key "$1" Type)" = oneshot ]; then
		(as_unit "$1" "$(key "$1" ExecStart)") >>"$D/$1.out" 2>&1
		return
	fi
	(as_unit "$1" "$(key "$1" ExecStart)") </dev/null >>"$D/$1.out" 2>&1 &
	echo $! >"$D/$1.pid"
}

install_root() {	# BIN
	mkdir -p "$D/etc/systemd/system" "$D/etc/imagegen" \
	    "$D/usr/local/bin" "$D/usr/lib/tmpfiles.d" "$D/nginx/logs" \
	    "$D/etc/nginx/sites-enabled"
	chmod 0755 "$D"
	install -m 0755 "$1" "$D/usr/local/bin/imagegen"
	for f in "$ROOT"/systemd/*.service; do
		render "$f" >"$D/etc/systemd/system/$(basename "$f")"
	done
	id -u $U >/dev/null 2>&1 || useradd --system --no-create-home \
	    --shell /usr/sbin/nologin $U
	# sysusers.d "m USER GROUP" lines (the user's own line is above),
	# from scratch: no member left over from an earlier run.
	gpasswd -M '' $U
	render "$ROOT/systemd/imagegen.sysusers.conf" | sed -n \
	    "s/^m[[:space:]]\+\([^[:space:]]*\)[[:space:]]\+imagegen$/\1/p" |
	    while read -r who; do usermod -a -G $U "$who"; done
	render "$ROOT/systemd/imagegen.tmpfiles.conf" \
	    >"$D/usr/lib/tmpfiles.d/imagegen.conf"
	systemd-tmpfiles --create "$D/usr/lib/tmpfiles.d/imagegen.conf"
	mkdir -p "$D/run/imagegen"	# RuntimeDirectory=
	chown $U: "$D/run/imagegen"
	chmod "$(key imagegen RuntimeDirectoryMode)" "$D/run/imagegen"
	# The static pages, as the README installs them.
	make -s -C "$ROOT" --no-print-directory install-web DESTDIR="$D" >/dev/null
}

env_file() {	# DBURL SB_BASE WAIT_PORT
	cat >"$D/etc/imagegen/imagegen.env" <<EOF
DATABASE_URL=$1
STORAGE_DIR=$D/var/lib/imagegen/storage
LOG_FILE=$D/var/log/imagegen/imagegen.log
WORKERS=1
RUNNER_WAIT_LISTEN=127.0.0.1:$3
GEMINI_API_KEY=sandbox-key
GEMINI_BASE_URL=http://127.0.0.1:$(($2 + 3))/v1beta
PROVIDER_ALLOWED_HOSTS=127.0.0.1
EOF
	chmod 0644 "$D/etc/imagegen/imagegen.env"
}

nginx_site() {	# HTTP_PORT WAIT_PORT
	render "$ROOT/nginx/imagegen.conf" | sed \
	    -e "s|listen 127.0.0.1:8003;|listen 127.0.0.1:$1;|" \
	    -e "s|server 127.0.0.1:8004;|server 127.0.0.1:$2;|" \
	    >"$D/etc/nginx/sites-enabled/imagegen"
	cat >"$D/nginx/nginx.conf" <<EOF
user www-data;
pid $D/nginx/nginx.pid;
error_log $D/nginx/logs/error.log;
events {}
http {
	include /etc/nginx/mime.types;
	access_log $D/nginx/logs/access.log;
	include $D/etc/nginx/sites-enabled/imagegen;
}
EOF
	nginx -q -p "$D/nginx" -c "$D/nginx/nginx.conf"
}

up() {	# BIN HTTP_PORT WAIT_PORT DBURL SB_BASE
	install_root "$1"
	env_file "$4" "$5" "$3"
	# With the database down the oneshot fails (systemd tries it again
	# every 10 s); the units that only Want it start all the same.
	unit_run imagegen-migrate || echo "imagegen-migrate failed" >&2
	unit_run imagegen-runner || echo "imagegen-runner did not start" >&2
	unit_run imagegen || echo "imagegen did not start" >&2
	nginx_site "$2" "$3"
}

down() {
	[ -f "$D/nginx/nginx.pid" ] && nginx -p "$D/nginx" \
	    -c "$D/nginx/nginx.conf" -s stop 2>/dev/null || true
	for u in imagegen imagegen-runner; do
		[ -f "$D/$u.pid" ] && kill -TERM "$(cat "$D/$u.pid")" 2>/dev/null || true
	done
	for u in imagegen imagegen-runner; do
		i=0
		while [ -f "$D/$u.pid" ] && kill -0 "$(cat "$D/$u.pid")" \
		    2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
	done
	rm -rf "$D"
}

case $CMD in
up)	shift 2; up "$@" ;;
down)	down ;;
*)	echo "deploy-root.sh: up|down" >&2; exit 64 ;;
esac
