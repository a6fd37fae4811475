# chatlab: the instructors' Makefile.
#
#   make               build the reference server and client into build/
#   make test          every check: unit, integration, quality (valgrind, TSan,
#                      threads, descriptors, CPU), ASan+UBSan, TSan, the skeleton,
#                      the scores of solution and skeleton, make bench still
#                      working, the student handout
#   make demo          start a server and scripted clients, print the chat
#   make unit | integration | quality | valgrind | asan | tsan | bench-check
#                      one stage
#   make skeleton      regenerate skeleton/ from solution/'s markers
#   make handouts      render handouts/*.md to HTML and PDF in build/handouts
#   make handout       the student distribution, build/chatlab-handout.tar.gz
#   make clean
#
# SRC picks the C sources (default: the reference in solution/); BUILD picks
# where the binaries go. The sanitizer stages rebuild everything under
# $(BUILD)/asan and $(BUILD)/tsan and rerun the tests against those builds.

SRC ?= solution
include tests/kit.mk

.PHONY: test demo clean skeleton skeleton-check handout handout-check score-check \
	rubric handouts bench-check

# Adds new tests to tests/rubric.json and drops vanished ones (then set points).
rubric:
	$(PYTHON) tools/rubric.py --sync

# The stages run one after another, even under make -j: they start servers
# and measure threads and CPU time, which parallel stages would disturb.
TEST_STAGES = unit integration quality asan tsan skeleton-check score-check \
	bench-check handouts handout-check

test:
	@for stage in $(TEST_STAGES); do \
		$(MAKE) --no-print-directory $$stage || exit 1; \
	done
	@echo "make test: all stages passed"

# The scores, as students and the grader see them: the solution must get full
# marks, the untouched skeleton no more than what it gives away.
score-check: all
	$(PYTHON) tools/rubric.py --check
	$(PYTHON) tests/score.py --src solution --build $(BUILD) --require-full \
		--hidden tests/hidden
	$(PYTHON) tests/score.py --src skeleton --build $(BUILD)/skeleton \
		--hidden tests/hidden \
		--max-points $$($(PYTHON) -c 'import json; \
		print(json.load(open("tests/rubric.json")).get("skeleton_points", 0))')

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

# make bench must keep working: a short run of two rows must pass against the
# reference and fail, with the reason in the table, against the skeleton.
BENCH_CHECK = $(BENCH_PYTHON) bench/run.py --loadgen $(LOADGEN) --seconds 1 \
	--no-ngircd --repeat 1 --patience 5 --only pairs-10,slow

bench-check: all loadgen
	$(MAKE) --no-print-directory all SRC=skeleton BUILD=$(BUILD)/skeleton
	$(BENCH_CHECK) --server $(BUILD)/server --out $(BUILD)/bench-check
	@log=$(BUILD)/bench-check/skeleton.log; \
	if $(BENCH_CHECK) --server $(BUILD)/skeleton/server \
		--out $(BUILD)/bench-check/skeleton >$$log 2>&1; then \
		cat $$log; echo "bench-check: make bench passed against the skeleton"; exit 1; \
	elif ! grep -q "FAILED" $$log; then \
		cat $$log; echo "bench-check: no FAILED row against the skeleton"; exit 1; \
	fi; grep "FAILED" $$log | tail -1
	@echo "bench-check: make bench works, and fails cleanly against the skeleton"

# ---- the student distribution -------------------------------------------------

HANDOUT = $(BUILD)/chatlab-handout.tar.gz

# The handouts as HTML and PDF, in $(BUILD)/handouts (checked: pages exist).
handouts:
	$(PYTHON) tools/render_handouts.py --out $(BUILD)/handouts --check

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
-include grader/grader.mk
