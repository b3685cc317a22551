"""The managed policy path, in a real headless Chromium, against the real server.

Chromium on Linux reads an admin's policy from ``/etc/chromium/policies/managed/``
(``3rdparty.extensions.<id>`` is what ``chrome.storage.managed`` returns). Writing
there would configure every Chromium on the machine, other people's tests
included, so each browser here runs in its own mount namespace (``unshare -m``)
with a temporary directory bind-mounted on ``/etc/chromium``: Chromium reads a
real policy file from the documented place, and nothing outside sees it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import LiveServer, create_org, free_port, settings_for_tests
from tests.extension.conftest import EXTENSION_DIR, extension_worker, open_browser
from tests.shadow.helpers import visit
from tests.shadow.test_pseudonym import extension_hash, post_events, service_users
from threatvec.shadow.models import ShadowEvent
from threatvec.shadow.pseudonym import rekey, user_pseudonym
from threatvec.shadow.service import org_user_salt
from threatvec.store.engine import session_scope

pytestmark = pytest.mark.browser

USER = "Dana.Policy@Example.com"
OWN_SALT = "this-install-made-its-own-salt"


def unpacked_extension_id(directory: Path) -> str:
    """Chromium's id for an unpacked extension: SHA-256 of its path, first 32 hex as a-p."""
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "--mount", "--propagation", "private", "true"]
    return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0


@contextmanager
def policy_chromium(chromium_path: str, root: Path, policy: dict[str, Any]) -> Iterator[Path]:
    """An executable that starts Chromium with ``policy`` in /etc/chromium/policies/managed."""
    if not _can_unshare():
        pytest.skip("needs unshare --mount (root or CAP_SYS_ADMIN) to give Chromium a policy")
    etc = root / "etc-chromium"
    managed = etc / "policies" / "managed"
    managed.mkdir(parents=True)
    for existing in Path("/etc/chromium").glob("*"):
        if existing.is_file():  # master_preferences: keep what the package ships
            shutil.copy(existing, etc)
    extension_id = unpacked_extension_id(EXTENSION_DIR)
    document = {"3rdparty": {"extensions": {extension_id: policy}}}
    (managed / "threatvec.json").write_text(json.dumps(document))
    wrapper = root / "chromium-with-policy"
    wrapper.write_text(
        "#!/bin/sh\n"
        "exec unshare --mount --propagation private sh -c "
        f'\'mount --bind "$0" /etc/chromium && exec "$@"\' {etc} {chromium_path} "$@"\n'
    )
    wrapper.chmod(0o755)
    yield wrapper


@contextmanager
def browser_with_policy(
    chromium_path: str, ai_sites: int, tmp_path: Path, policy: dict[str, Any]
) -> Iterator[tuple[Any, Any]]:
    with (
        policy_chromium(chromium_path, tmp_path, policy) as wrapper,
        open_browser(str(wrapper), ai_sites, tmp_path / "profile") as context,
    ):
        worker = extension_worker(context)
        assert worker.url.split("/")[2] == unpacked_extension_id(EXTENSION_DIR)
        yield context, worker


def wait_until(check: Callable[[], Any], what: str, timeout: float = 25.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


# A first delivery that fails (a busy server, a salt fetch that errs) is tried again on
# the worker's one-minute alarm: a wait shorter than that would fail on a working retry.
DELIVERY_TIMEOUT = 75.0


def delivered(worker: Any, check: Callable[[], Any]) -> Any:
    """``check``'s value once events arrived; the extension's queue state if they never do."""
    try:
        return wait_until(check, "event", timeout=DELIVERY_TIMEOUT)
    except AssertionError:
        queue = worker.evaluate(
            "chrome.storage.local.get(['tv_queue', 'tv_queue_state'])"
            ".then(v => ({queued: (v.tv_queue || []).length, state: v.tv_queue_state}))"
        )
        raise AssertionError(f"no event reached the server; the extension's queue: {queue}")


def stored_users(session_factory, org_id: str, domain: str) -> list[str | None]:
    with session_scope(session_factory) as s:
        rows = s.scalars(
            select(ShadowEvent.user_hash).where(
                ShadowEvent.org_id == org_id, ShadowEvent.domain == domain
            )
        )
        return list(rows)


def popup(context: Any, extension_id: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"chrome-extension://{extension_id}/popup.html")
    return page


def test_policy_configures_the_extension_and_it_uses_the_orgs_salt(
    chromium_path, ai_sites, tmp_path, live_server, session_factory, client
) -> None:
    org = create_org(session_factory)
    # No userIdSalt in the policy: the admin did not copy `threatvec shadow user-id-salt`.
    policy = {
        "serverUrl": live_server.url,
        "orgKey": org.key,
        "userIdentifier": USER,
        "reportUnknownServices": False,
    }
    with browser_with_policy(chromium_path, ai_sites, tmp_path, policy) as (context, worker):
        managed = worker.evaluate("chrome.storage.managed.get(null)")
        assert managed == policy  # what the admin pushed is what the extension reads
        page = context.new_page()
        page.goto("https://chatgpt.com/")
        users = delivered(worker, lambda: stored_users(session_factory, org.id, "chatgpt.com"))

        ext = popup(context, worker.url.split("/")[2])
        # Fixed by policy: shown, greyed out, and the note says why.
        assert ext.input_value("#serverUrl") == live_server.url
        assert ext.is_disabled("#serverUrl") and ext.is_disabled("#orgKey")
        assert ext.is_visible("#managed-note")
        cached = worker.evaluate("chrome.storage.local.get(null)")

    with session_scope(session_factory) as s:
        secrets = org_user_salt(session=s, org_id=org.id)
    # The same id the server gives this person from Copilot, Okta or proxy logs.
    assert users == [user_pseudonym(secrets, USER)]
    # The org key is not copied into local storage (the cache is keyed by a hash of it).
    assert org.key not in json.dumps(cached)
    # A Copilot-side import of the same person is one user, not two.
    first = extension_hash(secrets.salt, USER.lower())
    post_events(live_server.url, org, [visit("chatgpt.com", user_hash=first)])
    assert service_users(client, org, "chatgpt.com") == 1


def test_server_unreachable_events_wait_for_the_salt_and_are_not_lost(
    chromium_path, ai_sites, tmp_path, engine, session_factory
) -> None:
    from threatvec.server.app import create_app

    org = create_org(session_factory)
    port = free_port()  # nothing listens here yet
    url = f"http://127.0.0.1:{port}"
    policy = {"serverUrl": url, "orgKey": org.key, "userIdentifier": USER}
    with browser_with_policy(chromium_path, ai_sites, tmp_path, policy) as (context, worker):
        context.new_page().goto("https://claude.ai/")
        ext = popup(context, worker.url.split("/")[2])
        status = lambda: ext.evaluate("chrome.runtime.sendMessage({type: 'tv-status'})")  # noqa: E731
        # Queued and held: the org's salt could not be fetched, so no id is guessed.
        wait_until(lambda: status()["held"] == 1, "the visit to be held")
        assert status()["queued"] == 1 and status()["sent"] == 0
        ext.reload()  # the popup says why the event has not gone yet
        ext.wait_for_function("document.getElementById('queued').textContent.includes('salt')")
        assert ext.inner_text("#queued") == "1 (1 waiting for the organisation's user id salt)"

        app = create_app(settings_for_tests(tmp_path / "srv"), engine=engine)
        server = LiveServer(app, port).start()
        try:
            ext.evaluate("chrome.runtime.sendMessage({type: 'tv-flush'})")
            users = wait_until(lambda: stored_users(session_factory, org.id, "claude.ai"), "event")
            assert status()["queued"] == 0 and status()["held"] == 0
        finally:
            server.stop()
    with session_scope(session_factory) as s:
        secrets = org_user_salt(session=s, org_id=org.id)
    assert users == [user_pseudonym(secrets, USER)]


def test_ids_made_with_the_installs_own_salt_are_folded(
    chromium_path, ai_sites, tmp_path, live_server, session_factory, client
) -> None:
    org = create_org(session_factory)
    # What this install sent before it fetched the org's salt (its policy had its own).
    earlier = extension_hash(OWN_SALT, USER)
    post_events(live_server.url, org, [visit("chatgpt.com", user_hash=earlier)])
    policy = {
        "serverUrl": live_server.url,
        "orgKey": org.key,
        "userIdSalt": OWN_SALT,
        "userIdentifier": USER,
    }
    with browser_with_policy(chromium_path, ai_sites, tmp_path, policy) as (context, worker):
        context.new_page().goto("https://chatgpt.com/")
        delivered(worker, lambda: len(stored_users(session_factory, org.id, "chatgpt.com")) == 2)
        with session_scope(session_factory) as s:
            secrets = org_user_salt(session=s, org_id=org.id)
        common = user_pseudonym(secrets, USER)
        # Both the earlier event and the new one are under the one org-salt id.
        wait_until(
            lambda: stored_users(session_factory, org.id, "chatgpt.com") == [common, common],
            "the earlier id to be folded",
        )
    assert rekey(secrets.key, earlier) != common
    assert service_users(client, org, "chatgpt.com") == 1
    r = httpx.get(f"{live_server.url}/api/v1/shadow/services", headers=org.headers)
    assert r.status_code == 200
