# ipctool — see README.md. `make run` and `make check` install what is
# missing (scripts/install-deps), then build and run.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

CC ?= gcc
PKGS := popt libbsd-overlay smartcols
# Evaluated when used, so that `make check` can install the packages first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

OPTFLAGS ?= -O2 -g
CFLAGS_ALL = -std=gnu11 $(OPTFLAGS) -Wall -Wextra -Werror -D_GNU_SOURCE \
	$(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lrt -lpthread -lm $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
MAN := $(sort $(wildcard man/*.[1-9]))
BIN := $(BUILD)/ipctool

.PHONY: all deps run check test unit bats lint-man install uninstall clean \
	asan asan-check analyze bench bench-compare fuzz fuzz-build fuzz-long valgrind
all: ipctool

ipctool: $(BIN)
	@ln -sf $(BIN) ipctool

$(BUILD)/cmd/main.o: CFLAGS_ALL += -DIPCTOOL_VERSION='"$(VERSION)"'

$(BUILD)/%.o: %.c $(wildcard lib/*.h cmd/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libipctool.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(BUILD)/libipctool.a
	@echo "  LD      $@"
	@$(CC) -o $@ $(CMD_OBJ) $(BUILD)/libipctool.a $(LDLIBS_ALL)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libipctool.a $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libipctool.a $(LDLIBS_ALL) -lcmocka
# The pump's test links the engine's objects too (cmd/xfer.h).
$(BUILD)/tests/unit/test_xfer_pump: $(addprefix $(BUILD)/cmd/,xfer.o xfer_pump.o xfer_meter.o common.o)
$(BUILD)/tests/unit/test_xfer_pump: LDLIBS_ALL += $(filter %.o,$^) $(BUILD)/libipctool.a $(PKG_LIBS)

unit: $(UNIT_BIN)

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

lint-man:
	mandoc -Tlint -Wwarning $(MAN)

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
FUZZ_CFLAGS = -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-D_GNU_SOURCE $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) \
		$(PKG_LIBS) -lrt -lpthread -lm

fuzz-build: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

# Each target for FUZZ_TIME seconds (CI), or FUZZ_LONG_TIME with fuzz-long.
fuzz: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_BIN)

fuzz-long: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_LONG_TIME) $(FUZZ_BIN)

analyze:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE lib cmd
	clang-tidy --quiet $(LIB_SRC) $(CMD_SRC) -- -std=gnu11 -D_GNU_SOURCE $(PKG_CFLAGS)

bench: all
	scripts/bench-streams
	scripts/bench-ls
	scripts/bench-mq

# ipctool bench against perf bench sched pipe and dd | cat, and issue 6's targets.
bench-compare: all
	scripts/bench-compare

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ipctool
	for c in $$($(BIN) help --commands | grep -vx help); do \
		ln -sf ipctool $(DESTDIR)$(PREFIX)/bin/ipctool-$$c; done
	install -m 644 $(filter %.1,$(MAN)) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(filter %.7,$(MAN)) $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 completions/ipctool.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ipctool
	install -m 644 completions/ipctool.zsh $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ipctool
	install -m 644 completions/ipctool.fish \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ipctool.fish

uninstall:
	for c in $$($(BIN) help --commands); do rm -f $(DESTDIR)$(PREFIX)/bin/ipctool-$$c; done
	rm -f $(DESTDIR)$(PREFIX)/bin/ipctool
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(filter %.1,$(MAN))))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man7/,$(notdir $(filter %.7,$(MAN))))
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ipctool \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ipctool \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ipctool.fish

clean:
	rm -rf build build-asan build-fuzz ipctool
