# bench.mk: the load benchmark, included by the instructors' Makefile.
#
#   make bench                        the standard set against $(BUILD)/server,
#                                     and the same pairs against ngircd
#   make bench SERVER=path/to/server  the same against any server
#   make bench BENCH_ARGS="--seconds 5 --no-ngircd"   see bench/run.py --help
#   make bench BENCH_ARGS="--only pairs-100,slow"     some rows only
#   make bench-ngircd                 only the ngircd rows
#   make loadgen                      only build $(BUILD)/bench/loadgen
#
# Writes a table on standard output, $(BUILD)/bench/results.json and .csv,
# and the plot $(BUILD)/bench/latency.svg. See handouts/performance.md.

LOADGEN      = $(BUILD)/bench/loadgen
LOADGEN_SRCS = bench/loadgen.c bench/conn.c bench/dialect.c bench/hist.c \
	bench/procmon.c
BENCH_SERVER = $(if $(SERVER),$(SERVER),$(BUILD)/server)
# Only the standard library: any Python 3 will do if none has pytest.
BENCH_PYTHON = $(or $(PYTHON),python3)

.PHONY: bench bench-ngircd loadgen

loadgen: $(LOADGEN)

$(LOADGEN): $(LOADGEN_SRCS) $(wildcard bench/*.h) | $(BUILD)/bench
	$(CC) $(CFLAGS_WARN) -O2 -g -o $@ $(LOADGEN_SRCS)

$(BUILD)/bench:
	mkdir -p $@

# The reference is built first unless another server was named.
bench: $(LOADGEN) $(if $(SERVER),,$(BUILD)/server)
	$(BENCH_PYTHON) bench/run.py --server $(BENCH_SERVER) \
		--loadgen $(LOADGEN) --out $(BUILD)/bench $(BENCH_ARGS)

bench-ngircd: $(LOADGEN)
	$(BENCH_PYTHON) bench/run.py --ngircd-only --loadgen $(LOADGEN) \
		--out $(BUILD)/bench $(BENCH_ARGS)
