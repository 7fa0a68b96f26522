# ipctool — see README.md. `make run` and `make check` install what is
# missing (scripts/install-deps), then build and run.
# Packagers: CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS are honoured,
# `make WERROR=` builds without -Werror, and `make V=1` shows compiler commands.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build

# The version is set in one place, the file VERSION; scripts/version adds
# development builds' git describe suffix and the date (HACKING.md, "Releasing").
# $(BUILD)/version.h and the man pages' .Dd and .Os lines are made from it.
VERSION_INFO := $(shell scripts/version)
VERSION := $(word 1,$(VERSION_INFO))
VERSION_DATE := $(word 2,$(VERSION_INFO))
DIST := ipctool-$(shell cat VERSION)
DIST_DIR ?= .

CC ?= gcc
PKGS := popt libbsd-overlay smartcols
# Evaluated when used, so that `make check` can install the packages first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

OPTFLAGS ?= -O2 -g
Q = $(if $(filter-out 0,$(V)),,@)
WERROR ?= -Werror
DEPFLAGS = -MMD -MP
CPPFLAGS_ALL = -D_GNU_SOURCE $(PKG_CFLAGS) $(CPPFLAGS)
CFLAGS_ALL = -std=gnu11 $(OPTFLAGS) -Wall -Wextra $(WERROR) $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lrt -lpthread -lm $(LDLIBS)

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
# Helper programs the bats suites run (tests/ipcobj.bash).
TEST_HELPERS := $(BUILD)/tests/ipcobj
MAN := $(sort $(wildcard man/*.[1-9]))
# The pages as installed: .Dd the version's date, .Os ipctool VERSION.
MAN_OUT := $(MAN:%=$(BUILD)/%)
BIN := $(BUILD)/ipctool
# The command table's names (cmd/main.c), read without running the binary
# (cross builds, uninstall after clean); tests/00-cli.bats checks it.
COMMANDS = $(shell sed -n '/^const struct cmd cmd_table\[\]/,/^};/s/^\t{ "\([a-z0-9-]*\)",.*/\1/p' \
	cmd/main.c)
.PHONY: all ipctool manpages deps run check test unit bats lint-man install uninstall dist clean \
	print-commands print-version asan asan-check analyze bench bench-compare fuzz fuzz-build \
	fuzz-long valgrind FORCE
all: ipctool manpages

# Phony, but ln runs only when the link is missing or points elsewhere.
ipctool: $(BIN)
	@[ "$$(readlink ipctool)" = $(BIN) ] || ln -sf $(BIN) ipctool

# Generated files are rewritten only when their text changes, so that what
# depends on them (main.o, the man pages) rebuilds only when the version does.
define replace_if_changed
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else echo "  GEN     $@"; mv $@.tmp $@; fi
endef

$(BUILD)/version.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define IPCTOOL_VERSION "%s"\n' '$(VERSION)' >$@.tmp
	$(replace_if_changed)

$(BUILD)/man.sed: FORCE
	@mkdir -p $(dir $@)
	@printf 's/^\\.Dd .*/.Dd %s/\ns/^\\.Os$$/.Os ipctool %s/\n' \
		"$$(LC_ALL=C date -u -d '$(VERSION_DATE)' '+%B %-d, %Y')" '$(VERSION)' >$@.tmp
	$(replace_if_changed)

$(BUILD)/man/%: man/% $(BUILD)/man.sed
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@sed -f $(BUILD)/man.sed $< >$@

manpages: $(MAN_OUT)

$(BUILD)/cmd/main.o: $(BUILD)/version.h
$(BUILD)/cmd/main.o: CPPFLAGS_ALL += -I$(BUILD)

# Each object also depends on the headers it includes ($(BUILD)/**/*.d, from -MMD).
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/libipctool.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(BUILD)/libipctool.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJ) $(BUILD)/libipctool.a $(LIBS_ALL)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/libipctool.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(UNIT_CMD_OBJ) $(BUILD)/libipctool.a -lcmocka $(LIBS_ALL)
# The pump's test links the engine's objects too (cmd/xfer.h).
XFER_PUMP_OBJ := $(addprefix $(BUILD)/cmd/,xfer.o xfer_pump.o xfer_meter.o common.o)
$(BUILD)/tests/unit/test_xfer_pump: $(XFER_PUMP_OBJ)
$(BUILD)/tests/unit/test_xfer_pump: UNIT_CMD_OBJ = $(XFER_PUMP_OBJ)

$(BUILD)/tests/ipcobj: $(BUILD)/tests/ipcobj.o $(BUILD)/libipctool.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

# Kept, so that a second make finds them up to date.
.SECONDARY: $(UNIT_BIN:=.o) $(TEST_HELPERS:=.o)
-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TEST_HELPERS:=.d)

# The cmocka tests and the helper programs the bats suites run.
unit: $(UNIT_BIN) $(TEST_HELPERS)

deps:
	@scripts/install-deps

# Install what is missing, build, and pipe ipctool instances together.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

# Install what is missing, build, run every test; ends with "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all unit
	@scripts/run-tests $(BUILD)

test: all unit
	@scripts/run-tests $(BUILD)

lint-man: $(MAN_OUT)
	mandoc -Tlint -Wwarning $(MAN) $(MAN_OUT)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan asan-check: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPTFLAGS='-O1 -g -fno-omit-frame-pointer' \
		SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
		build-asan/ipctool unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		IPCTOOL=$(CURDIR)/build-asan/ipctool scripts/run-tests build-asan

# Valgrind memcheck over every unit test and the end-to-end cases of
# tests/valgrind/*.bats (scripts/run-valgrind).
valgrind: deps
	@$(MAKE) --no-print-directory all unit
	@scripts/run-valgrind $(BUILD)

# libFuzzer: every tests/fuzz/fuzz_*.c is a target linked with lib/ built
# for fuzzing; seeds in tests/fuzz/corpus/<target>/, what the fuzzer finds
# in build-fuzz/corpus/<target>/, crashes in build-fuzz/crash-<target>-*.
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_TIME ?= 20
FUZZ_LONG_TIME ?= 600
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra $(WERROR) $(FUZZ_SAN)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/lib/%.o: lib/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) Makefile
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) $(DEPFLAGS) -MF $@.d -fsanitize=fuzzer \
		$(LDFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lrt -lpthread -lm $(LDLIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BIN:=.d)

fuzz-build: deps
	@$(MAKE) --no-print-directory -s $(FUZZ_BIN)

# Each target for FUZZ_TIME seconds (CI), or FUZZ_LONG_TIME with fuzz-long.
fuzz: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_BIN)

fuzz-long: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_LONG_TIME) $(FUZZ_BIN)

analyze: $(BUILD)/version.h
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE lib cmd
	clang-tidy --quiet $(LIB_SRC) $(CMD_SRC) -- -std=gnu11 $(CPPFLAGS_ALL) -I$(BUILD)

bench: all
	scripts/bench-streams
	scripts/bench-ls
	scripts/bench-mq
	scripts/bench-serve
	scripts/bench-ring-targets

# ipctool bench against perf bench sched pipe and dd | cat, and issue 6's targets.
bench-compare: all
	scripts/bench-compare

# Completions go where distributions look for them; bash-completion loads a
# command's completion by its name, so each ipctool-COMMAND link gets one too.
BINDIR = $(DESTDIR)$(PREFIX)/bin
MAN1DIR = $(DESTDIR)$(PREFIX)/share/man/man1
MAN7DIR = $(DESTDIR)$(PREFIX)/share/man/man7
BASHCOMPDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
LINKS = $(filter-out help,$(COMMANDS))

install: $(BIN) $(MAN_OUT)
	install -d $(BINDIR) $(MAN1DIR) $(MAN7DIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR)
	install -m 755 $(BIN) $(BINDIR)/ipctool
	for c in $(LINKS); do ln -sf ipctool $(BINDIR)/ipctool-$$c; done
	install -m 644 $(filter %.1,$(MAN_OUT)) $(MAN1DIR)
	install -m 644 $(filter %.7,$(MAN_OUT)) $(MAN7DIR)
	install -m 644 completions/ipctool.bash $(BASHCOMPDIR)/ipctool
	for c in $(LINKS); do ln -sf ipctool $(BASHCOMPDIR)/ipctool-$$c; done
	install -m 644 completions/ipctool.zsh $(ZSHCOMPDIR)/_ipctool
	install -m 644 completions/ipctool.fish $(FISHCOMPDIR)/ipctool.fish
	for c in $(LINKS); do ln -sf ipctool.fish $(FISHCOMPDIR)/ipctool-$$c.fish; done

uninstall:
	rm -f $(BINDIR)/ipctool $(COMMANDS:%=$(BINDIR)/ipctool-%)
	rm -f $(addprefix $(MAN1DIR)/,$(notdir $(filter %.1,$(MAN))))
	rm -f $(addprefix $(MAN7DIR)/,$(notdir $(filter %.7,$(MAN))))
	rm -f $(BASHCOMPDIR)/ipctool $(COMMANDS:%=$(BASHCOMPDIR)/ipctool-%) \
		$(ZSHCOMPDIR)/_ipctool $(FISHCOMPDIR)/ipctool.fish \
		$(COMMANDS:%=$(FISHCOMPDIR)/ipctool-%.fish)

# DIST_DIR/ipctool-VERSION.tar.gz from HEAD (git archive), with the version
# and date baked in (.tarball-version), so that it builds without git.
dist:
	@[ -e .git ] || { echo "make dist: needs a git checkout" >&2; exit 1; }
	@git diff-index --quiet HEAD -- || \
		echo "make dist: warning: uncommitted changes are not in the tarball" >&2
	@rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist $(DIST_DIR)
	@git archive --prefix=$(DIST)/ HEAD | tar -x -C $(BUILD)/dist
	@scripts/version --committed | tr ' ' '\n' >$(BUILD)/dist/$(DIST)/.tarball-version
	@tar -C $(BUILD)/dist -c --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$(git log -1 --format=%ct) $(DIST) | gzip -9n >$(DIST_DIR)/$(DIST).tar.gz
	@echo "$(DIST_DIR)/$(DIST).tar.gz: ipctool $$(head -1 $(BUILD)/dist/$(DIST)/.tarball-version)"
	@rm -rf $(BUILD)/dist

clean:
	rm -rf build build-asan build-fuzz $(BUILD) $(FUZZ_BUILD) ipctool

# The names `make install` links as ipctool-NAME (and help), one a line.
print-commands:
	@printf '%s\n' $(COMMANDS)

# The version `ipctool --version` prints and its date.
print-version:
	@echo '$(VERSION) $(VERSION_DATE)'
