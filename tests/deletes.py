"""Watching one session's DELETE statements: how many rows each removed, and its commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session


@contextmanager
def deletes(session: Session, table: str = "") -> Iterator[list[int]]:
    """Rows each DELETE (of ``table``, or of any table) by ``session`` removed; a 0 after
    each commit, so batching shows as counts between zeros."""
    rows: list[int] = []
    connections: set[int] = set()
    prefix = f"DELETE FROM {table}".upper().rstrip()

    def track(_s: Session, _tx: Any, conn: Connection) -> None:
        connections.add(id(conn))

    def committed(_s: Session) -> None:
        rows.append(0)

    def count(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        # Only this session's statements: a scheduler thread may use the engine meanwhile.
        if id(conn) in connections and statement.lstrip().upper().startswith(prefix):
            rows.append(cursor.rowcount)

    engine = session.get_bind()
    event.listen(session, "after_begin", track)
    event.listen(session, "after_commit", committed)
    event.listen(engine, "after_cursor_execute", count)
    try:
        yield rows
    finally:
        event.remove(engine, "after_cursor_execute", count)
        event.remove(session, "after_begin", track)
        event.remove(session, "after_commit", committed)
