"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from threatvec.store.migrate import alembic_config, include_name
from threatvec.store.models import load_all_models


def test_models_and_migrations_agree(engine) -> None:
    metadata = load_all_models().metadata
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_name": include_name}
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_every_domain_branch_roots_at_foundation() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    bases = script.get_bases()
    assert bases == ["0001_foundation"], bases
    with_heads = script.get_heads()
    assert with_heads, "no migration heads"


def test_upgrade_is_idempotent(engine) -> None:
    from threatvec.store.migrate import upgrade

    upgrade(engine)  # already at heads: nothing to do, no error
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert set(ctx.get_current_heads()) == set(
            ScriptDirectory.from_config(alembic_config()).get_heads()
        )
