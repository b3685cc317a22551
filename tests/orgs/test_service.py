from __future__ import annotations

import pytest

from threatvec.core.errors import Conflict, InvalidInput
from threatvec.orgs import service as orgs
from threatvec.store.engine import session_scope


def test_create_lookup_and_settings(session_factory) -> None:
    with session_scope(session_factory) as s:
        org, key = orgs.create_org(session=s, name="  svc-test-org  ")
        assert org.name == "svc-test-org" and org.key_hash and key not in org.key_hash
        assert orgs.org_for_key(session=s, key=key).id == org.id
        assert orgs.org_for_key(session=s, key=key + "x") is None
        with pytest.raises(Conflict):
            orgs.create_org(session=s, name="svc-test-org")
        with pytest.raises(InvalidInput):
            orgs.create_org(session=s, name="   ")
        assert orgs.get_setting(session=s, org_id=org.id, name="w", default=1) == 1
        orgs.put_setting(session=s, org_id=org.id, name="w", value={"a": 2}, by="tester")
        orgs.put_setting(session=s, org_id=org.id, name="w", value={"a": 3}, by="tester")
        assert orgs.get_setting(session=s, org_id=org.id, name="w") == {"a": 3}


def test_default_org_key_can_be_set_and_rotated(fresh_app) -> None:
    app = fresh_app()
    factory = app.state.session_factory
    with session_scope(factory) as s:
        org = orgs.ensure_default_org(session=s, org_key=None)
        assert not orgs.auth_required(session=s)
        orgs.ensure_default_org(session=s, org_key="tvk_first_key_0123456789")
        assert orgs.auth_required(session=s)
        orgs.ensure_default_org(session=s, org_key="tvk_second_key_0123456789")
        assert orgs.org_for_key(session=s, key="tvk_first_key_0123456789") is None
        assert orgs.org_for_key(session=s, key="tvk_second_key_0123456789").id == org.id


@pytest.mark.parametrize(
    "name", ["acme\nfake-org  [key set]", "acme\x1b[2J", "tab\there", "nul\x00"]
)
def test_an_org_name_with_control_characters_is_refused(session_factory, name: str) -> None:
    # printed raw by `threatvec org list` (one org per line) and in every page's top bar:
    # a newline forged a second org line, an escape sequence drove the admin's terminal
    with session_scope(session_factory) as s, pytest.raises(InvalidInput, match="control"):
        orgs.create_org(session=s, name=name)
