"""The run store: every run of a model, the outcomes that resolve issues, and the ledger heads seen.

SQLite in the user's data directory by default (``KTOKOVO_DB`` or ``--db`` name another file or any SQLAlchemy
URL, such as ``postgresql+psycopg://user@host/db`` for a team). Each run is written in one transaction: a run is
in the store whole or not at all, whatever happens to the writing process. SQLite runs in WAL mode with
``synchronous=FULL`` and takes its write lock at the start of each transaction, so concurrent writers wait
for each other instead of failing.

>>> import ktokovo, tempfile, pathlib
>>> from ktokovo.store import Store
>>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite")
>>> sc = ktokovo.load("ukraine-2025")
>>> run_id = store.record("forecast", sc, [ktokovo.run(sc, "mean")])
>>> store.get(run_id).forecasts.loc[("mean", "crimea"), "forecast"].round(2)
np.float64(75.38)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ktokovo.core.errors import EnvironmentFailure, ParameterError
from ktokovo.core.jsonable import to_jsonable
from ktokovo.evaluation.scores import crps, score_rows
from ktokovo.store import _schema
from ktokovo.store._schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import pandas as pd

    from ktokovo.analysis.ledger import Verdict
    from ktokovo.analysis.uncertainty import SampleResult
    from ktokovo.core.result import ModelResult
    from ktokovo.core.scenario import Scenario

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "StoredRun", "crps", "default_url", "now"]


class StoreError(EnvironmentFailure):
    """The run store cannot be opened, read or written (the CLI exits with 1)."""


class NotStored(StoreError, ParameterError):
    """The store does not hold what was asked for: no such run, backtest or issue (bad input: exit 2)."""


def default_url() -> str:
    """``KTOKOVO_DB`` if set, else ``runs.sqlite`` in the user's data directory."""
    given = os.environ.get("KTOKOVO_DB")
    if given:
        return _url(given)
    from platformdirs import user_data_path

    return _url(user_data_path("ktokovo") / "runs.sqlite")


def _url(target: str | os.PathLike[str]) -> str:
    text = os.fspath(target)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().absolute()}"


def now() -> str:
    """The time now, UTC, ISO 8601 to the millisecond: how the store writes times."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def scenario_text(scenario: Scenario) -> str:
    from ktokovo.io import dumps

    return dumps(scenario, "yaml").decode("utf-8")


@dataclass(frozen=True)
class StoredRun:
    """One stored run. ``forecasts`` is indexed by (model, issue); ``trajectories`` maps (model, issue) to
    a DataFrame of positions, rounds down and actors across."""

    id: int
    info: dict[str, Any]
    forecasts: pd.DataFrame
    trajectories: dict[tuple[str, str], pd.DataFrame]

    def scenario(self) -> Scenario:
        """The scenario exactly as it was run (its inputs as of the run's date, ledger included)."""
        from ktokovo.io import loads

        return loads(self.info["scenario"].encode(), format="yaml", as_of=self.info["as_of"] or None)


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(method: F) -> F:
    """A store method whose database or JSON failures become one :class:`StoreError` naming the store (a disk
    full, a read-only folder, a damaged file or row), never a traceback."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sa.exc.SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            raise StoreError(f"the run store at {_safe(self.url)} failed: {reason}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise StoreError(f"the run store at {_safe(self.url)} holds a damaged record ({error})") from None

    return wrapper  # type: ignore[return-value]


class Store:
    """A run store at a SQLAlchemy URL or an SQLite file path (default: :func:`default_url`).

    Opening a store creates it if needed and upgrades an older schema in place; a store written by a newer
    ktokovo is refused rather than misread.
    """

    def __init__(self, target: str | os.PathLike[str] | None = None) -> None:
        self.url = default_url() if target is None else _url(target)
        try:
            self.engine = _engine(self.url)
        except sa.exc.SQLAlchemyError as error:
            raise StoreError(f"cannot open the run store at {_safe(self.url)}: {error}") from None
        try:
            self._migrate()
        except StoreError:
            self.engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as error:
            self.engine.dispose()
            raise StoreError(
                f"cannot open the run store at {_safe(self.url)}: {getattr(error, 'orig', None) or error}"
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------------
    @_guarded
    def version(self) -> int:
        with self.engine.connect() as connection:
            return _version(connection)

    def _migrate(self, target: int = SCHEMA_VERSION) -> None:
        with self._write() as connection:
            if connection.dialect.name == "postgresql":
                # Two processes opening a new store at once: one builds it, the other waits and then sees it.
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(7214031)"))
            current = _version(connection)
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the run store at {_safe(self.url)} has schema version {current}, newer than this ktokovo "
                    f"knows ({SCHEMA_VERSION}); upgrade ktokovo"
                )
            for number in range(current + 1, target + 1):
                _schema.MIGRATIONS[number - 1](connection)
            if current < target:
                values = {"key": "schema_version", "value": str(target)}
                if current == 0:
                    connection.execute(_schema.meta.insert().values(values))
                else:
                    connection.execute(
                        _schema.meta.update().where(_schema.meta.c.key == "schema_version").values(value=str(target))
                    )

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as connection:
            yield connection

    # -- runs --------------------------------------------------------------------------------------
    @_guarded
    def record(
        self,
        command: str,
        scenario: Scenario,
        results: Sequence[ModelResult],
        samples: Sequence[SampleResult] = (),
        *,
        source: str = "",
        started_at: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Store one run (its scenario, every model's forecast and rounds, and draws if any); return its id.
        ``started_at``: when the work began (:func:`now`; default: now); ``details``: JSON-ready extra results."""
        from ktokovo.core.result import package_version

        text = scenario_text(scenario)
        drawn = {s.model: s for s in samples}
        drawn = {model: s for model, s in drawn.items() if len(s.forecasts)}  # interrupted before any draw: none
        models = list(dict.fromkeys([r.model for r in results] + list(drawn)))
        by_model = {r.model: r for r in results}
        forecast_rows, trajectory_rows = [], []
        for model in models:
            result, sample = by_model.get(model), drawn.get(model)
            for j, issue in enumerate(scenario.issues):
                draws = sample.forecasts[:, j] if sample is not None else None
                point = result.forecast[j] if result is not None else np.median(sample.forecasts[:, j])  # type: ignore[union-attr]
                forecast_rows.append(
                    {
                        "model": model,
                        "issue": issue.name,
                        "scale_low": issue.scale[0],
                        "scale_high": issue.scale[1],
                        "forecast": float(point),
                        "low": None if draws is None else float(np.quantile(draws, 0.025)),
                        "high": None if draws is None else float(np.quantile(draws, 0.975)),
                        "draws": None if draws is None else np.asarray(draws, dtype="<f8").tobytes(),
                    }
                )
                if result is not None:
                    trajectory_rows.append(
                        {
                            "model": model,
                            "issue": issue.name,
                            "actors": json.dumps(list(scenario.actor_names)),
                            "positions": json.dumps(to_jsonable(result.positions[:, :, j])),
                        }
                    )
        settings = {r.model: {"preset": r.preset, "rounds": r.rounds, **dict(r.parameters)} for r in results}
        row = {
            "command": command,
            "scenario_name": scenario.name,
            "scenario_source": source or scenario.name,
            "scenario_hash": hashlib.sha256(text.encode()).hexdigest(),
            "scenario": text,
            "models": json.dumps(models),
            "parameters": json.dumps(to_jsonable(settings)),
            # A run driven by a caller's generator has no seed to replay it by: None, never a made-up one.
            "seed": None
            if any(not r.replayable for r in results)
            else (results[0].seed if results else (samples[0].seed if samples else None)),
            "samples": max((len(s.forecasts) for s in samples), default=0),
            "version": package_version(),
            "started_at": started_at or now(),
            "finished_at": now(),
            "n_forecasts": len(forecast_rows),
            "as_of": scenario.as_of or None,
            "details": None if details is None else json.dumps(to_jsonable(details)),
        }
        with self._write() as connection:
            run_id = _inserted(connection.execute(_schema.runs.insert().values(row)))
            connection.execute(_schema.forecasts.insert(), [{"run_id": run_id, **r} for r in forecast_rows])
            if trajectory_rows:
                connection.execute(_schema.trajectories.insert(), [{"run_id": run_id, **r} for r in trajectory_rows])
            if scenario.ledger:
                _note_head(connection, source or scenario.name, scenario)
        return run_id

    @_guarded
    def recent(self, limit: int = 50, scenario: str | None = None) -> list[dict[str, Any]]:
        """The latest runs, newest first: id, command, scenario, models, samples, as_of, started_at."""
        columns = _schema.runs.c
        query = (
            sa.select(
                columns.id,
                columns.command,
                columns.scenario_name,
                columns.models,
                columns.samples,
                columns.as_of,
                columns.started_at,
                columns.scenario_hash,
            )
            .order_by(columns.id.desc())
            .limit(limit)
        )
        if scenario:
            query = query.where(columns.scenario_name == scenario)
        return self._with_models(query)

    def _with_models(self, query: Any) -> list[dict[str, Any]]:
        """The query's rows as dictionaries, their ``models`` column read from its JSON."""
        with self.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        for row in rows:
            row["models"] = json.loads(row["models"])
        return rows

    @_guarded
    def get(self, run_id: int) -> StoredRun:
        """A stored run by id (raises :class:`StoreError` if there is none)."""
        import pandas as pd

        with self.engine.connect() as connection:
            info = connection.execute(sa.select(_schema.runs).where(_schema.runs.c.id == run_id)).first()
            if info is None:
                raise NotStored(f"no run {run_id} in the store at {_safe(self.url)}")
            found = connection.execute(
                sa.select(_schema.forecasts).where(_schema.forecasts.c.run_id == run_id)
            ).fetchall()
            paths = connection.execute(
                sa.select(_schema.trajectories).where(_schema.trajectories.c.run_id == run_id)
            ).fetchall()
        details = dict(info._mapping)
        details["models"] = json.loads(details["models"])
        details["parameters"] = json.loads(details["parameters"])
        details["details"] = json.loads(details["details"]) if details["details"] else {}
        frame = pd.DataFrame(
            [
                {
                    "model": r.model,
                    "issue": r.issue,
                    "forecast": r.forecast,
                    "low": np.nan if r.low is None else r.low,
                    "high": np.nan if r.high is None else r.high,
                    "draws": 0 if r.draws is None else len(r.draws) // 8,
                }
                for r in found
            ],
            columns=["model", "issue", "forecast", "low", "high", "draws"],
        ).set_index(["model", "issue"])
        trajectories = {
            (r.model, r.issue): pd.DataFrame(
                json.loads(r.positions), columns=json.loads(r.actors), dtype=float
            ).rename_axis("round")
            for r in paths
        }
        return StoredRun(run_id, details, frame, trajectories)

    @_guarded
    def latest_details(self, scenario: str, key: str) -> Any:
        """``details[key]`` of the latest run of a scenario that stored it (a sensitivity ranking, say), or None."""
        runs = _schema.runs
        query = (
            sa.select(runs.c.details)
            .where((runs.c.scenario_name == scenario) & runs.c.details.is_not(None))
            .order_by(runs.c.id.desc())
        )
        with self.engine.connect() as connection:
            for text in connection.execute(query).scalars():
                found = json.loads(text).get(key)
                if found is not None:
                    return found
        return None

    @_guarded
    def draws(self, run_id: int, model: str, issue: str) -> np.ndarray | None:
        """The stored draws of one forecast, or None if the run had none."""
        table = _schema.forecasts
        query = sa.select(table.c.draws).where(
            (table.c.run_id == run_id) & (table.c.model == model) & (table.c.issue == issue)
        )
        with self.engine.connect() as connection:
            blob = connection.execute(query).scalar()
        return None if blob is None else np.frombuffer(blob, dtype="<f8").copy()

    # -- outcomes and scores -----------------------------------------------------------------------
    @_guarded
    def resolve(self, scenario: str, issue: str, value: float, date: str, note: str = "") -> int:
        """Record the real outcome of an issue on a date; return the outcome's id."""
        known = self._issues(scenario)
        if known and issue not in known:
            raise NotStored(f"no stored run of '{scenario}' has an issue '{issue}'; its issues: {', '.join(known)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ParameterError(f"the outcome must be a finite number, not {value!r}")
        scale = self._scale(scenario, issue)
        if scale is not None and not scale[0] <= value <= scale[1]:
            raise ParameterError(
                f"the outcome {value:g} is off the issue's scale {scale[0]:g}–{scale[1]:g} (as its stored runs have it)"
            )
        row = {
            "scenario_name": scenario,
            "issue": issue,
            "value": float(value),
            "date": date,
            "recorded_at": now(),
            "note": note,
        }
        with self._write() as connection:
            return _inserted(connection.execute(_schema.outcomes.insert().values(row)))

    def _scale(self, scenario: str, issue: str) -> tuple[float, float] | None:
        """The issue's scale in the latest stored run of the scenario that has it."""
        table, runs = _schema.forecasts, _schema.runs
        query = (
            sa.select(table.c.scale_low, table.c.scale_high)
            .join(runs, runs.c.id == table.c.run_id)
            .where((runs.c.scenario_name == scenario) & (table.c.issue == issue))
            .order_by(table.c.run_id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else (float(row[0]), float(row[1]))

    def _issues(self, scenario: str) -> list[str]:
        query = (
            sa.select(_schema.forecasts.c.issue)
            .join(_schema.runs, _schema.runs.c.id == _schema.forecasts.c.run_id)
            .where(_schema.runs.c.scenario_name == scenario)
            .distinct()
        )
        with self.engine.connect() as connection:
            return sorted(connection.execute(query).scalars())

    @_guarded
    def outcomes(self, scenario: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(_schema.outcomes).order_by(_schema.outcomes.c.id)
        if scenario:
            query = query.where(_schema.outcomes.c.scenario_name == scenario)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    @_guarded
    def scored(self, scenario: str | None = None) -> list[dict[str, Any]]:
        """Every stored forecast of a resolved issue, scored against the latest outcome recorded for it.

        A forecast counts only if what it knew predates the outcome: its ``as_of`` date (or, without a ledger,
        the day it ran) must be on or before the outcome's date. Later ones are kept, marked ``hindsight``.
        """
        latest = {(o["scenario_name"], o["issue"]): o for o in self.outcomes(scenario)}
        if not latest:
            return []
        runs, table = _schema.runs, _schema.forecasts
        query = (
            sa.select(table, runs.c.scenario_name, runs.c.as_of, runs.c.started_at, runs.c.samples)
            .join(runs, runs.c.id == table.c.run_id)
            .order_by(table.c.run_id)
        )
        if scenario:
            query = query.where(runs.c.scenario_name == scenario)
        rows = []
        with self.engine.connect() as connection:
            for r in connection.execute(query):
                outcome = latest.get((r.scenario_name, r.issue))
                if outcome is None:
                    continue
                draws = None if r.draws is None else np.frombuffer(r.draws, dtype="<f8")
                known = r.as_of or r.started_at[:10]
                rows.append(
                    {
                        "run": r.run_id,
                        "scenario": r.scenario_name,
                        "model": r.model,
                        "issue": r.issue,
                        "known_as_of": known,
                        "outcome_date": outcome["date"],
                        "hindsight": known > outcome["date"],
                        **score_rows(r.forecast, r.low, r.high, draws, outcome["value"], (r.scale_low, r.scale_high)),
                    }
                )
        return rows

    # -- backtests ---------------------------------------------------------------------------------
    @_guarded
    def record_backtest(self, report: Any, started_at: str | None = None) -> int:
        """Store a backtest (:class:`ktokovo.application.BacktestReport`): its summary (the JSON of
        ``backtest --json``) and a score per forecaster and issue: split "in-sample" for the leaderboard's
        models, "folds" and "date" for the out-of-sample scores. Returns the backtest's id."""
        from ktokovo.core.result import package_version

        result = report.result
        rows = []
        for m, model in enumerate(result.models):
            for case, value, error in zip(result.cases, result.predictions[:, m], result.errors[:, m], strict=True):
                if not np.isnan(value):
                    rows.append(
                        {
                            "split": "in-sample",
                            "forecaster": model,
                            "issue": case.issue_id,
                            "proposal": case.proposal,
                            "outcome": case.outcome,
                            "point": float(value),
                            "error": float(error),
                            "crps": float(error),  # a point forecast's CRPS is its absolute error
                            "log_score": None,
                            "pit": None,
                        }
                    )
        for score in report.out_of_sample:
            for row in score.rows:
                rows.append(
                    {
                        "split": score.split,
                        "forecaster": score.name,
                        "issue": row["issue"],
                        "proposal": row["proposal"],
                        "outcome": row["outcome"],
                        "point": row["point"],
                        "error": row["error"],
                        "crps": row["crps"],
                        "log_score": row["log"],
                        "pit": row["pit"],
                    }
                )
        summary = report.to_dict()
        entry = {
            "source": " ".join(report.sources),
            "citation": report.citation,
            "capabilities": result.scheme,
            "models": json.dumps(list(result.models)),
            "seed": int(result.seed),
            "cases": len(result.cases),
            "version": package_version(),
            "started_at": started_at or now(),
            "finished_at": now(),
            "summary": json.dumps(summary, allow_nan=False),
        }
        with self._write() as connection:
            backtest_id = _inserted(connection.execute(_schema.backtests.insert().values(entry)))
            if rows:
                connection.execute(_schema.backtest_scores.insert(), [{"backtest_id": backtest_id, **r} for r in rows])
        return backtest_id

    @_guarded
    def backtests(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest backtests, newest first: id, source, capabilities, models, cases, started_at."""
        c = _schema.backtests.c
        query = (
            sa.select(c.id, c.source, c.capabilities, c.models, c.cases, c.seed, c.started_at)
            .order_by(c.id.desc())
            .limit(limit)
        )
        return self._with_models(query)

    @_guarded
    def backtest_scores(self, backtest_id: int) -> Any:
        """A stored backtest's per-issue scores as a pandas DataFrame (raises :class:`StoreError` if there is no
        such backtest)."""
        import pandas as pd

        with self.engine.connect() as connection:
            if (
                connection.execute(
                    sa.select(_schema.backtests.c.id).where(_schema.backtests.c.id == backtest_id)
                ).first()
                is None
            ):
                raise NotStored(f"no backtest {backtest_id} in the store at {_safe(self.url)}")
            table = _schema.backtest_scores
            found = connection.execute(sa.select(table).where(table.c.backtest_id == backtest_id)).fetchall()
        return pd.DataFrame([dict(r._mapping) for r in found]).drop(columns=["backtest_id"], errors="ignore")

    # -- ledger heads ------------------------------------------------------------------------------
    @_guarded
    def note_ledger(self, source: str, scenario: Scenario) -> None:
        """Remember the ledger's head as seen now (``ktokovo ledger verify`` later checks it is still there)."""
        with self._write() as connection:
            _note_head(connection, source, scenario)

    @_guarded
    def check_ledger(self, source: str, scenario: Scenario) -> Verdict:
        """Check a scenario's ledger as the CLI's and the web's verify do: its hash chain, every head this store
        has seen of it (under ``source`` or by its first entry), the digest of the inputs the latest head was
        seen with, and the seal its file records. ``bad`` is 0 when the inputs or the seal are what is wrong.
        A ledger that passes is remembered under ``source``."""
        from ktokovo.analysis.ledger import Verdict, verify_ledger
        from ktokovo.io.yaml_format import inputs_digest, seal_problem

        base = scenario.base or scenario
        root = base.ledger[0].hash if base.ledger else None
        verdict = verify_ledger(base.ledger, self.ledger_anchors(source, root), inputs_digest(base))
        if verdict.ok and (sealed := seal_problem(base)) is not None:
            return Verdict(verdict.entries, 0, sealed)
        if verdict.ok and base.ledger:
            self.note_ledger(source, base)
        return verdict

    @_guarded
    def ledger_anchors(self, source: str, root: str | None = None) -> list[tuple[int, str, str, str | None]]:
        """Every head seen of this ledger: under the same source, or under any source whose ledger has the same
        first entry (``root``; a copy of the file elsewhere). Each is (entries, head, seen at, inputs digest or
        None for heads seen before schema 4)."""
        table = _schema.ledger_heads
        where = table.c.source == source
        if root:
            where = where | (table.c.root == root)
        query = sa.select(table.c.entries, table.c.head, table.c.seen_at, table.c.inputs).where(where)
        with self.engine.connect() as connection:
            found = {
                (int(r.entries), str(r.head), str(r.seen_at), None if r.inputs is None else str(r.inputs))
                for r in connection.execute(query)
            }
        return sorted(found, key=lambda a: (a[0], a[2]))


def _note_head(connection: sa.Connection, source: str, scenario: Scenario) -> None:
    from ktokovo.io.yaml_format import inputs_digest

    base = scenario.base or scenario
    ledger = base.ledger
    if not ledger or not ledger[-1].hash:
        return
    table = _schema.ledger_heads
    values = {
        "source": source,
        "entries": len(ledger),
        "head": ledger[-1].hash,
        "seen_at": now(),
        "root": ledger[0].hash,
        "inputs": inputs_digest(base),
    }
    # Two processes may note the same head at once: the second insert is a no-op, not a key violation.
    dialect = connection.dialect.name
    if dialect in {"postgresql", "sqlite"}:
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        connection.execute(insert(table).values(values).on_conflict_do_nothing())
        return
    key = (table.c.source == source) & (table.c.entries == len(ledger)) & (table.c.head == ledger[-1].hash)
    if connection.execute(sa.select(table.c.entries).where(key)).first() is None:
        connection.execute(table.insert().values(values))


def _inserted(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _version(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table("meta"):
        return 0
    value = connection.execute(sa.select(_schema.meta.c.value).where(_schema.meta.c.key == "schema_version")).scalar()
    if value is None:
        return 0
    if not str(value).isascii() or not str(value).isdigit():
        raise StoreError(f"the run store is damaged: its schema version is {value!r}, not a number")
    return int(value)


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _connect(connection: Any, record: Any) -> None:
            # Let SQLAlchemy's "begin" below open transactions, so that the write lock is taken at once (a
            # deferred transaction that later writes can fail with "database is locked" under contention).
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _safe(url: str) -> str:
    """The URL without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unreadable URL>"
