"""A load killed with SIGKILL leaves the database consistent, and running it again completes it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from adapter.store.command import BATCH, load, open_store
from adapter.store.schema import history, idx_token, resources

TRIALS = 400
LOADER = """
import sys
sys.path.insert(0, {tests!r})
from conftest import sample_trial
from adapter.store.command import load, open_store

def resources():
    for n in range({n}):
        yield from sample_trial(f"NCT{{50000000 + n:08d}}")
        if n % 20 == 0:
            print(n, flush=True)

load(open_store({url!r}), resources())
"""


def _all_resources():
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import sample_trial

    for n in range(TRIALS):
        yield from sample_trial(f"NCT{50000000 + n:08d}")


def _consistent(store) -> int:
    with store.engine.connect() as conn:
        current = conn.execute(select(resources.c.type, resources.c.res_id, resources.c.version)).all()
        versions = {(t, i, v) for t, i, v in conn.execute(select(history.c.type, history.c.res_id,
                                                                 history.c.version))}
        studies = conn.execute(select(func.count()).select_from(resources).where(
            resources.c.type == "ResearchStudy")).scalar()
        indexed = conn.execute(select(func.count(func.distinct(idx_token.c.pk))).where(
            idx_token.c.param == "status", idx_token.c.pk.in_(
                select(resources.c.pk).where(resources.c.type == "ResearchStudy")))).scalar()
    assert all(tuple(row) in versions for row in current)
    assert len(versions) == len(current)
    assert studies == indexed
    # a batch is committed whole: all of its resources or none of them
    assert len(current) % BATCH == 0 or len(current) == TRIALS * 6
    return len(current)


def test_kill_during_load_then_rerun(db_url):
    store = open_store(db_url)
    store.engine.dispose()
    script = LOADER.format(tests=str(Path(__file__).parent), n=TRIALS, url=db_url)
    loader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[1])
    # let it commit a few batches, then kill it mid-write
    for _ in range(6):
        loader.stdout.readline()
    time.sleep(0.05)
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait()
    assert loader.returncode == -signal.SIGKILL

    store = open_store(db_url)
    partial = _consistent(store)
    assert 0 < partial < TRIALS * 6
    summary = load(store, _all_resources())
    assert summary.unchanged == partial and summary.created == TRIALS * 6 - partial
    assert _consistent(store) == TRIALS * 6
    store.engine.dispose()
