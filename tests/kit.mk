# kit.mk: how to build a source tree and run the kit's tests against it.
#
# Included by the instructors' Makefile (SRC = solution/) and by the students'
# Makefile in the handout (SRC = src/), so both build and test the same way.
#
#   all            $(BUILD)/server and $(BUILD)/client from $(SRC)
#   unit           build and run the Check unit tests
#   integration    pytest against $(BUILD)/server and $(BUILD)/client
#   quality        valgrind, ThreadSanitizer, threads/descriptors, idle CPU
#   valgrind       only the valgrind check: a multi-client session under memcheck
#   asan, tsan     unit + integration against sanitizer builds in
#                  $(BUILD)/asan and $(BUILD)/tsan

SRC    ?= src
BUILD  ?= build
CC     ?= gcc

CFLAGS_WARN = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS     ?= -O2 -g
CFLAGS_ALL  = $(CFLAGS_WARN) $(CFLAGS) $(SANITIZE) -pthread -I$(SRC)
LDFLAGS_ALL = $(LDFLAGS) $(SANITIZE) -pthread

CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

MODULES  = list protocol lineio net
OBJS     = $(MODULES:%=$(BUILD)/obj/%.o)
UNITS    = test_list test_protocol test_lineio
UNIT_BIN = $(UNITS:%=$(BUILD)/tests/%)

# Debian's pytest belongs to /usr/bin/python3, which need not be the python3
# first on PATH: take the first interpreter that can import pytest.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import pytest' >/dev/null 2>&1 && { command -v $$p; break; }; done)
PYTEST  = $(if $(PYTHON),$(PYTHON) -m pytest,$(error no Python with pytest found: \
	install Debian's python3-pytest (see README.md)))
PYTEST_FLAGS ?= -q -p no:cacheprovider

ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
TSAN_FLAGS = -fsanitize=thread

export ASAN_OPTIONS  = abort_on_error=1:detect_leaks=1:exitcode=86
export UBSAN_OPTIONS = halt_on_error=1:print_stacktrace=1:exitcode=86
export TSAN_OPTIONS  = halt_on_error=1:exitcode=86:second_deadlock_stack=1

.PHONY: all unit unit-run integration quality valgrind asan tsan
.DELETE_ON_ERROR:

all: $(BUILD)/server $(BUILD)/client

$(BUILD)/obj/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h) | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/server: $(BUILD)/obj/server.o $(OBJS)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

$(BUILD)/client: $(BUILD)/obj/client.o $(OBJS)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

# Each unit test links only the module it tests, so that a module that does
# not compile cannot cost the points of another.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/obj/%.o | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(LDFLAGS_ALL)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

# ---- the stages of make test -------------------------------------------

unit: $(UNIT_BIN)
	@$(MAKE) --no-print-directory unit-run

unit-run:
	@failed=0; for t in $(UNIT_BIN); do \
		echo "== $$t"; CK_VERBOSITY=normal $$t || failed=1; \
	done; exit $$failed

integration: all
	CHATLAB_BUILD=$(BUILD) $(PYTEST) $(PYTEST_FLAGS) tests/integration

# The quality checks need the ThreadSanitizer build of the server as well.
quality: all
	$(MAKE) --no-print-directory $(BUILD)/tsan/server BUILD=$(BUILD)/tsan \
		CFLAGS="-O1 -g" SANITIZE="$(TSAN_FLAGS)"
	CHATLAB_BUILD=$(BUILD) $(PYTEST) $(PYTEST_FLAGS) tests/quality

valgrind: all
	CHATLAB_BUILD=$(BUILD) $(PYTEST) $(PYTEST_FLAGS) tests/quality -k valgrind

SANITIZED = --no-print-directory CFLAGS="-O1 -g"

asan:
	$(MAKE) $(SANITIZED) all BUILD=$(BUILD)/asan SANITIZE="$(ASAN_FLAGS)"
	$(MAKE) $(SANITIZED) unit BUILD=$(BUILD)/asan SANITIZE="$(ASAN_FLAGS)"
	$(MAKE) $(SANITIZED) integration BUILD=$(BUILD)/asan SANITIZE="$(ASAN_FLAGS)"

tsan:
	$(MAKE) $(SANITIZED) all BUILD=$(BUILD)/tsan SANITIZE="$(TSAN_FLAGS)"
	$(MAKE) $(SANITIZED) unit BUILD=$(BUILD)/tsan SANITIZE="$(TSAN_FLAGS)"
	$(MAKE) $(SANITIZED) integration BUILD=$(BUILD)/tsan SANITIZE="$(TSAN_FLAGS)"
