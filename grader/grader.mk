# The grader: make grade grades the sample submissions and prints the table.
.PHONY: grade
grade:
	$(PYTHON) grader/samples.py $(BUILD)/samples
	$(PYTHON) grader/grade $(BUILD)/samples -o $(BUILD)/grades -j 2 --force
	$(PYTHON) grader/samples.py --check $(BUILD)/grades/grades.csv

# The Gradescope autograder: build/autograder.zip (see grader/gradescope.py).
.PHONY: autograder
autograder:
	$(PYTHON) grader/gradescope.py build $(BUILD)/autograder.zip

# The grader's own tests: unsafe archives, the sandbox from inside, hostile
# submissions beside a correct one, repeatability, the fallback (~4 minutes).
.PHONY: grader-test
grader-test:
	$(PYTEST) $(PYTEST_FLAGS) grader/tests

# The mutant corpus (tests/mutants, see its README): every mutant must lose
# points in its exercise; the correct variations (tests/variants) must keep
# full marks. make mutants takes about 20 minutes; CI runs mutants-fast.
.PHONY: mutants mutants-fast variants flaky
# A quick mutant for each exercise but 4, what CI grades on every change. Exercise
# 4's mutants all make tests wait out their time limits (a minute or more),
# so CI leaves them to make mutants.
FAST_MUTANTS = duplicate-names-allowed name-length-off-by-one cr-not-stripped \
	names-matched-by-prefix client-exits-on-first-message lookup-without-lock
mutants:
	$(PYTHON) tools/mutants.py run -j 2

mutants-fast:
	$(PYTHON) tools/mutants.py run -j 2 $(FAST_MUTANTS)

variants:
	$(PYTHON) tools/mutants.py variants -j 2

# The solution and two mutants graded 20 times each: any test whose outcome
# changes is flaky (about 18 minutes).
flaky:
	$(PYTHON) tools/mutants.py flaky -j 2
