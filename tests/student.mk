# chatlab: your Makefile.
#
#   make                  build build/server and build/client from src/
#   make test             build, run every test, print your points per exercise
#   make test EX=3        only exercise 3's tests
#   make demo             watch a server and three scripted clients chat
#   make bench            a load benchmark of your server (handouts/performance.md)
#   make submit ID=jdoe42 pack your files into jdoe42.tar.gz, to hand in
#   make clean
#
# Your code is in src/. The tests are in tests/; tests/kit.mk holds the build
# rules. See handouts/assignment.html for the exercises.

SRC ?= src
include tests/kit.mk
-include bench/bench.mk

STUDENT_FILES := $(shell $(PYTHON) -c 'import json; \
	print(" ".join(json.load(open("tests/rubric.json"))["student_files"]))')

.PHONY: test demo submit clean

test:
	@$(PYTHON) tests/score.py --src $(SRC) --build $(BUILD) $(if $(EX),--ex $(EX))

demo: all
	$(PYTHON) tools/demo.py --build $(BUILD)

submit:
	@case "$(ID)" in \
	  "") echo "make submit: say who you are: make submit ID=<your student id>" >&2; exit 2;; \
	  *[!A-Za-z0-9._-]*) echo "make submit: an ID has only letters, digits, '.', '_' and '-'" >&2; exit 2;; \
	esac
	@$(MAKE) --no-print-directory -s all >/dev/null 2>&1 || { \
	  echo "make submit: your code does not build; run 'make' to see why, fix it, then submit" >&2; \
	  exit 1; }
	@tar -czf "$(ID).tar.gz" --owner=0 --group=0 --numeric-owner \
	  $(STUDENT_FILES:%=$(SRC)/%)
	@echo "make submit: wrote $(ID).tar.gz with $(STUDENT_FILES:%=$(SRC)/%)"

clean:
	rm -rf $(BUILD)
