# imagegen - plain GNU make. `make` builds, `make run` starts the stack,
# `make test` runs every test, `make bench` prints the figures.
# Not here: starting servers (app/stack.sh), test logic (tests/).

VERSION	:= 0.1.0
CC	?= cc
PKGS	:= libpq libpcre2-8 jansson libcurl uuid libcrypto libmicrohttpd
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpointer-arith
CSTD	:= -std=c11 -D_GNU_SOURCE
CFLAGS	?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I. -Ibuild/gen \
	-DIMAGEGEN_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
LDLIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lmagic -lm -lpthread
TEST_LIBS := $(shell pkg-config --libs criterion libmicrohttpd 2>/dev/null)
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# Sources by directory; app/main.c is the only one tests do not link.
LIB_SRC	 := $(sort $(wildcard lib/*/*.c))
HND_SRC	 := $(sort $(wildcard handlers/*.c))
APP_SRC	 := $(filter-out app/main.c,$(sort $(wildcard app/*.c)))
CORE_SRC := $(LIB_SRC) $(HND_SRC) $(APP_SRC) build/gen/embed.c
EMBED	 := $(sort $(wildcard lib/db/migrations/*.sql lib/prompt/templates/* \
	    lib/prompt/data/* lib/providers/workflows/*))
UNIT_SRC := $(sort $(shell find tests/unit -name 'test_*.c' 2>/dev/null))
ITEST_SRC := $(sort $(wildcard tests/integration/test_*.c \
	tests/faults/test_*.c))
HELP_SRC := $(sort $(wildcard tests/helpers/*.c))

# Two build flavours: build/rel (make, make run) and build/san (make test).
rel_OBJ	= $(patsubst %.c,build/rel/%.o,$(CORE_SRC))
san_OBJ	= $(patsubst %.c,build/san/%.o,$(CORE_SRC))
UNIT_BIN  := $(patsubst %.c,build/san/%,$(UNIT_SRC))
ITEST_BIN := $(patsubst %.c,build/san/%,$(ITEST_SRC))
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
# Quiet by default; `make Q=` shows the commands.
Q	?= @
DEPS	 := $(shell find build -name '*.d' 2>/dev/null)

.PHONY: all deps npm-deps run stop test test-build test-prune unit integration fuzz \
	bench check-deep clean status reload sandbox install-web

all: build/rel/imagegen

# Keep intermediate objects (test helpers) between runs.
.SECONDARY:

build/gen/embed.c: app/gen-embed.sh $(EMBED) Makefile
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)sh app/gen-embed.sh $(EMBED) > $@.tmp && mv $@.tmp $@

build/rel/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC san  $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

build/rel/imagegen: $(rel_OBJ) build/rel/app/main.o
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/san/imagegen: $(san_OBJ) build/san/app/main.o
	@echo "  LD san  $@"
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# One binary per test file, linked with everything but app/main.c.
build/san/tests/%: tests/%.c $(san_OBJ) $(patsubst %.c,build/san/%.o,$(HELP_SRC))
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -o $@ $< $(san_OBJ) \
	    $(patsubst %.c,build/san/%.o,$(HELP_SRC)) $(LDLIBS) $(TEST_LIBS)

# The sandbox: fake Leonardo/Runware/Gemini/ComfyUI/Ollama (tests/sandbox/).
SANDBOX_SRC := $(sort $(wildcard tests/sandbox/*.c))
SANDBOX_LIBS = $(shell pkg-config --libs libmicrohttpd jansson libpng zlib \
	2>/dev/null) -ljpeg -luuid -lcrypto -lpthread

build/sandbox/imagegen-sandbox: $(SANDBOX_SRC) $(wildcard tests/sandbox/*.h)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CSTD) $(WARN) $(CFLAGS) -I. $(shell pkg-config --cflags \
	    libmicrohttpd jansson libpng) -o $@ $(SANDBOX_SRC) $(SANDBOX_LIBS)

SANDBOX_BIN := $(if $(SANDBOX_SRC),build/sandbox/imagegen-sandbox)
sandbox: $(SANDBOX_BIN)

# --- Debian packages -------------------------------------------------------
DEB_PKGS := build-essential pkg-config libfcgi-dev spawn-fcgi \
	libcurl4-openssl-dev libjansson-dev libpq-dev libpcre2-dev \
	libcriterion-dev uuid-dev libssl-dev libmagic-dev \
	libmicrohttpd-dev libpng-dev zlib1g-dev libjpeg62-turbo-dev \
	postgresql nginx-light curl wrk jq procps systemd chromium \
	clang libclang-rt-14-dev

deps: npm-deps
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    [ "$$(id -u)" = 0 ] || { echo "make deps: run as root"; exit 1; }; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Node.js packages (never the service): tests/node holds the reference
# clients the tests drive (standardwebhooks, openai, @redocly/cli,
# playwright-core, a Prometheus text parser); docs/ holds swagger-ui-dist,
# which nginx serves at /docs. Debian's nodejs and npm when no node is
# installed; `npm ci` from the committed lock files.
NPM_DIRS := tests/node docs

npm-deps:
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
	@for d in $(NPM_DIRS); do \
	    [ -f $$d/node_modules/.package-lock.json ] && \
	    [ ! $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ] || \
	    (cd $$d && npm ci --no-audit --no-fund --silent) || exit 1; done

# --- running ---------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all sandbox
	@sh app/stack.sh up run build/rel/imagegen

stop:
	@sh app/stack.sh down run

status:
	@sh app/stack.sh status run

reload:
	@sh app/stack.sh reload run

# The static pages nginx serves (/docs, /openapi.json, the studio at /),
# where nginx/imagegen.conf reads them: make install-web [DESTDIR=...].
WEB_DIR	:= /usr/share/imagegen
install-web: npm-deps
	@install -d -m 0755 $(DESTDIR)$(WEB_DIR)/docs/swagger \
	    $(DESTDIR)$(WEB_DIR)/docs/node_modules $(DESTDIR)$(WEB_DIR)/app
	@install -m 0644 docs/openapi.json $(DESTDIR)$(WEB_DIR)/docs/
	@install -m 0644 docs/swagger/* $(DESTDIR)$(WEB_DIR)/docs/swagger/
	@rm -rf $(DESTDIR)$(WEB_DIR)/docs/node_modules/swagger-ui-dist \
	    $(DESTDIR)$(WEB_DIR)/app/studio
	@cp -R docs/node_modules/swagger-ui-dist $(DESTDIR)$(WEB_DIR)/docs/node_modules/
	@cp -R app/studio $(DESTDIR)$(WEB_DIR)/app/
	@chmod -R u=rwX,go=rX $(DESTDIR)$(WEB_DIR)
	@echo "static pages in $(DESTDIR)$(WEB_DIR)"

# --- tests -----------------------------------------------------------------
# make test builds with -k what it runs: a binary that does not build is
# removed (test-prune) and counted as a failed test, never left out. Then
# the unit tests, the integration tests against the test stack and, beside
# them at a lower priority, the fuzz drivers' quick runs (tests/run-fuzz.sh);
# then the summary, the skipped tests and the duration (tests/summary.sh).
TEST_BUILT = build/san/imagegen build/rel/imagegen $(SANDBOX_BIN) \
	$(UNIT_BIN) $(ITEST_BIN) $(FUZZ_BIN)

test: deps
	@t0=$$(date +%s); rm -rf build/test-logs; mkdir -p build/test-logs; \
	$(MAKE) --no-print-directory -k test-build || \
	    $(MAKE) --no-print-directory test-prune; \
	sh tests/run-unit.sh $(UNIT_BIN); u=$$?; \
	nice -n 10 sh tests/run-fuzz.sh $(FUZZ_BIN) \
	    >build/test-logs/fuzz.out 2>&1 & fz=$$!; \
	sh tests/run-integration.sh build/san/imagegen $(ITEST_BIN); i=$$?; \
	wait $$fz; f=$$?; cat build/test-logs/fuzz.out; \
	sh tests/summary.sh $$t0 $$u $$i $$f

test-build: $(TEST_BUILT)
	@:

# After a failed make -k: what is not up to date (its build failed) goes,
# so that the runners count it as failed rather than run an older build.
test-prune:
	@n=0; for b in $(TEST_BUILT); do \
	    $(MAKE) -q --no-print-directory $$b 2>/dev/null && continue; \
	    echo "  NOT BUILT $$b"; rm -f $$b; n=$$((n + 1)); done; \
	[ $$n -gt 0 ] || echo "0 1 0" >build/test-logs/build.count

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

# test_deploy installs the release build into its scratch root.
integration: build/san/imagegen build/rel/imagegen $(SANDBOX_BIN) $(ITEST_BIN)
	@sh tests/run-integration.sh build/san/imagegen $(ITEST_BIN)

fuzz: $(FUZZ_BIN)
	@sh tests/run-fuzz.sh $(FUZZ_BIN)

# --- fuzz drivers (libFuzzer, clang); deep checks: their long runs, valgrind -
fuzz_OBJ   = $(patsubst %.c,build/fuzz/obj/%.o,$(CORE_SRC))
plain_OBJ  = $(patsubst %.c,build/plain/%.o,$(CORE_SRC))
PLAIN_UNIT := $(patsubst %.c,build/plain/%,$(UNIT_SRC))
FUZZ_SAN  := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
DEEP_PKGS := valgrind

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC fuzz $<"
	$(Q)clang $(ALL_CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c $< -o $@

FUZZ_KIT := build/fuzz/obj/tests/fuzz/fuzzkit.o

build/fuzz/%: tests/fuzz/%.c $(fuzz_OBJ) $(FUZZ_KIT)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)clang $(ALL_CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	    $(fuzz_OBJ) $(FUZZ_KIT) $(LDLIBS)

build/plain/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -O0 -MMD -MP -c $< -o $@

build/plain/tests/%: tests/%.c $(plain_OBJ) $(patsubst %.c,build/plain/%.o,$(HELP_SRC))
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -O0 -MMD -MP -o $@ $< $(plain_OBJ) \
	    $(patsubst %.c,build/plain/%.o,$(HELP_SRC)) $(LDLIBS) $(TEST_LIBS)

check-deep: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEEP_PKGS)"
	@$(MAKE) --no-print-directory all $(SANDBOX_BIN) $(FUZZ_BIN) $(PLAIN_UNIT) \
	    build/san/imagegen $(ITEST_BIN) build/san/tests/unit/lib/gen/test_fetch
	@sh tests/check-deep.sh "$(FUZZ_BIN)" "$(PLAIN_UNIT)"

# --- benchmarks (figures, never pass/fail) -----------------------------------
BENCH_PKGS := wrk python3-fastapi python3-uvicorn python3-psycopg2 python3-httpx

build/rel/bench-floor: bench/floor.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CSTD) $(WARN) $(CFLAGS) -o $@ $< -lfcgi

build/rel/bench-compress: bench/compress.c $(rel_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(rel_OBJ) $(LDLIBS)

build/rel/bench-metrics: bench/metrics.c $(rel_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(rel_OBJ) $(LDLIBS)

bench: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(BENCH_PKGS)"
	@$(MAKE) --no-print-directory all sandbox build/rel/bench-floor \
	    build/rel/bench-compress build/rel/bench-metrics
	@sh bench/run.sh

clean:
	rm -rf build

-include $(DEPS)
