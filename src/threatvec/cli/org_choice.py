"""`--org ORG` for commands that read one organisation's data: an id or a name, or the default."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.cli.common import fail
from threatvec.orgs import service as orgs
from threatvec.orgs.models import Org

__all__ = ["ORG_HELP", "org_or_fail"]

ORG_HELP = "Org id or name (default: the default org)"
MAX_LISTED = 20  # choices named in an error; more would bury the message


def _choices(session: Session) -> str:
    rows = orgs.list_orgs(session=session)
    if not rows:
        return "there is no organisation yet (`threatvec org create NAME`)"
    named = ", ".join(f"{o.name!r} (id {o.id})" for o in rows[:MAX_LISTED])
    more = (
        f", and {len(rows) - MAX_LISTED} more (`threatvec org list`)"
        if len(rows) > MAX_LISTED
        else ""
    )
    return f"choose one of: {named}{more}"


def org_or_fail(session: Session, org: str | None) -> Org:
    """The org ORG names (by id or name); without ORG, the default org. Exits 1 if none."""
    if org is None:
        found = orgs.get_default_org(session=session)
        if found is None:
            fail(f"no default organisation; pass --org: {_choices(session)}")
        return found
    # the id first: a name that happens to equal another org's id must not shadow it
    found = session.get(Org, org) or session.scalar(select(Org).where(Org.name == org))
    if found is None:
        fail(f"no organisation {org[:200]!r}; {_choices(session)}")
    return found
