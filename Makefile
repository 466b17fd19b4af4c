# newspack: one GNU Makefile. Knobs use ?= so they can be overridden.
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
PKGS    := libsodium zlib libzstd libarchive jansson libxml-2.0 libbrotlidec nettle
# libdeflate makes the same standard zlib streams several times faster;
# without it, zlib does the work.
HAVE_LIBDEFLATE := $(shell $(PKG_CONFIG) --exists libdeflate 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBDEFLATE),1)
PKGS    += libdeflate
DEFS    += -DNPK_HAVE_LIBDEFLATE
endif
# ISA-L codes the parity of spec/format.md 15.10 (gf.c does it, slower,
# where ISA-L is missing).
HAVE_LIBISAL := $(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBISAL),1)
PKGS    += libisal
DEFS    += -DNPK_HAVE_ISAL
endif
# Full-text search (src/lib/search): libunistring (UAX #29 word breaks, NFKC,
# case folding) and Snowball's libstemmer; Debian ships no .pc for either.
# libstemmer has no version call, so the Debian package's version is pinned
# here and recorded in the index (spec/search.md); elsewhere, pass
# SNOWBALL_VERSION=x.y.z.
SEARCH_LIBS := -lunistring -lstemmer -lm
SNOWBALL_VERSION ?= $(shell dpkg-query -W -f='$${Version}' libstemmer0d 2>/dev/null | sed 's/-[^-]*$$//')
ifneq ($(SNOWBALL_VERSION),)
DEFS    += -DNPK_SNOWBALL_VERSION=$(SNOWBALL_VERSION)
endif
WARN    := -Wall -Wextra -Wcast-qual -Wcast-align -Wshadow -Wswitch-enum \
           -Wstrict-prototypes -Wundef -Wpointer-arith -Wvla
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
ifeq ($(CI),true)
WERROR  ?= -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# newspack, the reading program, links only these (src/cli/main.c): it
# never compresses, so not libdeflate (format/encode.c); with libc and the
# loader, 6 shared objects. newspack-full links everything.
LEAN_PKGS := libsodium zlib libzstd jansson
# newspack serve (src/cli/cmd_serve.c, serve_*.c), in newspack-full only:
# GNU libmicrohttpd and cmark (Markdown).
SERVE_PKGS := libmicrohttpd libcmark
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(SERVE_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE $(DEFS) $(WARN) $(WERROR) \
              $(CFLAGS) $(SANFLAGS) -Iinclude -Isrc/lib $(PKG_CFLAGS) -fPIC -fvisibility=hidden
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)
LIBS    := $(PKG_LIBS) $(SEARCH_LIBS) -lpthread
LEAN_LIBS := $(shell $(PKG_CONFIG) --libs $(LEAN_PKGS) 2>/dev/null) -lpthread
SERVE_LIBS := $(shell $(PKG_CONFIG) --libs $(SERVE_PKGS) 2>/dev/null)
LIBEXECDIR ?= $(PREFIX)/libexec

B := build
LIB_SRC := $(wildcard src/lib/*/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(B)/%.o)
SOVER   := 1

.PHONY: all deps demo check unit cli-test examples clean install uninstall bench fuzz fuzz-replay valgrind
all: newspack newspack-full libnewspack.a libnewspack.so

# Objects are rebuilt when the flags change (SANITIZE=1, CI=true, CFLAGS=...).
FLAGS_ID := $(shell echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cksum | cut -d' ' -f1)
FLAGS_STAMP := $(B)/.flags-$(FLAGS_ID)
$(FLAGS_STAMP):
	@mkdir -p $(B)
	@rm -f $(B)/.flags-*
	@touch $@

$(B)/%.o: %.c $(wildcard include/*.h src/lib/*/*.h src/cli/*.h tests/unit/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

libnewspack.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

libnewspack.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libnewspack.so.$(SOVER) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Two programs (src/cli/main.c): newspack-full has every command; newspack,
# for keygen and the reading commands, links only LEAN_LIBS and runs create
# and export in newspack-full. A reading path that reached libarchive or
# libxml2 would fail this link.
FULL_ONLY_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard src/cli/serve_*.c)) $(B)/src/cli/cmd_serve.o \
                 $(B)/src/cli/cmd_create.o $(B)/src/cli/cmd_export.o $(B)/src/cli/cmd_parity.o \
                 $(B)/src/cli/cmd_append.o $(B)/src/cli/cmd_merge.o $(B)/src/cli/cmd_search.o \
                 $(B)/src/cli/cmd_recipients.o
LEAN_CLI_OBJ := $(filter-out $(FULL_ONLY_OBJ) $(B)/src/cli/main.o,$(CLI_OBJ)) $(B)/lean/main.o
# (only this object knows LIBEXECDIR: install with another PREFIX rebuilds it alone)
LEAN_STAMP := $(B)/lean/.libexec-$(shell echo '$(LIBEXECDIR)' | cksum | cut -d' ' -f1)
$(LEAN_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(B)/lean/.libexec-*
	@touch $@
$(B)/lean/main.o: src/cli/main.c src/cli/cli.h include/newspack.h $(FLAGS_STAMP) $(LEAN_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNPK_CLI_LEAN -DNPK_LIBEXECDIR='"$(LIBEXECDIR)/newspack"' -c $< -o $@
newspack: $(LEAN_CLI_OBJ) libnewspack.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(LEAN_CLI_OBJ) libnewspack.a $(LEAN_LIBS)
newspack-full: $(CLI_OBJ) libnewspack.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) libnewspack.a $(LIBS) $(SERVE_LIBS)

# Unit tests: every DEFINE_TEST(name) in tests/unit/*.c is collected by grep.
$(B)/tests/unit/list.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	grep -h '^DEFINE_TEST(' $(UNIT_SRC) | sed 's/^DEFINE_TEST(\([a-z0-9_]*\)).*/T(\1)/' > $@

$(B)/tests/unit/main.o: $(B)/tests/unit/list.h
$(B)/unit_tests: $(UNIT_OBJ) libnewspack.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJ) libnewspack.a $(LIBS)
$(B)/tests/unit/%.o: ALL_CFLAGS += -I$(B)/tests/unit -Itests/unit

# Fuzz targets (tests/fuzz/README.md). Both builds use the library compiled
# with NPK_FUZZING (digests and signatures computed, never refused).
FUZZ_TARGETS := archive pubkey seckey meta_text meta_markdown meta_html sidecar warc parity salvage proof proof_leaf edition query search_text search_index sealed
FUZZ_CC ?= clang
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(B)/fz/%.o)
$(B)/fz/%.o: %.c $(wildcard include/*.h src/lib/*/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNPK_FUZZING -c $< -o $@
$(B)/libnewspack-fuzzing.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(B)/fuzz/replay_%)
$(B)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/memfile.c tests/fuzz/fuzz.h $(B)/libnewspack-fuzzing.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c tests/fuzz/memfile.c \
	    $(B)/libnewspack-fuzzing.a $(LIBS)
fuzz-replay: $(FUZZ_REPLAY)
# The sealed vector's maker (tests/seal/make_vector.c): fixed randomness
# exists in the testing library only.
$(B)/seal-vector: tests/seal/make_vector.c $(B)/libnewspack-fuzzing.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libnewspack-fuzzing.a $(LIBS)

# The fault shim of tests/cli/test_faults.sh (LD_PRELOAD; no sanitizers).
$(B)/tests/faultshim.so: tests/faults/shim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(WERROR) -O2 -shared -fPIC -o $@ $< -ldl

# libFuzzer binaries: clang, with AddressSanitizer and UndefinedBehaviorSanitizer.
FUZZ_FLAGS := -std=c11 -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE $(DEFS) -DNPK_FUZZING -O1 -g \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -Iinclude -Isrc/lib -Itests/fuzz $(PKG_CFLAGS)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/memfile.c $(LIB_SRC) $(wildcard include/*.h src/lib/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< tests/fuzz/memfile.c $(LIB_SRC) $(LIBS)
fuzz: $(FUZZ_BIN)
	@echo "fuzz: built $(FUZZ_BIN); run one with sh tests/fuzz/run.sh TARGET SECONDS"

# valgrind memcheck over the command, attack, vector, export and HTML suites: any memory error or leak in
# any newspack run makes it exit 99, which fails the check that ran it.
valgrind: all $(B)/tests/faultshim.so
	@printf '#!/bin/sh\nexec valgrind -q --trace-children=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "%s/newspack" "$$@"\n' "$(CURDIR)" > $(B)/valgrind-newspack
	@chmod +x $(B)/valgrind-newspack
	@for t in test_cli test_hostile test_vectors test_export test_export_warc test_html test_import test_warc; do \
		NPK_TEST_NP=$(CURDIR)/$(B)/valgrind-newspack NPK_INSTRUMENTED=1 sh tests/cli/$$t.sh > $(B)/valgrind-$$t.log 2>&1; \
		tail -n 1 $(B)/valgrind-$$t.log; \
	done

deps:
	@sh scripts/deps.sh

unit: $(B)/unit_tests
	cd tests/unit && ../../$(B)/unit_tests

# make cli-test [SUITE=name]: the command-line suites only (tests/cli/test_*.sh).
cli-test: all $(B)/unit_tests examples fuzz-replay $(B)/seal-vector $(B)/tests/faultshim.so
	@NPK_INSTRUMENTED=$(SANITIZE) NPK_MAKE_VARS="SANITIZE=$(SANITIZE) CI=$(CI)" sh tests/run-all.sh --cli $(SUITE)

check: deps
	@$(MAKE) --no-print-directory all $(B)/unit_tests examples fuzz-replay $(B)/seal-vector \
	    $(B)/tests/faultshim.so
	@NPK_INSTRUMENTED=$(SANITIZE) NPK_MAKE_VARS="SANITIZE=$(SANITIZE) CI=$(CI)" sh tests/run-all.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

# Benchmark (bench/README.md): corpus generator, then newspack against tar, pigz, zip and zim.
$(B)/bench-gen: bench/gen.c bench/words.h
	@mkdir -p $(B)
	$(CC) -std=c11 $(WARN) $(WERROR) $(CFLAGS) -o $@ bench/gen.c -lm
bench: all $(B)/bench-gen
	sh bench/run.sh

examples: examples/verify_list
examples/verify_list: examples/verify_list.c libnewspack.a
	$(CC) $(ALL_CFLAGS) -o $@ $< libnewspack.a $(LIBS)

# make install [PREFIX=/usr/local] [DESTDIR=]: the command, the library
# (static and shared), the header, a pkg-config file, the man pages and
# the bash completion. make uninstall removes exactly those.
LIBDIR  ?= $(PREFIX)/lib
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/^\#define NPK_VERSION_STRING "\(.*\)"/\1/p' include/newspack.h)
$(B)/newspack.pc: newspack.pc.in include/newspack.h
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(PKGS)|' \
	    -e 's|^libdir=.*|libdir=$(LIBDIR)|' newspack.pc.in > $@

install: all $(B)/newspack.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXECDIR)/newspack $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR)
	install -m 755 newspack $(DESTDIR)$(PREFIX)/bin/newspack
	install -m 755 newspack-full $(DESTDIR)$(LIBEXECDIR)/newspack/newspack-full
	install -m 644 libnewspack.a $(DESTDIR)$(LIBDIR)/libnewspack.a
	install -m 755 libnewspack.so $(DESTDIR)$(LIBDIR)/libnewspack.so.$(SOVER)
	ln -sf libnewspack.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libnewspack.so
	install -m 644 include/newspack.h $(DESTDIR)$(PREFIX)/include/newspack.h
	install -m 644 $(B)/newspack.pc $(DESTDIR)$(LIBDIR)/pkgconfig/newspack.pc
	install -m 644 man/newspack.1 $(DESTDIR)$(MANDIR)/man1/newspack.1
	install -m 644 man/npk.5 $(DESTDIR)$(MANDIR)/man5/npk.5
	install -m 644 contrib/newspack.bash-completion $(DESTDIR)$(COMPDIR)/newspack

uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/newspack/newspack-full
	-rmdir $(DESTDIR)$(LIBEXECDIR)/newspack 2>/dev/null
	rm -f $(DESTDIR)$(PREFIX)/bin/newspack $(DESTDIR)$(LIBDIR)/libnewspack.a \
	      $(DESTDIR)$(LIBDIR)/libnewspack.so $(DESTDIR)$(LIBDIR)/libnewspack.so.$(SOVER) \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/newspack.pc $(DESTDIR)$(PREFIX)/include/newspack.h \
	      $(DESTDIR)$(MANDIR)/man1/newspack.1 $(DESTDIR)$(MANDIR)/man5/npk.5 \
	      $(DESTDIR)$(COMPDIR)/newspack

clean:
	rm -rf $(B) newspack newspack-full libnewspack.a libnewspack.so demo examples/verify_list
