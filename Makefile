# Threadline: every target sets up what it needs from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo
SCALE ?= small
SEED ?= 7

.PHONY: install chromium java demo test lint bench bench-scale clean

install: $(STAMP) chromium java

# Java 17 for the Spark engine and its tests (Debian's headless JRE), when missing and root.
java:
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; } || echo "warning: java not installed: the Spark engine and its tests are unavailable"

# Debian's Chromium for the workbench's browser tests (Playwright drives it; no browser download).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || echo "warning: chromium not installed: browser tests will be skipped"

# Debian packages that pip builds against (vPDQ, PyICU); installed when missing and root.
# libicu-dev: PyICU (needed by followthemoney) builds from source against it.
BUILD_APT := libicu-dev ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev pkg-config cmake g++

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	dpkg -s $(BUILD_APT) >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BUILD_APT); } || echo "warning: $(BUILD_APT) not installed: vPDQ (and PyICU) may not build"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet -e '.[video]' || echo "warning: vpdq did not build: video hashing unavailable (see docs/media.md)"
	touch $(STAMP)

demo: install
	$(BIN)/python -m threadline.demo --out $(DEMO_DIR) --scale $(SCALE) --seed $(SEED)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/ingest.py

# Scale bench (docs/scaling.md): synth, CLI ingest, analyze, export and findings per scale.
# One scale: make bench-scale SCALES=medium SEEDS=7; reuse a delivery or an ingested case
# (copied before analysis): make bench-scale SCALES=europol SEEDS=7 DATA=/tmp/europol CASE=/tmp/eu_case
SCALES ?= small medium europol
SEEDS ?= 7 8
ENGINES ?= duckdb spark
SPARK_SCALES ?= small
bench-scale: install
	nice $(BIN)/python bench/scale.py --scales "$(SCALES)" --seeds "$(SEEDS)" \
		--engines "$(ENGINES)" --spark-scales "$(SPARK_SCALES)" \
		$(if $(DATA),--data "$(DATA)") $(if $(CASE),--case "$(CASE)") $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DIR) bench/out
