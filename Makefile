# The two commands of the README. Both work on a fresh Debian 12 machine: missing packages are
# installed when we are root, otherwise the exact apt line is printed.
BUILD_DIR ?= build
# The same tests again against an ASan+UBSan build (clang), which also holds the fuzz targets.
SANITIZE_BUILD_DIR ?= build-sanitize
JOBS ?= $(shell nproc)

BUILD_PACKAGES := cmake make g++ libboost1.81-dev libssl-dev liblmdb-dev nlohmann-json3-dev \
                  libpugixml-dev doctest-dev libisal-dev
TEST_PACKAGES := python3 python3-boto3 python3-prometheus-client awscli s3cmd rclone s3fs curl chromium
# clang 14 and its runtimes (libFuzzer, ASan, UBSan) for the sanitized tree.
SANITIZE_PACKAGES := clang-14 libclang-rt-14-dev
# Not run sanitized: the aws CLI suites spawn hundreds of CLI processes (165 s each under ASan vs
# 26 s), and every server path they drive is driven by the boto3, s3cmd and rclone suites too.
# conformance.soak is not run sanitized either: it asserts a flat RSS, and ASan's quarantine and
# shadow memory grow by design (140 MiB in 20 s); the Release run keeps that check.
SANITIZE_CTEST_EXCLUDE := ^conformance\.(awscli_|soak$$)

FUZZ_TARGETS := request_head request_bodies sigv4 aws_chunked session_token
FUZZ_RUNS ?= 10000000

.PHONY: run test build build-sanitize test-sanitize fuzz-long deps-build deps-test deps-sanitize clean

run: build
	$(BUILD_DIR)/server/xs3d --data-dir ./data

test: deps-test build build-sanitize
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 --timeout 900
	UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(SANITIZE_BUILD_DIR) --output-on-failure -j2 --timeout 900 \
	  -E '$(SANITIZE_CTEST_EXCLUDE)'

# Only the sanitized tree: unit tests, conformance suites against the ASan+UBSan xs3d, and each
# fuzz target for XS3_FUZZ_SECONDS (fuzz/README.md).
test-sanitize: deps-test build-sanitize
	UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(SANITIZE_BUILD_DIR) --output-on-failure -j2 --timeout 900 \
	  -E '$(SANITIZE_CTEST_EXCLUDE)'

build-sanitize: deps-build deps-sanitize
	cmake -S . -B $(SANITIZE_BUILD_DIR) -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_C_COMPILER=clang-14 \
	      -DCMAKE_CXX_COMPILER=clang++-14 -DXS3_SANITIZE=ON -DXS3_FUZZ=ON
	cmake --build $(SANITIZE_BUILD_DIR) -j$(JOBS)

# The documented long fuzz run (fuzz/README.md): FUZZ_RUNS executions of each target in turn, in
# a tree of its own built for throughput: -O2 with UBSan and asserts, without ASan (twice the
# executions per second; the ASan tree fuzzes every target in `make test`).
FUZZ_LONG_BUILD_DIR ?= build-fuzz-long
fuzz-long: deps-build deps-sanitize
	cmake -S . -B $(FUZZ_LONG_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 \
	      -DCMAKE_CXX_COMPILER=clang++-14 -DXS3_FUZZ=ON -DCMAKE_CXX_FLAGS_RELEASE=-O2 \
	      "-DCMAKE_CXX_FLAGS=-fsanitize=undefined -fno-sanitize-recover=all" \
	      -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=undefined
	cmake --build $(FUZZ_LONG_BUILD_DIR) -j$(JOBS) --target $(FUZZ_TARGETS:%=%_fuzzer)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_LONG_BUILD_DIR)/fuzz/corpus-$$t && \
	  $(FUZZ_LONG_BUILD_DIR)/fuzz/$${t}_fuzzer -runs=$(FUZZ_RUNS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_LONG_BUILD_DIR)/fuzz/crash-$$t- $(FUZZ_LONG_BUILD_DIR)/fuzz/corpus-$$t fuzz/corpus/$$t \
	    > $(FUZZ_LONG_BUILD_DIR)/fuzz/long-$$t.log 2>&1; rc=$$?; \
	  echo "== $$t"; grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
	    $(FUZZ_LONG_BUILD_DIR)/fuzz/long-$$t.log; \
	  if [ $$rc -ne 0 ]; then tail -n 60 $(FUZZ_LONG_BUILD_DIR)/fuzz/long-$$t.log; exit 1; fi; \
	done

build: deps-build
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j$(JOBS)

deps-build:
	@tools/ensure-packages $(BUILD_PACKAGES)

deps-sanitize:
	@tools/ensure-packages $(SANITIZE_PACKAGES)

deps-test:
	@tools/ensure-packages $(TEST_PACKAGES)
	@command -v node >/dev/null && command -v npm >/dev/null || tools/ensure-packages nodejs npm

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_BUILD_DIR)
