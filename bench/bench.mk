# make bench [SERVER=path/to/server]: the load benchmark (see bench/run.py).
.PHONY: bench
BENCH_SERVER ?= $(if $(SERVER),$(SERVER),$(BUILD)/server)

$(BUILD)/bench/loadgen: bench/loadgen.c | $(BUILD)/bench
	$(CC) $(CFLAGS_WARN) -O2 -g -o $@ $<

$(BUILD)/bench:
	mkdir -p $@

bench: $(BUILD)/bench/loadgen $(if $(SERVER),,$(BUILD)/server)
	$(PYTHON) bench/run.py --server $(BENCH_SERVER) --loadgen $(BUILD)/bench/loadgen \
		--out $(BUILD)/bench
