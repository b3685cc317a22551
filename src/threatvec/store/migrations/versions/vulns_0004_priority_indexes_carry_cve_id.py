"""priority indexes carry cve_id

A technology or text filter probes each row by its CVE id while the list
walks the priority index; with cve_id in the index entry the probe needs no
table read, so only matching rows cost a row fetch.

Revision ID: vulns_0004
Revises: vulns_0003
Create Date: 2026-11-26 00:10:00
"""

from __future__ import annotations

from alembic import op

revision = "vulns_0004"
down_revision = "vulns_0003"
branch_labels = None
depends_on = None

_NEW = {
    "ix_cve_exposures_rel_priority": ["org_id", "relevant", "priority", "id", "cve_id"],
    "ix_cve_exposures_priority": ["org_id", "priority", "id", "cve_id"],
    "ix_cve_exposures_stack_priority": ["org_id", "in_stack", "priority", "id", "cve_id"],
}


def upgrade() -> None:
    for name, cols in _NEW.items():
        op.drop_index(name, table_name="cve_exposures")
        op.create_index(name, "cve_exposures", cols, unique=False)


def downgrade() -> None:
    for name, cols in _NEW.items():
        op.drop_index(name, table_name="cve_exposures")
        op.create_index(name, "cve_exposures", cols[:-1], unique=False)
