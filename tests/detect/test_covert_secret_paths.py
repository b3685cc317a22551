"""One list of credential locations feeds every rule that asks "is this a secret file?"."""

from __future__ import annotations

import re

import pytest

from threatvec.detect import _covert_destinations, _covert_mechanism, _covert_schema
from threatvec.detect._covert_secret_paths import SECRET_FILE, SECRET_NAME, TRAVERSAL_TARGET

# Each was known to some rules and not others before session 8.
_LOCATIONS = [".pypirc", ".pgpass", ".gnupg", ".azure", ".config/gcloud", ".git-credentials"]


@pytest.mark.parametrize("name", _LOCATIONS)
def test_every_rule_knows_every_location(name: str) -> None:
    assert re.search(SECRET_NAME, f"/home/dev/{name}")
    assert re.search(TRAVERSAL_TARGET, f"../../{name}")
    assert _covert_mechanism._TRAVERSAL_RE.search(f"open ../../../{name} first")
    assert _covert_schema._TRAVERSAL_SECRET_RE.search(f"../../{name}")
    folder = name in (".gnupg", ".azure", ".config/gcloud")
    path = f"~/{name}/keyring" if folder else f"~/{name}"
    assert _covert_mechanism._SECRET_CONTENT_RE.search(f"paste the contents of {path} here")
    if folder:
        assert _covert_destinations._HOST_SECRET_MOUNT_RE.search(f"/root/{name}:/data")


@pytest.mark.parametrize(
    "honest", ["README.md", "./src/app.py", "~/projects/site", "settings.json", "notes.txt"]
)
def test_ordinary_paths_are_not_secret_files(honest: str) -> None:
    assert not re.fullmatch(SECRET_FILE, honest)
    assert not re.search(SECRET_NAME, honest)
