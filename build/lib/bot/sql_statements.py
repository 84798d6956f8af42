"""`Statement`: an SQL statement compiled once per database dialect and run on the driver's cursor.

The tracker store's loading and saving (bot/tracker_store.py) run on it: each message loads and
saves a conversation, and SQLAlchemy's execution layer (execution context, result object, rows)
cost as much as the query itself on SQLite.
"""
from typing import List

import sqlalchemy as sa


class Statement:
    """An SQL statement compiled once per database dialect and run on the driver's own cursor, in
    the connection's transaction: SQLAlchemy's execution layer (execution context, result object,
    rows) cost as much as the query itself on SQLite. Rows come back as `row_type` tuples."""

    def __init__(self, statement, row_type=None) -> None:
        self.statement = sa.text(statement) if isinstance(statement, str) else statement
        self.row_type = row_type
        self._compiled = {}

    def _for(self, dialect, keys):
        compiled = self._compiled.get((dialect, keys))
        if compiled is None:
            sql = self.statement.compile(dialect=dialect, column_keys=list(keys))
            compiled = self._compiled[(dialect, keys)] = (sql.string, sql.positiontup if dialect.positional else None)
        return compiled

    @staticmethod
    def _arguments(names, params: dict):
        """The parameters as the driver takes them: by name, or in the statement's order."""
        return params if names is None else tuple(params[name] for name in names)

    def rows(self, connection, **params) -> list:
        sql, names = self._for(connection.dialect, ())
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, self._arguments(names, params))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return [self.row_type._make(row) for row in rows] if self.row_type else rows

    def insert_many(self, connection, rows: List[dict]) -> None:
        sql, names = self._for(connection.dialect, tuple(rows[0]))
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(sql, [self._arguments(names, row) for row in rows])
        finally:
            cursor.close()
