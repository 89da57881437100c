"""The run store's tables, and the migrations that build and upgrade them in place.

Each migration takes a store from version N-1 to N inside one transaction, so a store is always at a whole
version. A new table or column is a new migration appended to :data:`MIGRATIONS`; old ones never change, since
stores in the field were built by them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _run_columns() -> list[sa.Column[object]]:
    """The columns of ``runs`` in version 1."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("command", sa.String(32), nullable=False),
        sa.Column("scenario_name", sa.String(200), nullable=False, index=True),
        sa.Column("scenario_source", sa.Text, nullable=False),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("models", sa.Text, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=False),
        sa.Column("n_forecasts", sa.Integer, nullable=False),
    ]


# version 2: as_of, the date whose state of the talks the run's inputs show; details, JSON of what else the
# command computed (sensitivity rankings, the deal analysis).
runs = sa.Table("runs", metadata, *_run_columns(), sa.Column("as_of", sa.String(10)), sa.Column("details", sa.Text))


def _per_model_and_issue() -> list[sa.Column[object]]:
    """The key of a table with a row per run, model and issue."""
    return [
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(32), primary_key=True),
        sa.Column("issue", sa.String(200), primary_key=True),
    ]


forecasts = sa.Table(
    "forecasts",
    metadata,
    *_per_model_and_issue(),
    sa.Column("scale_low", sa.Float, nullable=False),
    sa.Column("scale_high", sa.Float, nullable=False),
    sa.Column("forecast", sa.Float, nullable=False),
    sa.Column("low", sa.Float),
    sa.Column("high", sa.Float),
    sa.Column("draws", sa.LargeBinary),
)

trajectories = sa.Table(
    "trajectories",
    metadata,
    *_per_model_and_issue(),
    sa.Column("actors", sa.Text, nullable=False),
    sa.Column("positions", sa.Text, nullable=False),
)

outcomes = sa.Table(
    "outcomes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario_name", sa.String(200), nullable=False, index=True),
    sa.Column("issue", sa.String(200), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)


def _ledger_head_columns() -> list[sa.Column[object]]:
    """The columns of ``ledger_heads`` in version 2."""
    return [
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("entries", sa.Integer, primary_key=True),
        sa.Column("head", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.String(32), nullable=False),
    ]


# version 4: each head also names its ledger by its first entry's hash (``root``), so that a copy of the file
# under another path is checked against it, and the SHA-256 of the scenario's own inputs (``inputs``), which
# the chain of entries does not cover.
ledger_heads = sa.Table(
    "ledger_heads",
    metadata,
    *_ledger_head_columns(),
    sa.Column("root", sa.String(64), index=True),
    sa.Column("inputs", sa.String(64)),
)


def _v1(connection: sa.Connection) -> None:
    """Runs with their scenario, forecasts (with draws) and per-round positions."""
    sa.Table("runs", sa.MetaData(), *_run_columns()).create(connection)
    for table in (meta, forecasts, trajectories):
        table.create(connection)


def _v2(connection: sa.Connection) -> None:
    """The date a run's scenario is known as of and its other results; outcomes for scoring; ledger heads."""
    connection.execute(sa.text("ALTER TABLE runs ADD COLUMN as_of VARCHAR(10)"))
    connection.execute(sa.text("ALTER TABLE runs ADD COLUMN details TEXT"))
    outcomes.create(connection)
    sa.Table("ledger_heads", sa.MetaData(), *_ledger_head_columns()).create(connection)


# version 3: backtests, with every forecaster's score on every issue (in sample, or out of sample by split).
backtests = sa.Table(
    "backtests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("citation", sa.Text, nullable=False),
    sa.Column("capabilities", sa.String(200), nullable=False),
    sa.Column("models", sa.Text, nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)

backtest_scores = sa.Table(
    "backtest_scores",
    metadata,
    sa.Column("backtest_id", sa.Integer, sa.ForeignKey("backtests.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("split", sa.String(16), primary_key=True),
    sa.Column("forecaster", sa.String(64), primary_key=True),
    sa.Column("issue", sa.String(200), primary_key=True),
    sa.Column("proposal", sa.String(200), nullable=False),
    sa.Column("outcome", sa.Float, nullable=False),
    sa.Column("point", sa.Float, nullable=False),
    sa.Column("error", sa.Float, nullable=False),
    sa.Column("crps", sa.Float, nullable=False),
    sa.Column("log_score", sa.Float),
    sa.Column("pit", sa.Float),
)


def _v3(connection: sa.Connection) -> None:
    """Backtests and their per-issue scores."""
    backtests.create(connection)
    backtest_scores.create(connection)


def _v4(connection: sa.Connection) -> None:
    """Ledger heads name their ledger (its root) and the scenario's inputs they were seen with."""
    connection.execute(sa.text("ALTER TABLE ledger_heads ADD COLUMN root VARCHAR(64)"))
    connection.execute(sa.text("ALTER TABLE ledger_heads ADD COLUMN inputs VARCHAR(64)"))
    connection.execute(sa.text("CREATE INDEX ix_ledger_heads_root ON ledger_heads (root)"))


MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2, _v3, _v4]
"""MIGRATIONS[N-1] takes a store from version N-1 to version N."""

SCHEMA_VERSION = len(MIGRATIONS)
