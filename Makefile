# The two commands of the README. Both work on a fresh Debian 12 machine: missing packages are
# installed when we are root, otherwise the exact apt line is printed.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

BUILD_PACKAGES := cmake make g++ libboost1.81-dev libssl-dev liblmdb-dev nlohmann-json3-dev \
                  libpugixml-dev doctest-dev libisal-dev
TEST_PACKAGES := python3 python3-boto3 python3-prometheus-client awscli s3cmd rclone s3fs curl chromium

.PHONY: run test build deps-build deps-test clean

run: build
	$(BUILD_DIR)/server/xs3d --data-dir ./data

test: deps-test build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 --timeout 900

build: deps-build
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j$(JOBS)

deps-build:
	@tools/ensure-packages $(BUILD_PACKAGES)

deps-test:
	@tools/ensure-packages $(TEST_PACKAGES)
	@command -v node >/dev/null && command -v npm >/dev/null || tools/ensure-packages nodejs npm

clean:
	rm -rf $(BUILD_DIR)
