# The two commands of the README: `make test` and `make run`.
# CMake does the building; this file only installs what is missing, picks
# build directories and runs ctest (plain, then under ASan+UBSan).

BUILD      ?= build
BUILD_SAN  ?= build-sanitize
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure

.PHONY: all deps build test test-plain test-sanitize test-fuzz run bench fuzz clean format

all: build

deps:
	@./scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: test-plain test-sanitize test-fuzz

# CI's bounded fuzzing: every target for FUZZ_CI_SECONDS (make fuzz runs longer).
FUZZ_CI_SECONDS ?= 20
test-fuzz: deps
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)

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

# libFuzzer targets (clang), fuzz/README.md. Each is built, then run for
# FUZZ_SECONDS on its seeds in fuzz/corpus/<target>; new inputs go to a
# scratch corpus in $(BUILD)/fuzz/<target>, never into the seeds, and a
# crash, leak or timeout input to $(BUILD)/fuzz/artifacts/<target>-*.
# `make fuzz FUZZ_TARGETS=http FUZZ_SECONDS=600` runs one target longer.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= ipc udp config http
FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		-DTEND_VERSION='"fuzz"'
FUZZ_ARGS    ?=
FUZZ_DIR      = $(BUILD)/fuzz

$(FUZZ_DIR)/fuzz_ipc: fuzz/fuzz_ipc.c $(wildcard ipc/*.c ipc/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iipc fuzz/fuzz_ipc.c ipc/*.c -o $@

$(FUZZ_DIR)/fuzz_udp: fuzz/fuzz_udp.c worker/udp.c worker/udp.h worker/log.c \
		worker/log.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iworker fuzz/fuzz_udp.c worker/udp.c \
		worker/log.c -lev -o $@

$(FUZZ_DIR)/fuzz_config: fuzz/fuzz_config.c $(wildcard config/*.c config/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iconfig fuzz/fuzz_config.c config/*.c \
		-lcjson -lm -Wl,--wrap=regcomp -o $@

$(FUZZ_DIR)/fuzz_http: fuzz/fuzz_http.c $(wildcard worker/http*.c worker/http*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iworker fuzz/fuzz_http.c worker/http_*.c \
		-lev -lhttp_parser -o $@

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@mkdir -p $(FUZZ_DIR)/artifacts
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/$$t || exit 1; \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=$${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- $(FUZZ_ARGS) \
			$(FUZZ_DIR)/$$t fuzz/corpus/$$t || exit 1; \
	done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
