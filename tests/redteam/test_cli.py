"""`threatvec atlas import` and `threatvec agentbench run` as a user runs them (real subprocess)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.redteam.agents.servers import OpenAIAgentServer, SlowAgentServer
from tests.redteam.conftest import shared
from threatvec.redteam.atlas import load_atlas


def threatvec(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "THREATVEC_DATA_DIR": str(data_dir),
        "THREATVEC_DATABASE_URL": "",
        "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
        "THREATVEC_SECRET_KEY": "cli-" + "s" * 40,
    }
    env.pop("THREATVEC_DATABASE_URL")
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", *args], capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "tv"


def test_atlas_import_reports_counts_read_from_the_file(data_dir: Path) -> None:
    path = shared("atlas", "ATLAS.yaml")
    catalog = load_atlas(path)
    done = threatvec(data_dir, "atlas", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert (
        f"ATLAS {catalog.version}: {len(catalog.tactics)} tactics, {catalog.technique_count} "
        f"techniques, {catalog.subtechnique_count} sub-techniques"
    ) in done.stdout
    bad = threatvec(data_dir, "atlas", "import", str(data_dir / "missing.yaml"))
    assert bad.returncode != 0 and bad.stderr.startswith("error:")
    assert len(bad.stderr.strip().splitlines()) == 1


def _register(
    data_dir: Path, server: OpenAIAgentServer | None, *, config: dict[str, Any] | None = None
) -> None:
    """Prepare the CLI's database the way the server would: default org, agent, target."""
    from threatvec.assets import service as assets
    from threatvec.assets.schemas import AssetCreate
    from threatvec.cli.common import open_store
    from threatvec.core.crypto import SecretBox
    from threatvec.core.settings import Settings
    from threatvec.orgs import service as orgs
    from threatvec.redteam import service

    settings = Settings(data_dir=data_dir, secret_key="cli-" + "s" * 40)
    _, engine, factory = open_store(settings)
    with factory() as s:
        org = orgs.ensure_default_org(session=s, org_key=None)
        asset = assets.create(session=s, org_id=org.id,
                              data=AssetCreate(kind="agent", name="cli-naive"))  # fmt: skip
        if config is None:
            assert server is not None
            config = {"type": "openai_chat", "base_url": server.url + "/v1",
                      "model": "naive", "api_key_ref": "k"}  # fmt: skip
        box = SecretBox(settings.resolved_secret_key())
        service.put_target(session=s, org_id=org.id, agent_id=asset.id, config=config,
                           secrets={"k": "sk-cli-test"}, box=box)  # fmt: skip
        s.commit()
    engine.dispose()


def test_agentbench_run_by_name_with_progress_and_exit_code(
    data_dir: Path, openai_agents: OpenAIAgentServer
) -> None:
    _register(data_dir, openai_agents)
    done = threatvec(data_dir, "agentbench", "run", "cli-naive", "--mode", "quick", "--k", "1",
                     "--fail-on-bypass")  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "completed: pass rate 0%" in done.stdout
    assert "FAIL" in done.stdout and "pi-tool-output-lower" in done.stdout
    assert "followed_marker" in done.stdout  # evidence, not only a verdict
    missing = threatvec(data_dir, "agentbench", "run", "nobody")
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == "error: no agent 'nobody' in this organisation (id, asset id or name)"
    )


STOP_SIGNALS = [
    pytest.param(signal.SIGINT, "Ctrl-C", False, id="SIGINT"),
    # What kill, systemd, Kubernetes and CI runners send on a timeout: the process died
    # at once and the run stayed 'running', locking the agent out for 15 minutes.
    pytest.param(signal.SIGTERM, "SIGTERM", False, id="SIGTERM"),
    # A script's `cmd &` starts it with SIGINT ignored: SIGTERM must not depend on SIGINT.
    pytest.param(signal.SIGTERM, "SIGTERM", True, id="SIGTERM-with-SIGINT-ignored"),
    pytest.param(getattr(signal, "SIGHUP", None), "SIGHUP", False, id="SIGHUP",
                 marks=pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP")),
]  # fmt: skip


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(("signum", "said", "sigint_ignored"), STOP_SIGNALS)
def test_a_stop_signal_cancels_the_run_instead_of_leaving_it_running(
    data_dir: Path, signum: signal.Signals, said: str, sigint_ignored: bool
) -> None:
    # Interrupted, the CLI left the run 'running': the agent got 409 on every new run for
    # 15 minutes and a cancel was accepted but never acted on.
    from threatvec.cli.common import open_store
    from threatvec.core.settings import Settings
    from threatvec.redteam.models import RedTeamRun

    with SlowAgentServer(delay=0.5) as agent:
        _register(data_dir, None, config=agent.target())
        env = {**os.environ, "THREATVEC_DATA_DIR": str(data_dir),
               "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
               "THREATVEC_SECRET_KEY": "cli-" + "s" * 40}  # fmt: skip
        env.pop("THREATVEC_DATABASE_URL", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "threatvec.cli", "agentbench", "run", "cli-naive", "--k", "1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_ignore_sigint if sigint_ignored else None,
        )  # fmt: skip
        try:
            agent.wait_for_requests(2)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 128 + signum, (out, err)
    _, engine, factory = open_store(Settings(data_dir=data_dir, secret_key="cli-" + "s" * 40))
    with factory() as s:
        (run,) = s.query(RedTeamRun).all()
        assert run.status == "cancelled" and run.finished_at is not None
        assert "interrupted" in (run.error or "")
        assert err.strip().endswith(f"run {run.id} cancelled: interrupted ({said})"), err
    engine.dispose()


def test_cli_pass_rate_is_never_rounded_up_to_a_clean_result() -> None:
    # "pass rate 100%" beside "1 failed" (249/250), or 80% for an amber 79.7 %.
    from threatvec.cli.redteam import _rate_text

    assert _rate_text(249 / 250) == "99%"
    assert _rate_text(47 / 59) == "79%"
    assert _rate_text(0.29) == "29%" and _rate_text(1.0) == "100%"
    assert _rate_text(None) == "n/a"
