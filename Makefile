# make book  — build build/<slug>.pdf and build/<slug>.epub from manuscript/
# make book-spoiler-free — the same without the pieces tagged as spoilers
# make zine  — build/<slug>-zine.pdf, imposed for duplex printing and folding
# make preview — PNGs of the spreads and imposed sheets in build/preview/
# make test  — run the test suite (builds the sample book, runs EPUBCheck)
# make check — validate what is in build/
# make clean — remove build outputs

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SOURCES := $(shell find manuscript styles publish -type f -not -name '*.pyc' 2>/dev/null) pyproject.toml

# System libraries: WeasyPrint needs Pango; EPUBCheck needs Java.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 default-jre-headless

.PHONY: book book-spoiler-free zine preview test check clean system-deps

book: build/.book

build/.book: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build
	@touch $@

book-spoiler-free: build/.book-spoiler-free

build/.book-spoiler-free: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --spoiler-free
	@touch $@

zine: build/.zine

build/.zine: $(INSTALLED) $(SOURCES)
	$(BIN)/publish build --out build --format pdf --impose saddle
	@touch $@

preview: book zine
	$(BIN)/publish preview --out build

test: $(INSTALLED)
	$(BIN)/pytest -n 2

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
system-deps:
	@missing=""; \
	$(PYTHON) -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("pango-1.0"))' || missing="$$missing Pango"; \
	command -v java >/dev/null 2>&1 || missing="$$missing Java"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing missing system packages:$$missing"; \
	    apt-get update -qq && apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing."; \
	    echo "  Debian/Ubuntu: sudo apt-get install $(APT_PACKAGES)"; \
	    echo "  macOS:         brew install pango openjdk"; \
	    exit 1; \
	  fi; \
	fi
