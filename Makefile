# pgfloat: build, test and benchmark entry points. Everything runs as root on a fresh Debian machine.
SWIFT ?= swift
PREFIX ?= /usr/local
DEBUG_BIN := .build/debug/pgfloat
# One set of flags for every debug build: a different set would rebuild every dependency. The import check keeps
# each target honest about what it depends on (pure targets must not reach for I/O modules).
DEBUG_FLAGS := --explicit-target-dependency-import-check error
RELEASE_BIN := .build/release/pgfloat

# Debian's interpreter, whose modules (pytest, prometheus_client) come from the packages below.
PYTHON := /usr/bin/python3

# Debian packages the build, the tests and the benchmarks need.
TEST_PACKAGES := postgresql-15 postgresql-client-15 haproxy socat openssl python3-pytest python3-venv \
	python3-prometheus-client chromium fonts-dejavu-core pkg-config libnl-3-dev libnl-route-3-dev tshark keepalived \
	iputils-ping etcd-server etcd-client procps iproute2 lintian dpkg-dev libcap-dev systemd nftables iptables \
	liburing-dev

.PHONY: all build debug test unit-test integration-test deps bench clean install uninstall deb deb-test release-static \
	manual fuzz

all: build

build:
	$(SWIFT) build -c release --product pgfloat

debug:
	$(SWIFT) build $(DEBUG_FLAGS) --product pgfloat

deps:
	@if [ "$$(id -u)" = 0 ]; then \
		missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
		echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections; \
		if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi; \
	fi

test: deps unit-test integration-test integration-test-sockmap systemd-check fuzz deb-test

unit-test:
	$(SWIFT) build $(DEBUG_FLAGS) --build-tests
	$(SWIFT) test --skip-build

# The queue property test with more random sequences than `make test` runs (QUEUE_SEEDS of them).
QUEUE_SEEDS ?= 50000
.PHONY: queue-property
queue-property:
	$(SWIFT) build $(DEBUG_FLAGS) --build-tests
	PGFLOAT_QUEUE_SEEDS=$(QUEUE_SEEDS) $(SWIFT) test --skip-build --filter QueuePropertyTests

integration-test: debug
	PGFLOAT_BIN=$(CURDIR)/$(DEBUG_BIN) $(PYTHON) -m pytest -v Tests/Integration

# The proxy's suites again with `[global] relay = "sockmap"` in every configuration they generate: the kernel relay
# must do everything the epoll relay does (test_kernel_relay.py, run by integration-test, checks what only it has).
SOCKMAP_TESTS := test_proxy.py test_hostile.py test_hostile_timeouts.py test_direct_tls.py test_admin.py test_e2e.py \
	test_signals.py test_log_path.py
.PHONY: integration-test-sockmap
integration-test-sockmap: debug
	cd Tests/Integration && PGFLOAT_TEST_RELAY=sockmap PGFLOAT_BIN=$(CURDIR)/$(DEBUG_BIN) $(PYTHON) -m pytest -v \
		$(SOCKMAP_TESTS)

bench: build
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/proxy.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/idle-sessions.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/vrrp-failover.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/patroni-failover.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/write-safety.sh

# Acknowledged, lost and refused writes per failover scenario, HAProxy vs pgfloat with and without [dcs] (the
# README's write-safety table; about 3 minutes).
.PHONY: write-safety
write-safety: build
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/write-safety.sh

clean:
	rm -rf .build

# Installation. The binary links the Swift runtime in (--static-swift-stdlib), so hosts need no Swift toolchain; it
# is built in a scratch path of its own, never in .build (the debug builds' one). Units, sysusers.d and tmpfiles.d
# files go under $(PREFIX)/lib, which systemd searches for both /usr (the package) and /usr/local (make install);
# /etc/systemd/system stays the administrator's, for overrides. The configuration is always /etc/pgfloat.
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
CONFDIR := /etc/pgfloat
STATIC_SCRATCH := .build-release-static
STATIC_BIN := $(STATIC_SCRATCH)/release/pgfloat
# No $ORIGIN run path (nothing is installed beside the binary); full RELRO and immediate binding, as Debian's
# hardening flags ask of a daemon that starts with capabilities. Link-only flags: they do not rebuild anything.
STATIC_FLAGS := --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro
# swift-argument-parser's generate-manual, built from the checkout the release build resolved (works offline).
MANUAL_SCRATCH := .build-manual
MANUAL_PAGE := $(STATIC_SCRATCH)/manual/pgfloat.1
# The manual's date is the newest packaging/changelog entry's, so a rebuild gives the same page.
MANUAL_DATE = $(shell date -u -d "$$(sed -n 's/^ -- .*>  //p' packaging/changelog | head -1)" +%F)
DEB_DIR := .build-deb

release-static:
	$(SWIFT) build -c release $(STATIC_FLAGS) --scratch-path $(STATIC_SCRATCH) --product pgfloat

manual: release-static
	$(SWIFT) build --package-path $(STATIC_SCRATCH)/checkouts/swift-argument-parser --scratch-path $(MANUAL_SCRATCH) \
		--product generate-manual
	mkdir -p $(dir $(MANUAL_PAGE))
	$(MANUAL_SCRATCH)/debug/generate-manual $(STATIC_BIN) --date $(MANUAL_DATE) --output-directory $(dir $(MANUAL_PAGE))

# Never overwrites /etc/pgfloat/pgfloat.toml. Installing into the running system (no DESTDIR) also creates the
# pgfloat user, gives the new configuration to root:pgfloat 0640 and reloads systemd, each when the tool is there.
install: release-static manual
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CONFDIR)
	install -m 0755 $(STATIC_BIN) $(DESTDIR)$(BINDIR)/pgfloat
	install -m 0644 $(MANUAL_PAGE) $(DESTDIR)$(MANDIR)/man1/pgfloat.1
	sed 's|/usr/bin/pgfloat|$(BINDIR)/pgfloat|g' systemd/pgfloat.service > $(DESTDIR)$(UNITDIR)/pgfloat.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pgfloat.service
	install -m 0644 systemd/pgfloat.sysusers $(DESTDIR)$(SYSUSERSDIR)/pgfloat.conf
	install -m 0644 systemd/pgfloat.tmpfiles $(DESTDIR)$(TMPFILESDIR)/pgfloat.conf
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/pgfloat.conf"; systemd-sysusers $(SYSUSERSDIR)/pgfloat.conf; \
	fi
	@if [ -e $(DESTDIR)$(CONFDIR)/pgfloat.toml ]; then \
		echo "$(DESTDIR)$(CONFDIR)/pgfloat.toml exists: kept (the example is etc/pgfloat.toml)"; \
	else \
		echo "install -m 0640 etc/pgfloat.toml $(DESTDIR)$(CONFDIR)/pgfloat.toml"; \
		install -m 0640 etc/pgfloat.toml $(DESTDIR)$(CONFDIR)/pgfloat.toml; \
		if [ -z "$(DESTDIR)" ] && getent group pgfloat >/dev/null; then chgrp pgfloat $(CONFDIR)/pgfloat.toml; fi; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# Removes what install put, but not the configuration once it differs from the example, nor the pgfloat user.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pgfloat $(DESTDIR)$(MANDIR)/man1/pgfloat.1 $(DESTDIR)$(UNITDIR)/pgfloat.service \
		$(DESTDIR)$(SYSUSERSDIR)/pgfloat.conf $(DESTDIR)$(TMPFILESDIR)/pgfloat.conf
	@if cmp -s etc/pgfloat.toml $(DESTDIR)$(CONFDIR)/pgfloat.toml; then \
		echo "rm $(DESTDIR)$(CONFDIR)/pgfloat.toml"; rm -f $(DESTDIR)$(CONFDIR)/pgfloat.toml; \
		rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONFDIR)/pgfloat.toml ]; then \
		echo "$(DESTDIR)$(CONFDIR)/pgfloat.toml differs from the example: kept"; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# .build-deb/pgfloat_VERSION_ARCH.deb from a tree staged by install (PREFIX=/usr); see packaging/build-deb.sh.
deb:
	rm -rf $(DEB_DIR)
	$(MAKE) install DESTDIR=$(CURDIR)/$(DEB_DIR)/root PREFIX=/usr
	bash packaging/build-deb.sh $(DEB_DIR)/root $(DEB_DIR)

# As root, on a host without pgfloat installed: lintian, dpkg -i, check, conffile kept, remove and purge clean.
deb-test: deb
	bash packaging/deb-test.sh $(DEB_DIR)/pgfloat_*.deb

# The systemd files, without systemd as PID 1: `systemd-analyze verify` of the unit alone and with the drop-in for
# the kernel relay (any warning fails; ExecStart points at the debug binary, since /usr/bin/pgfloat may not exist), `systemd-analyze security` (prints the exposure score; fails
# above SYSTEMD_EXPOSURE_MAX tenths), and the sysusers.d and tmpfiles.d files applied to a scratch root.
SYSTEMD_EXPOSURE_MAX := 25
.PHONY: systemd-check
systemd-check: debug
	@set -e; scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	sed 's|/usr/bin/pgfloat|$(CURDIR)/$(DEBUG_BIN)|g' systemd/pgfloat.service > "$$scratch/pgfloat.service"; \
	warnings=$$(systemd-analyze verify --man=no "$$scratch/pgfloat.service" 2>&1) || true; \
	if [ -n "$$warnings" ]; then echo "$$warnings"; echo "systemd-analyze verify: not clean"; exit 1; fi; \
	echo "systemd-analyze verify systemd/pgfloat.service: clean"; \
	mkdir -p "$$scratch/units/pgfloat.service.d"; cp "$$scratch/pgfloat.service" "$$scratch/units/"; \
	cp systemd/sockmap.conf "$$scratch/units/pgfloat.service.d/"; \
	warnings=$$(SYSTEMD_UNIT_PATH="$$scratch/units:" systemd-analyze verify --man=no pgfloat.service 2>&1) || true; \
	if [ -n "$$warnings" ]; then echo "$$warnings"; echo "with systemd/sockmap.conf: not clean"; exit 1; fi; \
	echo "systemd-analyze verify with the drop-in systemd/sockmap.conf: clean"; \
	status=0; report=$$(systemd-analyze security --offline=true --no-pager --threshold=$(SYSTEMD_EXPOSURE_MAX) \
		systemd/pgfloat.service 2>&1) || status=$$?; \
	echo "$$report" | grep -E '^✗|Overall exposure'; \
	if [ $$status -ne 0 ]; then echo "exposure above $(SYSTEMD_EXPOSURE_MAX)/100"; exit 1; fi; \
	mkdir -p "$$scratch/root/etc" "$$scratch/root/run"; \
	systemd-sysusers --root="$$scratch/root" - < systemd/pgfloat.sysusers; \
	systemd-tmpfiles --root="$$scratch/root" --create - < systemd/pgfloat.tmpfiles; \
	ids=$$(awk -F: '$$1 == "pgfloat" { print $$3 ":" $$4 }' "$$scratch/root/etc/passwd"); \
	for dir in /run/pgfloat /var/lib/pgfloat; do \
		got=$$(stat -c '%a %u:%g' "$$scratch/root$$dir"); \
		if [ -z "$$ids" ] || [ "$$got" != "750 $$ids" ]; then \
			echo "sysusers/tmpfiles: $$dir is '$$got', want '750 $$ids'"; exit 1; fi; \
	done; \
	echo "sysusers.d + tmpfiles.d: user pgfloat ($$ids), /run/pgfloat and /var/lib/pgfloat 750 $$ids"

# LeakSanitizer (part of ASan on Linux) over a representative part of the integration suite: pgfloat built with
# -sanitize=address in a scratch path of its own; every pgfloat process the tests start writes its report to
# $(LEAK_DIR)/pgfloat.PID when it exits (the fixtures stop it with SIGTERM, so it exits normally); then a summary:
# reports, bytes leaked, leak sites by first frame in Sources/. exitcode=0 keeps a leak from changing pgfloat's exit
# status (tests check it); memory errors are still reported and fail the target, as failing tests do. Leaks only
# print. PGFLOAT_SANITIZED=1 tells test_hostile.py to report its RSS bounds without asserting them (ASan's
# quarantine keeps freed memory). Not part of `test`: it roughly doubles the integration tests' time.
ASAN_SCRATCH := .build-asan
ASAN_BIN := $(ASAN_SCRATCH)/debug/pgfloat
LEAK_DIR ?= /tmp/pgfloat-leakcheck
LEAK_TESTS := Tests/Integration/test_proxy.py Tests/Integration/test_admin.py Tests/Integration/test_hostile.py
.PHONY: leakcheck
leakcheck:
	$(SWIFT) build -c debug --scratch-path $(ASAN_SCRATCH) -Xswiftc -sanitize=address --product pgfloat
	rm -rf $(LEAK_DIR) && mkdir -p $(LEAK_DIR)
	@status=0; PGFLOAT_BIN=$(CURDIR)/$(ASAN_BIN) PGFLOAT_SANITIZED=1 \
		ASAN_OPTIONS=detect_leaks=1:exitcode=0:log_path=$(LEAK_DIR)/pgfloat \
		$(PYTHON) -m pytest -v -p no:cacheprovider $(LEAK_TESTS) || status=$$?; \
	$(PYTHON) bench/soak_tools.py leak-summary $(LEAK_DIR) --pytest-rc $$status

# The fault-injection suite's faults at random (Tests/Integration/nemesis.py): three pgfloat nodes in network
# namespaces for NEMESIS_MINUTES, then three keepalived nodes (the design document's configuration) under the same
# seeded sequence where keepalived can take the fault; a table per fault and both side by side. NEMESIS_SEED replays
# a run (the seed is printed); NEMESIS_ADVERT is pgfloat's advert interval (default the design's 1 s);
# NEMESIS_KINDS=pgfloat skips keepalived. Fails when an invariant was violated. Needs root.
NEMESIS_MINUTES ?= 30
NEMESIS_SEED ?=
NEMESIS_ADVERT ?= 1s
NEMESIS_KINDS ?= pgfloat,keepalived
.PHONY: nemesis
nemesis: debug
	PGFLOAT_BIN=$(CURDIR)/$(DEBUG_BIN) NEMESIS_MINUTES=$(NEMESIS_MINUTES) NEMESIS_SEED=$(NEMESIS_SEED) \
		NEMESIS_ADVERT=$(NEMESIS_ADVERT) NEMESIS_KINDS=$(NEMESIS_KINDS) $(PYTHON) Tests/Integration/nemesis.py

# The appliance in network namespaces (demo/run_demo.py): 3 PostgreSQL 15 nodes, 3 pgfloat nodes sharing a VIP, a
# client running a write/read load, and the design document's scenarios played with a timeline. Keeps running until
# Ctrl-C; ONCE=1 plays, tears down and exits non-zero when a step failed. PGFLOAT_BIN=path skips the release build.
DEMO_PACKAGES := postgresql-15 postgresql-client-15 pkg-config libnl-3-dev libnl-route-3-dev libcap-dev iproute2 \
	procps util-linux curl
.PHONY: demo
demo:
	@if [ "$$(id -u)" != 0 ]; then echo "make demo needs root (network namespaces)"; exit 1; fi
	@missing=""; for p in $(DEMO_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
	@if [ -z "$(PGFLOAT_BIN)" ]; then $(SWIFT) build -c release --product pgfloat; fi
	PGFLOAT_BIN=$(if $(PGFLOAT_BIN),$(PGFLOAT_BIN),$(CURDIR)/$(RELEASE_BIN)) $(PYTHON) demo/run_demo.py $(if $(ONCE),--once)

# Fuzzers (Fuzz/, libFuzzer with AddressSanitizer) for the VRRP decoder and election, the PostgreSQL first packet, the
# BackendKeyData scanner, the admin command parser and the config loader: built with swiftc into .build-fuzz (never .build), then each runs
# FUZZ_SECONDS on a temporary copy of its committed seed corpus. Fails on a crash, leak, timeout or out-of-memory
# and prints the input that caused it (kept in .build-fuzz/artifacts).
FUZZ_SECONDS ?= 45
fuzz:
	bash Fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run.sh
