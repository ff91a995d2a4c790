# isotrace: two commands on a fresh Debian machine.
#   make audit   installs what is missing (as root), builds the release binary, audits this node
#   make test    builds and runs every test
SWIFT ?= swift
# libseccomp-dev: the CSeccomp system library target. util-linux gives unshare, setpriv, lsns and
# nsenter, which the live tests drive; python3 runs the simulated pilot and bubblewrap its
# isolated payload (`isotrace simulate`, used by the tests too).
SYSTEM_PACKAGES = libseccomp-dev util-linux python3 python3-venv bubblewrap openssl
RELEASE_BIN = .build/release/isotrace

.PHONY: all deps build release audit test clean

all: build

deps:
	@missing=""; \
	for package in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "isotrace: missing Debian packages:$$missing" >&2; \
	    echo "isotrace: run 'make deps' as root, or: sudo apt-get install -y$$missing" >&2; \
	    exit 2; \
	  fi; \
	  echo "isotrace: installing$$missing" >&2; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >&2 \
	    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >&2; }; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Exit 1 means "violations found": a result, not a failure of make.
audit: release
	@$(RELEASE_BIN) audit; status=$$?; \
	if [ $$status -eq 1 ]; then echo "isotrace: policy violations found (exit 1)" >&2; exit 0; fi; exit $$status

# The README's outside-verification recipe (tools/verify_records.py) needs the `cryptography` and
# `rfc8785` packages: a virtual environment for the test that runs it (skipped, with the reason,
# when PyPI cannot be reached).
PYVENV = .build/pyvenv

test: deps
	$(SWIFT) build
	@[ -x $(PYVENV)/bin/python3 ] || python3 -m venv $(PYVENV) >&2 || true
	@$(PYVENV)/bin/python3 -c "import cryptography, rfc8785" 2>/dev/null \
	  || $(PYVENV)/bin/pip install -q cryptography rfc8785 >&2 || echo "isotrace: no PyPI: the recipe test will skip" >&2
	ISOTRACE_PYTHON=$(CURDIR)/$(PYVENV)/bin/python3 $(SWIFT) test

clean:
	rm -rf .build
