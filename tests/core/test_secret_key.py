"""The generated session-signing key: one key, whole, however many processes start at once."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from threatvec.core.settings import Settings


def _resolve(data_dir: str, go: mp.synchronize.Event, out: mp.Queue) -> None:
    go.wait()
    try:
        out.put(Settings(data_dir=Path(data_dir), secret_key=None).resolved_secret_key())
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(f"error: {exc!r}")


def test_processes_racing_on_a_fresh_data_dir_all_get_the_same_whole_key(tmp_path) -> None:
    ctx = mp.get_context("fork")
    for trial in range(40):
        data_dir = tmp_path / f"d{trial}"
        go, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_resolve, args=(str(data_dir), go, out)) for _ in range(6)]
        for p in procs:
            p.start()
        go.set()
        keys = [out.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert len(set(keys)) == 1, keys
        assert len(keys[0]) >= 60 and not keys[0].startswith("error")
        assert [f.name for f in data_dir.iterdir()] == ["secret_key"]  # no temp file left
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_configured_key_wins_and_nothing_is_written(tmp_path) -> None:
    s = Settings(data_dir=tmp_path / "d", secret_key="configured-key-of-enough-length-0123456789")
    assert s.resolved_secret_key() == "configured-key-of-enough-length-0123456789"
    assert not (tmp_path / "d").exists()
