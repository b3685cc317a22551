"""Autogenerate a migration for one domain's branch.

    python tools/new_migration.py DOMAIN "message"

The first migration of a domain branches off the foundation revision with
``branch_labels = (DOMAIN,)``; later ones chain on that branch's head.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from threatvec.store.engine import make_engine
from threatvec.store.migrate import alembic_config, upgrade


def main() -> None:
    domain, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'gen.db'}"
        upgrade(make_engine(url))
        cfg = alembic_config()
        cfg.set_main_option("sqlalchemy.url", url)
        script = ScriptDirectory.from_config(cfg)
        labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
        existing = [p for p in (Path(script.dir) / "versions").glob(f"{domain}_*.py")]
        rev_id = f"{domain}_{len(existing) + 1:04d}"
        if domain in labels:
            command.revision(
                cfg, message=message, autogenerate=True, rev_id=rev_id, head=f"{domain}@head"
            )
        else:
            command.revision(
                cfg,
                message=message,
                autogenerate=True,
                rev_id=rev_id,
                head="0001_foundation",
                branch_label=domain,
                splice=True,
            )


if __name__ == "__main__":
    main()
