# The two commands of the README: `make test` and `make run`.
# CMake does the building; this file only installs what is missing, picks
# build directories and runs ctest (plain, then under ASan+UBSan).

BUILD      ?= build
BUILD_SAN  ?= build-sanitize
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build test test-plain test-sanitize run bench fuzz clean format

all: build

deps:
	@./scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: test-plain test-sanitize

test-plain: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

test-sanitize: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DTEND_SANITIZE=ON >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS)

run: build
	cd examples/site && exec ../../$(BUILD)/supervisor/tend

bench: build
	./bench/run-all

# libFuzzer targets (clang); FUZZ_SECONDS per target. New inputs go to a
# scratch corpus under $(BUILD), never into the seeds in fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	mkdir -p $(BUILD)/fuzz/ipc
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		-Iipc fuzz/fuzz_ipc.c ipc/*.c -o $(BUILD)/fuzz/fuzz_ipc
	$(BUILD)/fuzz/fuzz_ipc -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/ipc fuzz/corpus/ipc

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
