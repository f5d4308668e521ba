"""Fault injection: three pgfloat nodes sharing a VIP (100 ms adverts) in network namespaces, a client connecting
to the VIP every 50 ms, every node's addresses sampled every 20 ms, and one fault per test, injected into the
master (nemesis.py has the faults and the invariants; `make nemesis` runs them at random for longer, pgfloat
next to keepalived). A failure prints the sampled holders around the fault, the nodes' state and log tails.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest

from netns_lab import Lab, list_namespaces
from nemesis import FAULTS, Cluster, FaultUnavailable, leaked_cgroups, run_fault
from test_vrrp import _needs_lab  # noqa: F401

SEED = 15


@pytest.fixture
def cluster():
    """A started three-node cluster with p1 the one holder; at teardown, nothing of it may be left behind."""
    workdir = Path(tempfile.mkdtemp(prefix="pgfloat-nemesis-", dir="/run"))
    lab = Lab("nemesis")
    c = Cluster(lab, "pgfloat", workdir, advert="100ms")
    try:
        c.start()
        c.wait_steady()
        yield c
    finally:
        c.cleanup()
        procs = list(lab._procs)
        lab.close()
        shutil.rmtree(workdir, ignore_errors=True)
    left = [n for n in list_namespaces() if n.startswith(lab.prefix)]
    running = [p.pid for p in procs if p.poll() is None]
    assert not left and not running and not leaked_cgroups(), \
        f"leaked: namespaces {left}, processes {running}, cgroups {leaked_cgroups()}"


@pytest.mark.parametrize("fault", [f for f in FAULTS if "pgfloat" in f.kinds], ids=lambda f: f.name)
def test_fault_keeps_one_holder(cluster, fault):
    try:
        result = run_fault(cluster, fault, random.Random(SEED), short=True)
    except FaultUnavailable as e:
        pytest.skip(str(e))
    print(result.report())
    assert not result.violations, result.report()
