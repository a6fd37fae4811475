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
