# reflekt - one non-recursive Makefile.
#
#   make            build ./reflekt
#   make deps       install missing Debian packages (apt-get, sudo, or print)
#   make demo       deps + build + a scripted conversation on the console
#   make check      deps + unit and end-to-end tests, again under ASan+UBSan,
#                   a short crash loop, then a short fuzz run of every parser
#   make soak       the crash loop: SOAK_KILLS (200) SIGKILLs under chaos
#   make fuzz       every fuzz target for FUZZ_SECONDS (default 300) each
#   make install    PREFIX (/usr/local), DESTDIR: binary, man pages, docs,
#                   systemd unit and sysusers file
#   make deb        the Debian package, in build-deb (dpkg-buildpackage)
#   make check-deb  the package installed and run on a clean Debian 12 root
#   make lint       banned functions, clang-format
#   make valgrind   unit tests and reflekt in the end-to-end tests under
#                   valgrind memcheck (slow; make check runs a short one)
#
# User CPPFLAGS/CFLAGS/LDFLAGS are appended, never overwritten.  V=1 shows commands.

CC ?= cc
BUILD ?= build
VERSION = 0.9.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
DOCDIR = $(PREFIX)/share/doc/reflekt
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
MANDIR = $(PREFIX)/share/man
PKGS = libuv libcurl jansson sqlite3 libical inih libmicrohttpd libcrypto \
	libwebsockets libsodium libsystemd
# Debian package that provides each pkg-config name, for error messages.
DEB_libuv = libuv1-dev
DEB_libcurl = libcurl4-openssl-dev
DEB_jansson = libjansson-dev
DEB_sqlite3 = libsqlite3-dev
DEB_libical = libical-dev
DEB_inih = libinih-dev
DEB_libmicrohttpd = libmicrohttpd-dev
DEB_libcrypto = libssl-dev
DEB_libwebsockets = libwebsockets-dev
DEB_libsodium = libsodium-dev
DEB_libsystemd = libsystemd-dev

# Build and test tools, then the -dev packages above.
DEB_TOOLS = build-essential pkg-config clang libclang-rt-14-dev valgrind curl \
	sqlite3 procps wrk openssl clang-format python3
# Headless browser tests of the web console (make check-browser).
DEB_TOOLS += chromium
# The Debian package (make deb) and its checks (make check-deb).
DEB_TOOLS += debhelper lintian
# Loaded by libwebsockets at run time, so no -dev package pulls it in.
DEB_RUNTIME = libwebsockets-evlib-uv
DEB_ALL = $(DEB_TOOLS) $(DEB_RUNTIME) $(foreach p,$(PKGS),$(DEB_$(p)))

WARN = -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-sign-conversion
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O2 \
	$(WARN) -I. -Ibot -Iadapters -Istorage -Iprompts -MMD -MP \
	-DREFLEKT_VERSION='"$(VERSION)"'
ifeq ($(SANITIZE),1)
BASE_CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
SAN_LDFLAGS = -fsanitize=address,undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(BASE_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_LDFLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC = $(filter-out bot/main.c,$(wildcard bot/*.c)) \
	$(wildcard adapters/*.c) $(wildcard prompts/*.c) \
	$(wildcard storage/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/prompts/library-data.o
PROMPT_FILES = $(sort $(wildcard prompts/library/*.json))
TEST_SRC = $(wildcard tests/unit/test-*.c)
FAKE_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fake/*.c))
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 15

.PHONY: all deps check-pkgs demo check check-real check-browser test \
	test-unit test-san fuzz deb check-deb \
	fuzz-smoke lint soak soak-smoke valgrind-smoke \
	valgrind bench clean
.SUFFIXES:

all: check-pkgs reflekt

check-pkgs:
	@missing=""; for p in $(PKGS); do \
	  pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "reflekt: missing libraries:$$missing" >&2; \
	  echo "reflekt: run 'make deps' (Debian packages: $(foreach p,$(PKGS),$(DEB_$(p))))" >&2; \
	  exit 1; \
	fi

reflekt: $(BUILD)/reflekt
	$(Q)cp $< $@

$(BUILD)/reflekt: $(BUILD)/bot/main.o $(BUILD)/libreflekt.a
	@[ "$(V)" = 1 ] || echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libreflekt.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The question library is compiled into the binary, so reflekt asks good
# questions wherever it is installed; prompts_dir in the config adds more.
$(BUILD)/prompts/library-data.c: prompts/embed.sh $(PROMPT_FILES)
	@mkdir -p $(dir $@)
	$(Q)sh prompts/embed.sh $(PROMPT_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/prompts/library-data.o: $(BUILD)/prompts/library-data.c
	$(Q)$(CC) $(ALL_CFLAGS) -Iprompts -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/tests/lib/t.o $(FAKE_OBJ) \
		$(BUILD)/libreflekt.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib -Itests/fake $(ALL_LDFLAGS) -o $@ $< \
	  $(BUILD)/tests/lib/t.o $(FAKE_OBJ) $(BUILD)/libreflekt.a $(LIBS) \
	  -lpthread

# Debian packages: apt-get as root, else sudo, else print the command.
deps:
	@missing=""; for p in $(DEB_ALL); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "reflekt: installing Debian packages:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "reflekt: please run as root:"; \
	  echo "  apt-get update && apt-get install -y$$missing"; \
	  exit 1; \
	fi

# PREFIX (/usr/local) and DESTDIR as usual.  The unit names the binary
# by its final path, PREFIX/bin/reflekt.
install: all
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	$(Q)install -m 755 $(BUILD)/reflekt $(DESTDIR)$(BINDIR)/reflekt
	$(Q)install -m 644 dist/reflekt.1 $(DESTDIR)$(MANDIR)/man1/reflekt.1
	$(Q)install -m 644 dist/reflekt.conf.5 \
	  $(DESTDIR)$(MANDIR)/man5/reflekt.conf.5
	$(Q)install -m 644 config.example README.md SECURITY.md \
	  $(DESTDIR)$(DOCDIR)/
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' dist/reflekt.service.in \
	  >$(DESTDIR)$(UNITDIR)/reflekt.service
	$(Q)chmod 644 $(DESTDIR)$(UNITDIR)/reflekt.service
	$(Q)install -m 644 dist/reflekt.sysusers \
	  $(DESTDIR)$(SYSUSERSDIR)/reflekt.conf

# The Debian package from the files git knows (committed or not), built in
# a copy under build-deb so that dpkg-buildpackage's output lands there.
deb: check-pkgs
	$(Q)v=$$(sed -n '1s/^reflekt (\([^)]*\)).*/\1/p' debian/changelog); \
	  [ "$$v" = "$(VERSION)" ] || { echo "reflekt: debian/changelog says" \
	    "$$v, the Makefile $(VERSION)" >&2; exit 1; }
	$(Q)rm -rf build-deb && mkdir -p build-deb/reflekt-$(VERSION)
	$(Q)git ls-files -z --cached --others --exclude-standard | \
	  xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
	  tar --null -T - -cf - | tar -xf - -C build-deb/reflekt-$(VERSION)
	$(Q)cd build-deb/reflekt-$(VERSION) && \
	  dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
	  { tail -n 40 ../build.log; exit 1; }
	@ls build-deb/*.deb

# The package installed with apt on a clean Debian 12 root (debootstrapped
# once into REFLEKT_PEERS) and run there under the root's own systemd.
# SKIP where root or namespaces cannot be had; REFLEKT_SKIP_DEB=1 skips it.
check-deb:
	$(Q)rm -f build/deb-results
	$(Q)if [ "$${REFLEKT_SKIP_DEB:-0}" = 1 ]; then \
	  echo "SKIP: REFLEKT_SKIP_DEB=1"; \
	else \
	  status=0; mkdir -p build; \
	  { $(MAKE) -s deb && sh tests/install/check-deb.sh \
	      build-deb/reflekt_$(VERSION)_*.deb $(VERSION); } \
	    >build/deb.log 2>&1 || status=1; \
	  cat build/deb.log; \
	  sed -n 's/^deb: \([0-9]*\) passed, \([0-9]*\) failed$$/\1 \2/p' \
	    build/deb.log >build/deb-results; \
	  [ -s build/deb-results ] || rm -f build/deb-results; \
	  exit $$status; \
	fi

# make install into a temporary folder, the tree checked, the unit checked
# by systemd-analyze verify.
check-install: all
	$(Q)sh tests/install/check-install.sh >build/install.log 2>&1; \
	  status=$$?; cat build/install.log; \
	  sed -n 's/^install: \([0-9]*\) passed, \([0-9]*\) failed$$/\1 \2/p' \
	    build/install.log >build/install-results; exit $$status

demo: deps
	$(Q)$(MAKE) -s all
	$(Q)sh tests/e2e/demo.sh ./reflekt

test: all $(TEST_BIN) $(BUILD)/tests/fake-matrix-server \
		$(BUILD)/tests/fake-slack-server $(BUILD)/tests/fake-teams-server
	$(Q)sh tests/run.sh $(BUILD) ./reflekt

# The unit tests alone (the Debian package's build runs them).
test-unit: all $(TEST_BIN)
	$(Q)E2E=0 sh tests/run.sh $(BUILD) ./reflekt

# The same suite, rebuilt under AddressSanitizer and UndefinedBehaviorSanitizer.
test-san:
	$(Q)$(MAKE) -s BUILD=build-san SANITIZE=1 build-san/reflekt \
	  $(TEST_SRC:tests/unit/%.c=build-san/tests/%) \
	  build-san/tests/fake-matrix-server build-san/tests/fake-slack-server \
	  build-san/tests/fake-teams-server
	$(Q)REFLEKT_TIME_SCALE=3 sh tests/run.sh build-san build-san/reflekt

check: deps
	$(Q)$(MAKE) -s lint
	$(Q)$(MAKE) -s test
	$(Q)$(MAKE) -s test-san
	$(Q)$(MAKE) -s soak-smoke
	$(Q)$(MAKE) -s valgrind-smoke
	$(Q)$(MAKE) -s fuzz-smoke
	$(Q)$(MAKE) -s check-real
	$(Q)$(MAKE) -s check-browser
	$(Q)$(MAKE) -s check-install
	$(Q)$(MAKE) -s check-deb
	$(Q)sh tests/summary.sh build/test-results build-san/test-results \
	  build/valgrind-results build/install-results \
	  $$(ls build/deb-results 2>/dev/null) \
	  $$(cat build/real-results-file 2>/dev/null) \
	  $$(ls build/browser-results 2>/dev/null)

# Real peers: the Matrix flow against Synapse (Debian unstable's package in
# a debootstrapped root) and the Teams flow against Microsoft's Agents
# Playground (npm), both cached in REFLEKT_PEERS; each prints SKIP where
# its peer cannot be had.  REFLEKT_SKIP_REAL=1 skips both.
check-real: all $(BUILD)/tests/fake-teams-server
	$(Q)rm -f build/real-results build/real-teams-results \
	  build/real-results-file
	$(Q)if [ "$${REFLEKT_SKIP_REAL:-0}" = 1 ]; then \
	  echo "SKIP: REFLEKT_SKIP_REAL=1"; \
	else \
	  status=0; \
	  sh tests/real/check-real.sh ./reflekt >build/real.log 2>&1 || status=1; \
	  cat build/real.log; \
	  sh tests/real/check-teams.sh ./reflekt $(BUILD)/tests/fake-teams-server \
	    >build/real-teams.log 2>&1 || status=1; \
	  cat build/real-teams.log; \
	  for r in real real-teams; do \
	    sed -n 's/^real: \([0-9]*\) passed, \([0-9]*\) failed$$/\1 \2/p' \
	      build/$$r.log >build/$$r-results; \
	    if [ -s build/$$r-results ]; then \
	      echo build/$$r-results >>build/real-results-file; fi; \
	  done; \
	  exit $$status; \
	fi

# The web console in headless Chromium (Debian's), driven by npm's
# playwright-core, cached in REFLEKT_PEERS; SKIP where either cannot be had.
# REFLEKT_SCREENSHOTS=DIR also saves PNGs of its pages there, and
# REFLEKT_SKIP_BROWSER=1 skips it.
check-browser: all
	$(Q)rm -f build/browser-results
	$(Q)if [ "$${REFLEKT_SKIP_BROWSER:-0}" = 1 ]; then \
	  echo "SKIP: REFLEKT_SKIP_BROWSER=1"; \
	else \
	  status=0; \
	  sh tests/browser/check-console.sh ./reflekt >build/browser.log 2>&1 \
	    || status=1; \
	  cat build/browser.log; \
	  sed -n 's/^browser: \([0-9]*\) passed, \([0-9]*\) failed$$/\1 \2/p' \
	    build/browser.log >build/browser-results; \
	  [ -s build/browser-results ] || rm -f build/browser-results; \
	  exit $$status; \
	fi

# libFuzzer targets: clang, with ASan and UBSan.
FUZZ_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	-I. -Ibot -Iadapters -Istorage -Iprompts -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(BUILD)/prompts/library-data.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZ    $@"
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) \
	  $(BUILD)/prompts/library-data.c $(LIBS)

fuzz-smoke: $(FUZZ_BIN)
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# The fake homeserver as a process, for the end-to-end scripts.
$(BUILD)/tests/fake-matrix-server: tests/fake/server/fake-matrix-server.c \
		$(BUILD)/tests/fake/fake-matrix.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fake $(ALL_LDFLAGS) -o $@ $^ $(LIBS) \
	  -lpthread

$(BUILD)/tests/fake-slack-server: tests/fake/server/fake-slack-server.c \
		$(BUILD)/tests/fake/fake-slack.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fake $(ALL_LDFLAGS) -o $@ $^ $(LIBS) \
	  -lpthread

$(BUILD)/tests/fake-teams-server: tests/fake/server/fake-teams-server.c \
		$(BUILD)/tests/fake/fake-teams.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fake $(ALL_LDFLAGS) -o $@ $^ $(LIBS) \
	  -lpthread

$(BUILD)/tests/bench-http: tests/bench/bench-http.c $(BUILD)/libreflekt.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libreflekt.a $(LIBS)

$(BUILD)/tests/bench-ack: tests/bench/bench-ack.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

$(BUILD)/tests/bench-matrix: tests/bench/bench-matrix.c $(FAKE_OBJ) \
		$(BUILD)/libreflekt.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fake $(ALL_LDFLAGS) -o $@ $< $(FAKE_OBJ) \
	  $(BUILD)/libreflekt.a $(LIBS) -lpthread

# The crash loop (tests/soak/soak.c): SOAK_KILLS SIGKILLs at random moments
# while leaders on the fake homeserver and the fake Slack answer and new
# questions fall due; the fakes fault SOAK_CHAOS requests in 1,000.
SOAK_KILLS ?= 200
SOAK_CHAOS ?= 20
SOAK_LEADERS ?= 16
$(BUILD)/tests/soak: tests/soak/soak.c $(FAKE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fake $(ALL_LDFLAGS) -o $@ $< $(FAKE_OBJ) \
	  $(LIBS) -lpthread

soak: all $(BUILD)/tests/soak
	$(Q)$(BUILD)/tests/soak ./reflekt --kills $(SOAK_KILLS) \
	  --chaos $(SOAK_CHAOS) --leaders $(SOAK_LEADERS)

# The short crash loop make check runs: 20 kills, 5 % of requests faulted.
soak-smoke: all $(BUILD)/tests/soak
	$(Q)$(BUILD)/tests/soak ./reflekt --kills 20 --chaos 50 --leaders 8

# Figures for BENCHMARKS.md (a few minutes; BENCH_RUNS=1 for a quick look).
bench: deps
	$(Q)$(MAKE) -s all $(BUILD)/tests/bench-http $(BUILD)/tests/bench-matrix \
	  $(BUILD)/tests/bench-ack $(BUILD)/tests/fake-slack-server
	$(Q)sh tests/bench/run.sh $(BUILD)

lint:
	$(Q)! grep -nE '\b(sprintf|strcpy|strcat|atoi|strtok|gets)\s*\(' \
	  bot/*.c adapters/*.c prompts/*.c storage/*.c || \
	  { echo "lint: banned function"; exit 1; }
	$(Q)! grep -nE '\bmalloc\s*\(' bot/*.c adapters/*.c prompts/*.c \
	  storage/*.c | grep -v '^bot/xmalloc.c' || \
	  { echo "lint: bare malloc outside xmalloc.c"; exit 1; }
	$(Q)clang-format --dry-run --Werror bot/*.[ch] adapters/*.[ch] \
	  prompts/*.[ch] storage/*.[ch] tests/unit/*.c tests/lib/*.[ch] \
	  tests/fuzz/*.c
	$(Q)sh tests/lint/web-text.sh
	@echo "lint: ok"

valgrind: all $(TEST_BIN) $(BUILD)/tests/fake-matrix-server \
		$(BUILD)/tests/fake-slack-server $(BUILD)/tests/fake-teams-server
	$(Q)VALGRIND=1 RESULTS=$(BUILD)/valgrind-results \
	  sh tests/run.sh $(BUILD) ./reflekt

# The short memcheck make check runs: reflekt in three end-to-end tests.
valgrind-smoke: all
	$(Q)VALGRIND=1 UNIT=0 E2E="proof crash cli" \
	  RESULTS=$(BUILD)/valgrind-results sh tests/run.sh $(BUILD) ./reflekt

clean:
	rm -rf build build-san build-fuzz build-deb reflekt

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
