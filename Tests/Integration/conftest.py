"""pytest fixtures for pgfloat's integration tests (see harness.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import PGCluster, PGFloat, free_port  # noqa: E402


def _needs_root():
    # PostgreSQL runs as OS user postgres via runuser, which needs root.
    if os.geteuid() != 0:
        pytest.skip("integration tests run PostgreSQL via `runuser -u postgres`: run them as root")


@pytest.fixture(scope="session")
def cluster():
    """Primary + 1 streaming standby, shared by tests that do not break nodes."""
    _needs_root()
    c = PGCluster(standbys=1, name="pgfloat-it")
    yield c
    c.teardown()


@pytest.fixture(scope="session")
def tls_cluster():
    """A lone primary with ssl=on and a self-signed certificate."""
    _needs_root()
    c = PGCluster(standbys=0, ssl=True, name="pgfloat-it-tls")
    yield c
    c.teardown()


@pytest.fixture
def make_cluster():
    """For tests that stop or promote nodes: a fresh cluster each, torn down after."""
    _needs_root()
    made: list[PGCluster] = []

    def make(**kw) -> PGCluster:
        c = PGCluster(**kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.teardown()


@pytest.fixture
def pgfloat():
    """Start pgfloat with a config: `pgfloat(toml_text, ports=[...])`.

    Every process started here is stopped at teardown even when the test
    failed; its log tail is printed so pytest shows it with the failure.
    """
    started: list[PGFloat] = []

    def start(config: str, ports: list[int] | None = None, timeout: float = 20,
              args: tuple[str, ...] = ()) -> PGFloat:
        pf = PGFloat(config, args=args)
        started.append(pf)  # registered before start so teardown always sees it
        return pf.start(ports=ports, timeout=timeout)

    yield start
    for pf in started:
        code = pf.stop()
        print(f"--- pgfloat pid={pf.proc.pid if pf.proc else '-'} exit={code} "
              f"log {pf.log_path} (tail) ---\n{pf.log_tail()}")
        pf.cleanup()


@pytest.fixture
def port():
    """A callable handing out free ports below the ephemeral range."""
    return free_port
