# Switchboard: `make run` installs what is needed, builds and serves; `make test` runs every test.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 180
JOBS ?= $(shell nproc)

.PHONY: all setup build server run test test-sanitize fuzz bench faults clean

all: build

setup:
	@scripts/setup.sh run

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The gateway alone: a new user's first `make run` compiles no test or benchmark.
server: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target switchboard

run: server
	@mkdir -p var
	./$(BUILD)/switchboard serve

test:
	@scripts/run-tests.sh $(BUILD) Release

test-sanitize:
	@scripts/run-tests.sh $(ASAN_BUILD) Debug -DSWITCHBOARD_SANITIZE=ON -DSWITCHBOARD_BENCH=OFF

# Every libFuzzer target for FUZZ_SECONDS each, one after the other (docs/fuzzing.md).
fuzz:
	@scripts/setup.sh test
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_BUILD)

bench: build
	@bench/run.sh $(BUILD)

# The fault campaigns' long forms (docs/reliability.md): FAULT_MINUTES, KILLS, RESTARTS, FILLS.
faults: build
	@scripts/setup.sh test
	@tests/faults/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
