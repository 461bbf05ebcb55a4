# XRayVision: the commands a newcomer types. Every target installs what is
# missing first (scripts/setup is idempotent and quick when all is present).

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CONFIG ?= xrayvision.cfg

.PHONY: setup configure build assets run test test-unit test-actor test-e2e test-browser bench-http bench-store format clean

setup:
	@scripts/setup

configure: setup
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Vendored web assets come from node_modules (pinned in package-lock.json).
static/vendor/pico.min.css static/vendor/chart.umd.min.js: package-lock.json | setup
	@mkdir -p static/vendor
	@cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
	@cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js

assets: static/vendor/pico.min.css static/vendor/chart.umd.min.js

run: build assets
	$(BUILD_DIR)/xrayvision --config $(CONFIG)

test: build assets
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 300

test-unit test-actor test-e2e test-browser: build assets
	@cd $(BUILD_DIR) && ctest --output-on-failure -L $(subst test-,,$@)

bench-http: build assets
	@bench/http

bench-store: build assets
	@bench/store

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
