# isotrace: two commands on a fresh Debian machine.
#   make audit   installs what is missing (as root), builds the release binary, audits this node
#   make test    builds and runs every test
#   make bench   (as root) times the samplers on node-shaped processes (bench/): the small shape at
#                1,000 and 10,000, the realistic one (ATLAS transforms, 1-25 KiB environments) at
#                2,000 and 10,000
#                and the secret redactor before and after its byte-level rewrite (make bench-redaction),
#                and epoch keys: a rotation's cost, verify over 1,000,000 records (make bench-epochs),
#                then the process event source under 500-10,000 execs/s (make bench-events)
#   make bench-eventpath   the daemon's work per process the event source sees, alone (no root)
#   make bench-ab BASE=<commit>   (as root) an older commit's release binary against today's on the
#                same node in one run, interleaved, with the C reader between them: CPU and wall
#                time, callgrind instructions and system calls (bench/abtest.py; OLD=<binary> instead
#                of BASE uses a binary already built)
SWIFT ?= swift
CC ?= cc
# libseccomp-dev: the CSeccomp system library target; libssl-dev: CLibcrypto (libcrypto signs
# records: Records/Ed25519EVPKey.swift). util-linux gives unshare, setpriv, lsns and
# nsenter, which the live tests drive; python3 runs the simulated pilot and bubblewrap its
# isolated payload (`isotrace simulate`, used by the tests too).
# libbpf-dev and xxd: the BPF task iterator (Sources/CTaskIter; its object is compiled with the
# Swift toolchain's clang -target bpf and embedded as a byte array); bpftool to inspect it.
# python3-venv and openssl: the records tests (the outside-verification recipe, key interop);
# openssl also makes the CA and certificates of the central store's TLS test.
# strace, rsyslog, python3-prometheus-client: the daemon's tests (tracing, a real rsyslogd, metrics parsing).
# chromium: the HTML report tests render a report headless to a PNG (skipped, with the reason, without it).
SYSTEM_PACKAGES = libseccomp-dev libssl-dev util-linux python3 python3-venv bubblewrap openssl libbpf-dev bpftool xxd \
	strace rsyslog python3-prometheus-client \
	chromium
# postgresql-15 (initdb, pg_ctl, postgres) and postgresql-client-15 (psql): the central-store tests
# start their own server on loopback (Tests/CentralStoreTests); nothing else uses them.
SYSTEM_PACKAGES += postgresql-15 postgresql-client-15
# The packaging (issue 19; dist/): debootstrap makes the minimal Debian 12 root the release binary
# and the .deb are tried in; rpm gives rpmbuild for `make rpm` and rpm for its tests; binutils gives
# readelf, objdump and objcopy (the EL9 baseline check, the stripped binary and its debug file);
# groff-base and man-db render the man pages (man -l); bash-completion drives the completion test.
SYSTEM_PACKAGES += debootstrap rpm binutils groff-base man-db bash-completion
# gcc and libc6-dev: the LD_PRELOAD escape probe (Tests/LiveTests/EscapeProbe) and the bench tools are
# compiled with cc; passwd gives useradd/userdel for the daemon-as-its-own-user tests.
SYSTEM_PACKAGES += gcc libc6-dev passwd
# slurm-wlm (slurmctld, slurmd, sbatch) and munge: the batch-system live test starts its own
# single-node Slurm with cgroup tracking under a temporary directory (Tests/LiveTests/LocalSlurm.swift).
SYSTEM_PACKAGES += slurm-wlm munge
# Where SwiftPM builds (`make bench SCRATCH=.build-mine` keeps a second build apart).
SCRATCH ?= .build
RELEASE_BIN = $(SCRATCH)/release/isotrace
BENCH_TOOLS = $(SCRATCH)/bench

.PHONY: all deps build release audit test bench clean

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

build: deps bpf-object
	$(SWIFT) build

# The Swift runtime and Foundation are linked in statically: the binary runs on worker nodes that
# have no Swift toolchain, and loads only the pages it uses (the daemon's file-backed RSS).
# For the EL9 baseline (dist/el9-baseline.txt) libstdc++ is linked statically too: a directory
# holding only libstdc++.a comes before GCC's in the linker's search, so -lstdc++ finds the
# archive. libbpf.a is linked by Package.swift in release builds (libelf and zlib stay shared: EL9
# has them); hypot's and arc4random's versions are dealt with in Sources/CGlibcCompat. Then `make release` leaves what is shipped in $(DIST): the stripped binary,
# its debug info (isotrace.debug, named by .gnu_debuglink, same build-id), the man pages generated
# from the command definitions and the README's examples, and the bash/zsh/fish completions.
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/isotrace/Isotrace.swift)
DIST = $(SCRATCH)/dist
STATIC_LIBS = $(SCRATCH)/el9-static
RELEASE_FLAGS = -c release --static-swift-stdlib --scratch-path $(SCRATCH) \
	-Xlinker -L$(abspath $(STATIC_LIBS)) -Xlinker --build-id=sha1
release: deps bpf-object
	@mkdir -p $(STATIC_LIBS)
	@for archive in libstdc++.a; do \
	  path=$$($(CC) -print-file-name=$$archive); \
	  [ -f "$$path" ] || { echo "isotrace: $$archive not found (libstdc++-12-dev)" >&2; exit 2; }; \
	  ln -sf "$$path" $(STATIC_LIBS)/$$archive; \
	done
	$(SWIFT) build $(RELEASE_FLAGS)
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) dist-files

.PHONY: dist-files check-baseline man completions
dist-files:
	@mkdir -p $(DIST)
	objcopy --only-keep-debug --compress-debug-sections=zlib $(RELEASE_BIN) $(DIST)/isotrace.debug
	objcopy --strip-all --add-gnu-debuglink=$(DIST)/isotrace.debug $(RELEASE_BIN) $(DIST)/isotrace
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) man completions
	@echo "isotrace: $(DIST)/isotrace $$(stat -c %s $(DIST)/isotrace) bytes, debug info $$(stat -c %s $(DIST)/isotrace.debug) bytes" >&2

# One page per command (isotrace.1, isotrace-audit.1, isotrace-policy-lint.1, ...), from the
# binary's --experimental-dump-help (swift-argument-parser's own description of every command) and
# the examples in README.md; dist/manpages.py fails when a command has no example there.
man:
	python3 dist/manpages.py --binary $(DIST)/isotrace --readme README.md --out $(DIST)/man

completions:
	@mkdir -p $(DIST)/completions
	$(DIST)/isotrace --generate-completion-script bash > $(DIST)/completions/isotrace.bash
	$(DIST)/isotrace --generate-completion-script zsh > $(DIST)/completions/_isotrace
	$(DIST)/isotrace --generate-completion-script fish > $(DIST)/completions/isotrace.fish

# The EL9 baseline check on the shipped binary (readelf -d, objdump -T); names every symbol above it.
check-baseline:
	python3 dist/check-baseline.py dist/el9-baseline.txt $(DIST)/isotrace

# Exit 1 means "violations found": a result, not a failure of make.
audit: release
	@$(RELEASE_BIN) audit; status=$$?; \
	if [ $$status -eq 1 ]; then echo "isotrace: policy violations found (exit 1)" >&2; exit 0; fi; exit $$status

# The README's outside-verification recipe (tools/verify_records.py) needs the `cryptography` and
# `rfc8785` packages: a virtual environment for the test that runs it (skipped, with the reason,
# when PyPI cannot be reached).
PYVENV = .build/pyvenv

# The layer diagram in docs/architecture.md is drawn from Package.swift; a stale one fails here.
# The test run is bounded (TEST_TIME_LIMIT seconds, 50 minutes by default; a normal run takes a
# few): a hang then fails with the output so far instead of outliving a CI job's limit. Every
# command a test runs is bounded too (ChildProcess.waitLimit).
TEST_TIME_LIMIT ?= 3000
test: deps bpf-object
	$(SWIFT) package dump-package | python3 tools/architecture_diagram.py --check docs/architecture.md
	$(SWIFT) build
	@[ -x $(PYVENV)/bin/python3 ] || python3 -m venv $(PYVENV) >&2 || true
	@$(PYVENV)/bin/python3 -c "import cryptography, rfc8785" 2>/dev/null \
	  || $(PYVENV)/bin/pip install -q cryptography rfc8785 >&2 || echo "isotrace: no PyPI: the recipe test will skip" >&2
	ISOTRACE_PYTHON=$(CURDIR)/$(PYVENV)/bin/python3 timeout --kill-after=30 $(TEST_TIME_LIMIT) $(SWIFT) test
	$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) package-test

# The benchmark's C tools: the /proc floor (procreader, -O2 as the issue asks), the node shaper,
# the process every benchmark process execs into (static: 10,000 of them stay small), the timer.
$(BENCH_TOOLS)/procreader: bench/procreader.c
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -o $@ $<
$(BENCH_TOOLS)/nodeshape: bench/nodeshape.c
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -o $@ $<
$(BENCH_TOOLS)/holder: bench/holder.c
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -static -o $@ $<
$(BENCH_TOOLS)/runtimed: bench/runtimed.c
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -static -o $@ $<

$(BENCH_TOOLS)/execrate: bench/execrate.c
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -static -o $@ $<

BENCH_BINARIES = $(BENCH_TOOLS)/procreader $(BENCH_TOOLS)/nodeshape $(BENCH_TOOLS)/holder $(BENCH_TOOLS)/runtimed

# The BPF programs (the task iterator and the process event source): SwiftPM cannot run
# `clang -target bpf`, so make compiles them (hand-written CO-RE types in bpf/core_types.h, no
# vmlinux.h) and embeds each object in a generated, git-ignored header that its loader
# (Sources/CTaskIter/task_iter.c, proc_events.c) includes when present. A header is replaced only
# when its object changed, and then the loader is touched so every build picks it up.
BPF_CLANG ?= clang
CTASKITER = Sources/CTaskIter
BPF_OBJECT = $(SCRATCH)/bpf/task_iter.bpf.o
BPF_HEADER = $(CTASKITER)/generated/task_iter_object.h
EVENTS_OBJECT = $(SCRATCH)/bpf/proc_events.bpf.o
EVENTS_HEADER = $(CTASKITER)/generated/proc_events_object.h
BPF_COMMON = $(CTASKITER)/bpf/core_types.h $(CTASKITER)/include/task_iter.h $(CTASKITER)/include/proc_events.h

$(SCRATCH)/bpf/%.bpf.o: $(CTASKITER)/bpf/%.bpf.c $(BPF_COMMON)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -O2 -g -target bpf -Wall -c $< -o $@
$(CTASKITER)/generated/%_object.h: $(SCRATCH)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	cd $(dir $<) && xxd -i $*.bpf.o > $(abspath $@).tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; touch $(CTASKITER)/$*.c; fi
.PRECIOUS: $(SCRATCH)/bpf/%.bpf.o
# Tolerant: without clang's bpf target there is no header, and the BPF sampler says "not built"
# (the event source likewise: "process events: unavailable, BPF object not built").
.PHONY: bpf-object
bpf-object:
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) $(BPF_HEADER) \
	  || echo "isotrace: the BPF task iterator did not build; --sampler bpf will say 'not built'" >&2
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) $(EVENTS_HEADER) \
	  || echo "isotrace: the BPF process event source did not build; the daemon will say 'process events: unavailable'" >&2
$(BENCH_TOOLS)/bpfpass: bench/bpfpass.c $(CTASKITER)/task_iter.c $(CTASKITER)/bpf_loader.c $(CTASKITER)/include/task_iter.h $(BPF_HEADER)
	@mkdir -p $(BENCH_TOOLS)
	$(CC) -O2 -Wall -I$(CTASKITER)/include -I$(CTASKITER)/generated -o $@ bench/bpfpass.c $(CTASKITER)/task_iter.c $(CTASKITER)/bpf_loader.c -lbpf

# The BPF rows are optional: without clang's bpf target or libbpf they say n/a. Both node shapes
# by default; e.g. `make bench BENCH_ARGS="--shapes realistic --sizes 10000"` for one.
BENCH_ARGS ?=
bench: release $(BENCH_BINARIES) bench-redaction bench-epochs bench-eventpath
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) $(BENCH_TOOLS)/bpfpass || echo "bench: the BPF task iterator did not build; its rows say n/a" >&2
	python3 bench/bench.py --isotrace $(RELEASE_BIN) --tools $(BENCH_TOOLS) $(BENCH_ARGS)
	@$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) bench-events

# The process event source under a steady exec rate in a simulated payload (bench/eventbench.py):
# events lost, the daemon's CPU share, records/s and the exec latency added, at each rate and node
# shape. `make bench-events EVENT_RATES=2000 EVENT_SIZES=1000 EVENT_SECONDS=60` runs a part of it.
EVENT_RATES ?= 500,2000,10000
EVENT_SIZES ?= 1000,10000
EVENT_SECONDS ?= 60
.PHONY: bench-events
bench-events: release $(BENCH_TOOLS)/nodeshape $(BENCH_TOOLS)/holder $(BENCH_TOOLS)/execrate
	python3 bench/eventbench.py --isotrace $(RELEASE_BIN) --tools $(BENCH_TOOLS) --rates $(EVENT_RATES) --sizes $(EVENT_SIZES) --seconds $(EVENT_SECONDS)

# bench-ab: an A/B of two binaries in one run (bench/abtest.py), so load from other work on the
# machine hits both alike; the figures that do not depend on load are callgrind's instruction
# counts (valgrind) and strace's system call counts. BASE=<commit> exports that commit with git
# archive into $(SCRATCH)/ab-base/<commit> (no worktree, nothing in git) and builds its release
# binary there with its own Makefile and this copy's Package.resolved (the same dependency
# versions); OLD=<binary> uses one already built. BENCH_ARGS as for bench.py (--shapes, --sizes,
# --runs, --no-callgrind).
AB_BASE_BIN = $(SCRATCH)/ab-base/$(BASE)/.build/release/isotrace
.PHONY: bench-ab
bench-ab: release $(BENCH_BINARIES) $(if $(OLD),,$(if $(BASE),$(AB_BASE_BIN)))
	@if [ -z "$(OLD)$(BASE)" ]; then echo "bench-ab: give BASE=<commit> or OLD=<isotrace binary>" >&2; exit 2; fi
	python3 bench/abtest.py --old $(or $(OLD),$(AB_BASE_BIN)) --new $(RELEASE_BIN) --tools $(BENCH_TOOLS) $(BENCH_ARGS)
$(SCRATCH)/ab-base/%/.build/release/isotrace:
	rm -rf $(SCRATCH)/ab-base/$* && mkdir -p $(SCRATCH)/ab-base/$*
	git archive $* | tar -x -C $(SCRATCH)/ab-base/$*
	[ ! -f Package.resolved ] || cp Package.resolved $(SCRATCH)/ab-base/$*/
	$(MAKE) -C $(SCRATCH)/ab-base/$* release SCRATCH=.build

# The daemon's first cycle alone (bench/firstcycle.py, issue 20 item 4): from its start to two moments
# of its first cycle, its records written and fsynced ("records durable") and its index updated, on the
# realistic node at 2,000 and 10,000 processes, with both samplers: wall, the cycle's phases, CPU,
# records and bytes. FIRST_CYCLE_ARGS="--sizes 10000 --samplers bpf --runs 1" for a part; "--callgrind
# --keep-profile DIR" for callgrind profiles; "--compare BIN" runs another binary alternately (A/B).
.PHONY: bench-first-cycle
bench-first-cycle: release $(BENCH_TOOLS)/nodeshape $(BENCH_TOOLS)/holder
	python3 bench/firstcycle.py --isotrace $(RELEASE_BIN) --tools $(BENCH_TOOLS) $(FIRST_CYCLE_ARGS)

# The epoch keys' rows: one key rotation's cost, and verify over 1,000,000 records with hourly
# rotations against one key (EPOCH_BENCH_RECORDS=100000 for a quicker look).
.PHONY: bench-epochs
bench-epochs: release
	$(SWIFT) build $(RELEASE_FLAGS) --product epoch-bench
	$(SCRATCH)/release/epoch-bench

# The record index's insert path alone (Tests/IndexBench): indexes a copy of the records of a real
# run (INDEX_BENCH_DIR=<a daemon's --out>, e.g. a first cycle of `make bench`) as the daemon does,
# from the writer's records, then as `isotrace index --rebuild` does, from the lines. For the
# instruction counts, run the binary under valgrind --tool=callgrind (RecordIndex.update inclusive).
.PHONY: bench-index
bench-index: release
	@if [ -z "$(INDEX_BENCH_DIR)" ]; then echo "bench-index: give INDEX_BENCH_DIR=<a record directory>" >&2; exit 2; fi
	$(SWIFT) build $(RELEASE_FLAGS) --product index-bench
	rm -rf $(SCRATCH)/index-bench && mkdir -m 700 -p $(SCRATCH)/index-bench && cp -r $(INDEX_BENCH_DIR)/records $(SCRATCH)/index-bench/
	$(SCRATCH)/release/index-bench $(SCRATCH)/index-bench
	$(SCRATCH)/release/index-bench $(SCRATCH)/index-bench --lines

# The daemon's work per process the event source sees, alone (Tests/EventPathBench): events-only
# cycles of a payload's fork+exec+exit loop ingested, attributed, recorded, signed, appended and
# indexed, with no kernel and no machine noise; `EVENTPATH_ARGS="--processes 30000 --cycles 3
# --node 10000"` are its defaults. Needs no root. For instruction counts, which repeat exactly, run
# the binary under valgrind --tool=callgrind.
EVENTPATH_ARGS ?=
.PHONY: bench-eventpath
bench-eventpath:
	$(SWIFT) build $(RELEASE_FLAGS) --product eventpath-bench
	rm -rf $(SCRATCH)/eventpath-bench
	$(SCRATCH)/release/eventpath-bench $(SCRATCH)/eventpath-bench $(EVENTPATH_ARGS)
	rm -rf $(SCRATCH)/eventpath-bench

# The secret redactor alone, before (the reference in Tests/RedactionReference) and after, in one
# run on ATLAS transform command lines of 1-25 KiB (Tests/RedactionBench; needs no root).
# Also every command line of a realistic node of 2,000 processes (bench/nodeshape --cmdlines,
# which starts nothing): the cost per process the sampler pays.
.PHONY: bench-redaction
bench-redaction: release $(BENCH_TOOLS)/nodeshape
	$(SWIFT) build $(RELEASE_FLAGS) --product redaction-bench
	$(BENCH_TOOLS)/nodeshape --shape realistic --cmdlines 2000 > $(BENCH_TOOLS)/realistic-2000.cmdlines
	$(SCRATCH)/release/redaction-bench --node $(BENCH_TOOLS)/realistic-2000.cmdlines

clean:
	rm -rf .build

# `make rpm`: isotrace-$(VERSION)-1.el9.x86_64.rpm and its -debuginfo (dist/isotrace.spec);
# `make deb`: isotrace_$(VERSION)-1_amd64.deb and -dbgsym (dist/build-deb.sh). Both from the files
# `make release` left in $(DIST), into $(PACKAGES).
PACKAGES = $(SCRATCH)/packages
.PHONY: rpm deb package-test
rpm: release
	@mkdir -p $(PACKAGES) $(SCRATCH)/rpmbuild
	rpmbuild -bb --quiet --define "_topdir $(abspath $(SCRATCH)/rpmbuild)" --define "_sourcedir $(abspath $(DIST))" \
	  --define "_rpmdir $(abspath $(PACKAGES))" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
	  --define "srcroot $(CURDIR)" --define "isotrace_version $(VERSION)" dist/isotrace.spec
	@ls -l $(PACKAGES)/isotrace-$(VERSION)-1.el9.x86_64.rpm $(PACKAGES)/isotrace-debuginfo-$(VERSION)-1.el9.x86_64.rpm >&2
deb: release
	sh dist/build-deb.sh $(DIST) $(CURDIR) $(VERSION) $(PACKAGES)

# The packaging tests (run by make test): the EL9 baseline check, the man pages, the bash
# completion, the RPM, and the release binary and the .deb in a minimal Debian 12 root.
package-test: rpm deb
	$(MAKE) --no-print-directory SCRATCH=$(SCRATCH) check-baseline
	sh dist/tests/baseline-selftest.sh dist/el9-baseline.txt
	sh dist/tests/manpages.sh $(DIST)
	bash dist/tests/completion.sh $(DIST)
	sh dist/tests/rpm.sh $(PACKAGES)/isotrace-$(VERSION)-1.el9.x86_64.rpm $(PACKAGES)/isotrace-debuginfo-$(VERSION)-1.el9.x86_64.rpm $(SCRATCH)/minroot
	sh dist/tests/minroot.sh $(DIST) $(PACKAGES)/isotrace_$(VERSION)-1_amd64.deb $(SCRATCH)/minroot

# `make install` (as root) installs what `make release` built; it never builds and never installs
# Debian packages: `make release` first (it needs the build dependencies, see Set-up), then
# `sudo make install`. It installs the binary, the policies, the systemd units, the man pages and
# completions and, unless they exist, /etc/isotrace/policy.yaml and a signing key in
# /var/lib/isotrace/keys; it creates the daemon's system user `isotrace` (dist/isotrace.sysusers)
# and gives it /var/lib/isotrace. On EL9 nodes use the RPM (`make rpm`) instead.
PREFIX ?= /usr/local
STATE_DIR ?= /var/lib/isotrace
.PHONY: install
install:
	@[ -x $(DIST)/isotrace ] || { echo "isotrace: $(DIST)/isotrace is not built: run 'make release' first, then 'make install'" >&2; exit 2; }
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/isotrace/policies $(DESTDIR)/etc/isotrace $(DESTDIR)/etc/systemd/system \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -d -m 0750 $(DESTDIR)$(STATE_DIR)
	install -m 0755 $(DIST)/isotrace $(DESTDIR)$(PREFIX)/bin/isotrace
	install -m 0644 policies/*.yaml $(DESTDIR)$(PREFIX)/share/isotrace/policies/
	install -m 0644 $(DIST)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(DIST)/completions/isotrace.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/isotrace
	install -m 0644 $(DIST)/completions/_isotrace $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_isotrace
	install -m 0644 $(DIST)/completions/isotrace.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/isotrace.fish
	[ -e $(DESTDIR)/etc/isotrace/policy.yaml ] || install -m 0644 policies/wlcg-mupj.yaml $(DESTDIR)/etc/isotrace/policy.yaml
	for unit in isotrace.service isotrace-prune.service isotrace-prune.timer; do \
	  sed -e 's|/usr/local/bin/isotrace|$(PREFIX)/bin/isotrace|' -e 's|/var/lib/isotrace|$(STATE_DIR)|g' dist/$$unit > $(DESTDIR)/etc/systemd/system/$$unit; \
	done
	install -D -m 0644 dist/isotrace.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/isotrace.conf
	[ -e $(DESTDIR)$(STATE_DIR)/keys/isotrace.pub ] || $(DESTDIR)$(PREFIX)/bin/isotrace keygen --out $(DESTDIR)$(STATE_DIR)
	@if [ -z "$(DESTDIR)" ]; then \
	  getent group isotrace >/dev/null || groupadd --system isotrace; \
	  getent passwd isotrace >/dev/null || useradd --system --gid isotrace --home-dir $(STATE_DIR) --no-create-home \
	    --shell /usr/sbin/nologin --comment "isotrace node auditor" isotrace; \
	  chown -R isotrace:isotrace $(STATE_DIR); \
	else \
	  echo "isotrace: DESTDIR set: on the node, create the isotrace user (systemd-sysusers) and chown -R isotrace: $(STATE_DIR)" >&2; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "isotrace: installed; start with: systemctl enable --now isotrace isotrace-prune.timer (or run the unit's ExecStart by hand)" >&2
