#!/bin/sh
# app/stack.sh - brings the local stack up or down: a project-local
# PostgreSQL cluster, the imagegen workers under spawn-fcgi, and nginx.
# Usage: stack.sh up NAME BINARY | down NAME | status NAME | reload NAME
#        | pg-stop NAME | pg-start NAME | env NAME
# NAME "run" (make run: port 8003), "test" (make test: 8013) or "bench"
# (make bench: 8023), each with its own state under var/NAME. Running "up"
# twice is harmless.
# Not here: building (Makefile), the tests themselves (tests/).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:?usage: stack.sh up|down|status|reload|pg-stop|pg-start|env NAME}
NAME=${2:?stack name (run or test)}
BIN=${3:-$ROOT/build/rel/imagegen}
case $NAME in
run)	HTTP_PORT=${HTTP_PORT:-8003}; PG_PORT=${PG_PORT:-54329}; SB=18100 ;;
test)	HTTP_PORT=${HTTP_PORT:-8013}; PG_PORT=${PG_PORT:-54339}; SB=${SB_BASE:-18110} ;;
bench)	HTTP_PORT=${HTTP_PORT:-8023}; PG_PORT=${PG_PORT:-54349}; SB=18120 ;;
*)	echo "stack.sh: unknown stack $NAME" >&2; exit 64 ;;
esac
VAR=$ROOT/var/$NAME
SANDBOX=$ROOT/build/sandbox/imagegen-sandbox
# Leonardo keys are UUIDs: the sandbox answers others as Leonardo does
# (tests/sandbox/leonardo.c, SB_LEONARDO_KEY).
SB_LEONARDO_KEY=5b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f
SB_LEONARDO=$((SB + 1)) SB_RUNWARE=$((SB + 2)) SB_GEMINI=$((SB + 3))
SB_COMFYUI=$((SB + 4)) SB_OLLAMA=$((SB + 5)) WAIT_PORT=$((SB + 6))
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
SOCK=$VAR/run/imagegen.sock
LOG=$VAR/log
DBURL="postgresql://imagegen@127.0.0.1:$PG_PORT/imagegen"
STORAGE=${STORAGE_DIR_OVERRIDE:-$VAR/storage}
[ "$NAME" = run ] && STORAGE=${STORAGE_DIR_OVERRIDE:-$ROOT/storage}

# PostgreSQL refuses root: as root it runs as the postgres user, whose
# data directory must be reachable; when the tree is not (a 0700 home),
# the cluster lives under /var/tmp and var/NAME/pg links to it.
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir() {
	if [ -L "$VAR/pg" ] || [ -d "$VAR/pg" ]; then
		# The real folder: postgres may not pass through the tree.
		readlink -f "$VAR/pg"; return
	fi
	mkdir -p "$VAR"
	if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$VAR"; then
		d=/var/tmp/imagegen-pg-$(echo "$VAR" | cksum | cut -d' ' -f1)
		mkdir -p "$d"
		ln -sfn "$d" "$VAR/pg"
		echo "$d"
	else
		mkdir -p "$VAR/pg"
		echo "$VAR/pg"
	fi
}

pg_up() {
	pg=$(pg_dir)
	[ "$(id -u)" = 0 ] && chown postgres: "$pg/" 2>/dev/null || true
	if [ ! -f "$pg/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$pg/data" -U postgres -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$LOG/initdb.log" 2>&1 || {
			echo "initdb failed: see $LOG/initdb.log" >&2; exit 1; }
	fi
	if ! as_pg "$PGBIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
		as_pg "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/postgres.log" -w \
		    -t 60 -o "-p $PG_PORT -k $pg -c listen_addresses=127.0.0.1 \
		    -c max_connections=200" start >/dev/null
	fi
	psql_pg -tAc "SELECT 1 FROM pg_roles WHERE rolname='imagegen'" |
	    grep -q 1 || psql_pg -qc "CREATE ROLE imagegen LOGIN"
	psql_pg -tAc "SELECT 1 FROM pg_database WHERE datname='imagegen'" |
	    grep -q 1 || psql_pg -qc "CREATE DATABASE imagegen OWNER imagegen"
}

psql_pg() {
	psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_down() {
	pg=$(readlink -f "$VAR/pg" 2>/dev/null || echo "$VAR/pg")
	[ -f "$pg/data/PG_VERSION" ] || return 0
	# A cluster a drill stopped (SIGSTOP) would not stop: continue it.
	pm=$(head -n 1 "$pg/data/postmaster.pid" 2>/dev/null || true)
	[ -z "$pm" ] || kill -CONT "$pm" $(ps -o pid= --ppid "$pm") 2>/dev/null || true
	as_pg "$PGBIN/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null \
	    2>&1 || true
}

app_env() {
	export DATABASE_URL="$DBURL" STORAGE_DIR="$STORAGE" LOG_FILE="$LOG/imagegen.log"
	# The sanitizer build's options for the service alone, not for the
	# tests that start it (tests/run-integration.sh: LeakSanitizer).
	[ -z "${IMAGEGEN_SAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$IMAGEGEN_SAN_OPTIONS"
	export SPOOL_DIR="$VAR/spool" CIRCUIT_FILE="$VAR/run/circuits"
	export METRICS_FILE="$VAR/run/metrics"
	export RUNNER_WAIT_LISTEN="127.0.0.1:$WAIT_PORT"
	export HTTP_LISTEN="127.0.0.1:$HTTP_PORT"
	# nginx listens on loopback only: make run and make bench need no
	# client keys unless .env asks (AUTH=on); make test always checks them.
	case $NAME in
	test)	export AUTH=on ;;
	bench)	export AUTH=${BENCH_AUTH:-off} ;;
	*)	grep -qs '^AUTH=' "$ROOT/.env" || export AUTH=off ;;
	esac
	export WORKERS="${WORKERS:-}"
	[ -n "$WORKERS" ] || unset WORKERS
	sandbox_env
}

# The sandbox stands in for every provider that has no key (make run), or
# for all of them (make test / make bench: never a real provider).
sandbox_up() {
	[ -x "$SANDBOX" ] || return 0
	pid=$(cat "$VAR/run/sandbox.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
	"$SANDBOX" --leonardo $SB_LEONARDO --runware $SB_RUNWARE \
	    --gemini $SB_GEMINI --comfyui $SB_COMFYUI --ollama $SB_OLLAMA \
	    --key sandbox-key --leonardo-key $SB_LEONARDO_KEY \
	    >>"$LOG/sandbox.log" 2>&1 &
	echo $! >"$VAR/run/sandbox.pid"
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$SB_OLLAMA/__sandbox/health"; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "sandbox did not start" >&2; exit 1; }
		sleep 0.1
	done
}

sandbox_down() {
	pid=$(cat "$VAR/run/sandbox.pid" 2>/dev/null || true)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -f "$VAR/run/sandbox.pid"
}

# cfg_unset KEY: true when imagegen (with .env) sees no value for KEY.
cfg_unset() {
	[ "$NAME" != run ] && return 0
	[ -z "$(cd "$ROOT" && "$BIN" config-get "$1" 2>/dev/null)" ]
}

# url_dead KEY: true when nothing answers at the URL setting KEY.
url_dead() {
	[ "$NAME" != run ] && return 0
	u=$(cd "$ROOT" && "$BIN" config-get "$1" 2>/dev/null)
	! curl -s -o /dev/null -m 2 "$u/$2"
}

sandbox_env() {
	[ -x "$SANDBOX" ] || return 0
	sb=""
	if cfg_unset LEONARDO_API_KEY; then
		export LEONARDO_API_KEY=$SB_LEONARDO_KEY
		export LEONARDO_BASE_URL=http://127.0.0.1:$SB_LEONARDO/api/rest/v1
		sb="$sb,leonardo_ai"
	fi
	if cfg_unset RUNWARE_API_KEY; then
		export RUNWARE_API_KEY=sandbox-key
		export RUNWARE_BASE_URL=http://127.0.0.1:$SB_RUNWARE/v1
		sb="$sb,runware_ai"
	fi
	if cfg_unset GEMINI_API_KEY; then
		export GEMINI_API_KEY=sandbox-key
		export GEMINI_BASE_URL=http://127.0.0.1:$SB_GEMINI/v1beta
		sb="$sb,gemini"
	fi
	if url_dead COMFYUI_URL system_stats; then
		export COMFYUI_URL=http://127.0.0.1:$SB_COMFYUI
		sb="$sb,comfyui"
	fi
	if url_dead OLLAMA_URL api/version; then
		export OLLAMA_URL=http://127.0.0.1:$SB_OLLAMA
		sb="$sb,ollama"
	fi
	export SANDBOX_PROVIDERS="${sb#,}"
	export PROVIDER_ALLOWED_HOSTS="${PROVIDER_ALLOWED_HOSTS:-cdn.leonardo.ai,im.runware.ai},127.0.0.1"
}

app_up() {
	pid=$(cat "$VAR/run/imagegen.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
	rm -f "$SOCK"
	app_env
	(cd "$ROOT" && "$BIN" migrate) >>"$LOG/imagegen.log" 2>&1 || {
		echo "migrations failed: see $LOG/imagegen.log" >&2; exit 1; }
	(cd "$ROOT" && spawn-fcgi -s "$SOCK" -M 0666 \
	    -P "$VAR/run/imagegen.pid" -d "$ROOT" -- "$BIN" serve) \
	    >>"$LOG/spawn-fcgi.log" 2>>"$LOG/imagegen.log"
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
}

# The runner: claims the queued jobs, drives them, hosts the wait endpoint.
# runner_up [NAME]: NAME "runner" (default) or "runner2", a second
# runner on the same database, as if on another host (the drills).
runner_up() {
	rn=${1:-runner}
	pid=$(cat "$VAR/run/$rn.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
	app_env
	# runner2 stands for a runner on another host: no wait endpoint,
	# and a circuit file of its own (what it shares with runner goes
	# through PostgreSQL).
	if [ "$rn" != runner ]; then
		export RUNNER_WAIT_LISTEN= CIRCUIT_FILE="$VAR/run/circuits-$rn"
		rm -f "$CIRCUIT_FILE"	# a host that starts afresh
	fi
	(ulimit -n 65536 2>/dev/null || true; cd "$ROOT" &&
	    exec "$BIN" runner </dev/null >>"$LOG/$rn.out" 2>&1) &
	echo $! >"$VAR/run/$rn.pid"
	i=0
	until [ "$rn" != runner ] ||
	    curl -s -o /dev/null "http://127.0.0.1:$WAIT_PORT/"; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "runner did not start: see $LOG/" >&2; exit 1; }
		sleep 0.1
	done
}

runner_down() {
	rn=${1:-runner}
	pid=$(cat "$VAR/run/$rn.pid" 2>/dev/null || true)
	[ -n "$pid" ] || return 0
	kill -CONT "$pid" 2>/dev/null || true
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i+1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$VAR/run/$rn.pid"
}

app_down() {
	pid=$(cat "$VAR/run/imagegen.pid" 2>/dev/null || true)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i+1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$VAR/run/imagegen.pid" "$SOCK"
}

nginx_conf() {
	mkdir -p "$VAR/nginx/tmp" "$VAR/nginx/extra"
	user=$(id -un)
	sed -e "s|@VAR@|$VAR|g" -e "s|@USER@|$user|g" \
	    -e "s|@SERVER@|$VAR/nginx/server.conf|g" \
	    "$ROOT/nginx/local.conf.in" >"$VAR/nginx/nginx.conf"
	sed -e "s|@LISTEN@|127.0.0.1:$HTTP_PORT|g" -e "s|@SOCKET@|$SOCK|g" \
	    -e "s|@SERVER_NAME@|127.0.0.1 localhost|g" \
	    -e "s|@STORAGE@|$STORAGE|g" -e "s|@ROOT@|$ROOT|g" -e "s|@WEB@|$ROOT|g" \
	    -e "s|@WAIT@|127.0.0.1:$WAIT_PORT|g" \
	    "$ROOT/nginx/server.conf.in" >"$VAR/nginx/server.conf"
}

nginx_up() {
	nginx_conf
	if [ -f "$VAR/nginx/nginx.pid" ] &&
	    kill -0 "$(cat "$VAR/nginx/nginx.pid")" 2>/dev/null; then
		nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload
		return 0
	fi
	nginx -t -q -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf"
	nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf"
}

nginx_down() {
	[ -f "$VAR/nginx/nginx.pid" ] || return 0
	nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s quit \
	    2>/dev/null || true
	i=0
	while [ -f "$VAR/nginx/nginx.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i+1))
	done
}

wait_health() {
	i=0
	while [ $i -lt 100 ]; do
		if curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/health"; then
			return 0
		fi
		sleep 0.1; i=$((i+1))
	done
	echo "the service did not answer /health; see $LOG/" >&2
	return 1
}

up() {
	mkdir -p "$VAR/run" "$LOG" "$STORAGE/images"
	pg_up
	sandbox_up
	app_up
	runner_up
	nginx_up
	wait_health
	if [ "$NAME" = run ]; then cat <<MSG
imagegen is up: http://127.0.0.1:$HTTP_PORT/  (try: curl -s http://127.0.0.1:$HTTP_PORT/health)
  studio:   http://127.0.0.1:$HTTP_PORT/  (prompt, generate, gallery, dashboard)
  API:      http://127.0.0.1:$HTTP_PORT/docs/ (OpenAPI: /openapi.json; OpenAI's
            images API at /v1/images/generations), metrics: /metrics
  logs:     $LOG/imagegen.log (JSON lines), $VAR/nginx/*.log, $VAR/pg/postgres.log
  database: $DBURL
  images:   $STORAGE/images (served under /storage/)
  commands: DATABASE_URL=$DBURL STORAGE_DIR=$STORAGE \\
            $BIN keys|storage|doctor ...
  stop:     make stop
MSG
		app_env
		if [ "$AUTH" = off ]; then cat <<MSG
  auth:     AUTH=off: no client keys asked, because nginx listens on
            127.0.0.1 only. Before listening elsewhere set AUTH=on in .env
            and make keys: $BIN keys create --project default
            (with DATABASE_URL as above)
MSG
		else cat <<MSG
  auth:     AUTH=on: send Authorization: Bearer <key>; make one with
            $BIN keys create --project default (DATABASE_URL as above)
MSG
		fi
		if [ -n "${SANDBOX_PROVIDERS:-}" ]; then cat <<MSG
  sandbox:  $SANDBOX_PROVIDERS answered by the local sandbox (no key or
            server configured); see GET /unified/providers, $LOG/sandbox.log
MSG
		fi
	fi
}

case $CMD in
up)		up ;;
down)		nginx_down; app_down; runner_down runner2; runner_down
		sandbox_down; pg_down ;;
reload)		kill -HUP "$(cat "$VAR/run/imagegen.pid")" ;;
pg-stop)	pg_down ;;
pg-start)	pg_up ;;
app-stop)	app_down ;;
app-start)	mkdir -p "$VAR/run" "$LOG"; app_up ;;
runner-stop)	runner_down ;;
runner2-start)	mkdir -p "$VAR/run" "$LOG"; runner_up runner2 ;;
runner2-stop)	runner_down runner2 ;;
runner-start)	mkdir -p "$VAR/run" "$LOG"; runner_up ;;
runner-kill)	kill -KILL "$(cat "$VAR/run/runner.pid")" 2>/dev/null; rm -f "$VAR/run/runner.pid" ;;
env)		app_env; echo "HTTP_PORT=$HTTP_PORT PG_PORT=$PG_PORT VAR=$VAR" \
		    "DATABASE_URL=$DBURL STORAGE_DIR=$STORAGE" ;;
status)
	for p in "$VAR/run/imagegen.pid" "$VAR/run/runner.pid" "$VAR/nginx/nginx.pid" "$VAR/run/sandbox.pid"; do
		if [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; then
			echo "$(basename "$p" .pid): running (pid $(cat "$p"))"
		else
			echo "$(basename "$p" .pid): stopped"
		fi
	done
	as_pg "$PGBIN/pg_ctl" -D "$(readlink -f "$VAR/pg")/data" status >/dev/null 2>&1 &&
	    echo "postgresql: running (port $PG_PORT)" ||
	    echo "postgresql: stopped" ;;
*)	echo "stack.sh: unknown command $CMD" >&2; exit 64 ;;
esac
