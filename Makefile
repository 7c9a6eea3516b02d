# make book  — build build/<slug>.pdf and build/<slug>.epub from manuscript/
# make book-spoiler-free — the same without the pieces tagged as spoilers
# make book-large-print — the large-print edition (A4, 17 pt), beside the others: build/<slug>-large-print.*
# make web   — build/<slug>-web/, the book as a small static site (and build/<slug>-web.zip to pass on)
# make zine  — build/<slug>-zine.pdf, imposed for duplex printing and folding
# make preview — PNGs of the spreads and imposed sheets in build/preview/
# make serve — the web edition live at http://127.0.0.1:8000/, rebuilt on every save (Ctrl-C stops)
# make a11y  — DAISY Ace on the EPUBs (report in build/a11y/), then publish check
# make bench — build time and memory (huge images too) against targets; N = 10/100/300 pieces against pandoc (benchmarks/RESULTS.md)
# make fuzz  — property-based tests at length (random manuscripts, EPUBCheck)
# make test  — run the test suite (builds the sample book, runs EPUBCheck)
# make lint  — ruff (lint and format check) and mypy
# make check — validate what is in build/
# make clean — remove build outputs

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SOURCES := $(shell find manuscript styles publish -type f -not -name '*.pyc' 2>/dev/null) pyproject.toml

# System libraries: WeasyPrint needs Pango; EPUBCheck needs Java.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 default-jre-headless

.PHONY: book book-spoiler-free book-large-print web zine preview serve a11y bench test lint fuzz test-deps check clean system-deps

book: build/.book

build/.book: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build
	@touch $@

book-spoiler-free: build/.book-spoiler-free

build/.book-spoiler-free: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --spoiler-free
	@touch $@

book-large-print: build/.book-large-print

build/.book-large-print: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --theme large-print
	@touch $@

web: build/.web

build/.web: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --format html
	@touch $@

zine: build/.zine

build/.zine: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --format pdf --impose saddle
	@touch $@

preview: book zine
	$(BIN)/publish preview --out build

serve: $(INSTALLED)
	$(BIN)/publish serve --out build

# DAISY Ace, from npm, run in Debian's Chromium (never a browser it downloads).
ACE_VERSION := 1.4.6
ACE := $(VENV)/ace/node_modules/.bin/ace-cli
CHROMIUM ?= /usr/bin/chromium

$(ACE): | $(INSTALLED)
	@command -v npm >/dev/null 2>&1 || { echo "make a11y needs Node.js and npm: sudo apt-get install nodejs npm"; exit 1; }
	@test -x $(CHROMIUM) || { 	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then 	    echo "Installing Chromium for DAISY Ace"; apt-get update -qq && apt-get install -y -qq chromium >/dev/null; 	  else echo "make a11y needs Chromium at $(CHROMIUM): sudo apt-get install chromium"; exit 1; fi; }
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix $(VENV)/ace @daisy/ace-cli@$(ACE_VERSION)

a11y: book $(ACE)
	@for epub in build/*.epub; do 	  name=$$(basename $$epub .epub); 	  PUPPETEER_EXECUTABLE_PATH=$(CHROMIUM) $(ACE) --silent --force --outdir build/a11y/$$name $$epub || exit 1; 	  echo "DAISY Ace report: build/a11y/$$name/report.html"; 	done
	$(BIN)/publish check --out build

# A test file's tests on one worker: the book a file's tests share is built once, not once by each worker.
test: lint | test-deps
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# calibre converts the EPUB for Kindle in one test; Chromium (driven by Playwright) and axe-core (from npm)
# open the web edition in others. Where one cannot be installed, its tests are skipped and say why.
AXE_CORE_VERSION := 4.10.3
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
test-deps:
	@command -v ebook-convert >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing calibre for the Kindle conversion test"; \
	    (apt-get update -qq && apt-get install -y -qq calibre >/dev/null) || echo "calibre could not be installed: that test will be skipped"; \
	  else echo "calibre is not installed: the Kindle conversion test will be skipped"; fi; }
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the web edition's browser tests"; \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "Chromium could not be installed: the browser tests will be skipped"; \
	  else echo "Chromium is not installed: the browser tests will be skipped"; fi; }
	@test -f $(AXE) || { \
	  if command -v npm >/dev/null 2>&1; then \
	    npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@$(AXE_CORE_VERSION) || echo "axe-core could not be installed: the accessibility test will be skipped"; \
	  else echo "npm is not installed: the accessibility test will be skipped"; fi; }

fuzz: $(INSTALLED)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -n 2 -p no:cacheprovider -o timeout=0 tests/test_properties.py --hypothesis-show-statistics

# The package's bytecode is compiled first, as a user's Python writes it on the first run: where
# PYTHONDONTWRITEBYTECODE is set, every timed run would otherwise compile the package again.
# Vivliostyle CLI, from npm, is a peer in bench_scale.py: run in Debian's Chromium (test-deps installs it).
VIVLIOSTYLE_VERSION := 11.3.3
VIVLIOSTYLE := $(VENV)/vivliostyle/node_modules/.bin/vivliostyle
bench: $(INSTALLED) | test-deps
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@test -x $(VIVLIOSTYLE) || { \
	  if command -v npm >/dev/null 2>&1; then \
	    PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix $(VENV)/vivliostyle @vivliostyle/cli@$(VIVLIOSTYLE_VERSION) || echo "Vivliostyle CLI could not be installed: its column stays empty"; \
	  else echo "npm is not installed: the Vivliostyle column stays empty"; fi; }
	$(BIN)/python -m compileall -q publish
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_images.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_limits.py

check: book
	$(BIN)/publish check --out build

clean:
	rm -rf build .pytest_cache

$(INSTALLED): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# Say clearly what is missing; install it where this machine allows (root + apt).
# Fallback faces are optional: without them, scripts and symbols the theme's
# fonts lack (Hebrew, Arabic, CJK, emoji) print as empty boxes.
FONT_PACKAGES := fonts-freefont-otf fonts-droid-fallback fonts-symbola
system-deps:
	@missing=""; packages=""; \
	$(PYTHON) -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("pango-1.0"))' || { missing="$$missing Pango"; packages="$(APT_PACKAGES)"; }; \
	command -v java >/dev/null 2>&1 || { missing="$$missing Java"; packages="$(APT_PACKAGES)"; }; \
	for family in FreeSerif "Droid Sans Fallback" Symbola; do \
	  fc-list ":family=$$family" family 2>/dev/null | grep -q . || fonts="$(FONT_PACKAGES)"; \
	done; \
	if [ -n "$$packages$$fonts" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing system packages:$$missing$${fonts:+ fallback fonts}"; \
	  apt-get update -qq && apt-get install -y -qq $$packages $$fonts >/dev/null; \
	elif [ -n "$$packages" ]; then \
	  echo "Missing system packages:$$missing."; \
	  echo "  Debian/Ubuntu: sudo apt-get install $(APT_PACKAGES)"; \
	  echo "  macOS:         brew install pango openjdk"; \
	  exit 1; \
	elif [ -n "$$fonts" ]; then \
	  echo "Optional fallback fonts are missing: sudo apt-get install $(FONT_PACKAGES)"; \
	fi
