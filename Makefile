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
	iputils-ping etcd-server etcd-client procps iproute2

.PHONY: all build debug test unit-test integration-test deps bench clean

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

test: deps unit-test integration-test

unit-test:
	$(SWIFT) build $(DEBUG_FLAGS) --build-tests
	$(SWIFT) test --skip-build

integration-test: debug
	PGFLOAT_BIN=$(CURDIR)/$(DEBUG_BIN) $(PYTHON) -m pytest -v Tests/Integration

bench: build
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/proxy.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/idle-sessions.sh
	PGFLOAT_BIN=$(CURDIR)/$(RELEASE_BIN) bash bench/vrrp-failover.sh

clean:
	rm -rf .build
