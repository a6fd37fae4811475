# chatlab: the instructors' Makefile.
#
#   make               build the reference server and client into build/
#   make test          every check: unit, integration, valgrind, ASan+UBSan, TSan
#   make demo          start a server and scripted clients, print the chat
#   make unit | integration | valgrind | asan | tsan    one stage of make test
#   make clean
#
# SRC picks the C sources (default: the reference in solution/); BUILD picks
# where the binaries go. The sanitizer stages rebuild everything under
# $(BUILD)/asan and $(BUILD)/tsan and rerun the tests against those builds.

SRC ?= solution
include tests/kit.mk

.PHONY: test demo clean skeleton skeleton-check handout handout-check

test: unit integration valgrind asan tsan
	@echo "make test: all stages passed"

demo: all
	$(PYTHON) tools/demo.py --build $(BUILD)

# ---- the student skeleton, generated from the solution's markers ----------

skeleton:
	$(PYTHON) tools/skelgen.py --src solution --out skeleton

# The committed skeleton must be exactly what the generator writes, and must
# build with warnings as errors.
skeleton-check:
	$(PYTHON) tools/skelgen.py --check --src solution --out skeleton
	$(MAKE) --no-print-directory all SRC=skeleton BUILD=$(BUILD)/skeleton

# ---- the student distribution -------------------------------------------------

HANDOUT = $(BUILD)/chatlab-handout.tar.gz

handout:
	$(PYTHON) tools/handout.py build --out $(HANDOUT) \
		$(if $(wildcard $(BUILD)/handouts),--rendered $(BUILD)/handouts)

# Unpacks the handout elsewhere, checks that no solution code leaked into it,
# and runs the students' make test there.
handout-check: handout
	$(PYTHON) tools/handout.py check $(HANDOUT)

clean:
	rm -rf $(BUILD)

# Optional parts of the kit keep their rules next to their sources.
-include bench/bench.mk
-include docker/docker.mk
