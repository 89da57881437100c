"""The run store, on SQLite and on a real PostgreSQL server: runs kept whole, schema upgrades, concurrent
writers, a writer killed mid-write, outcomes and scores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from scipy import stats
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app
from ktokovo.store import SCHEMA_VERSION, Store, StoreError, crps
from ktokovo.store import _schema as schema


def test_a_run_comes_back_as_it_was_stored(store_url: str, flagship: ktokovo.Scenario) -> None:
    results = [ktokovo.run(flagship, "mean"), ktokovo.run(flagship, "bdm", rounds=6)]
    draws = ktokovo.sample_forecasts(flagship, "median", samples=50, seed=3)
    with Store(store_url) as store:
        run_id = store.record("forecast", flagship, results, [draws], source="builtin:ukraine-2025")
        stored = store.get(run_id)
        again = store.draws(run_id, "median", "crimea")
    for result in results:
        for j, issue in enumerate(flagship.issue_names):
            assert stored.forecasts.loc[(result.model, issue), "forecast"] == result.forecast[j]  # exact
            path = stored.trajectories[(result.model, issue)]
            np.testing.assert_array_equal(path.to_numpy(), result.positions[:, :, j])
    assert len(stored.trajectories[("bdm", "crimea")]) == 7  # rounds 0..6
    np.testing.assert_array_equal(again, draws.forecasts[:, flagship.issue_index("crimea")])
    row = stored.forecasts.loc[("median", "crimea")]
    assert row["low"] == np.quantile(again, 0.025) and row["draws"] == 50
    info = stored.info
    assert info["models"] == ["mean", "bdm", "median"] and info["samples"] == 50 and info["as_of"] == flagship.as_of
    assert info["parameters"]["bdm"]["rounds"] == 6
    assert stored.scenario() == flagship  # the scenario exactly as run, ledger included


def test_recent_lists_newest_first_and_filters(store_url: str, flagship: ktokovo.Scenario) -> None:
    emission = ktokovo.load("ec-emissions-1994")
    with Store(store_url) as store:
        ids = [
            store.record("forecast", flagship, [ktokovo.run(flagship, "mean")]),
            store.record("compare", emission, [ktokovo.run(emission, "mean")]),
        ]
        assert [r["id"] for r in store.recent()] == ids[::-1]
        assert [r["id"] for r in store.recent(scenario="ukraine-2025")] == ids[:1]
        with pytest.raises(StoreError, match="no run 999"):
            store.get(999)


def _build_version_1(url: str) -> None:
    """A store as the first released schema left it, with one run in it."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        schema.MIGRATIONS[0](connection)
        connection.execute(schema.meta.insert().values(key="schema_version", value="1"))
        run = sa.Table("runs", sa.MetaData(), autoload_with=connection)
        connection.execute(
            run.insert().values(
                command="forecast",
                scenario_name="old",
                scenario_source="builtin:old",
                scenario_hash="0" * 64,
                scenario="name: old",
                models='["mean"]',
                parameters="{}",
                seed=0,
                samples=0,
                version="0.1.0",
                started_at="2026-01-01T00:00:00",
                finished_at="2026-01-01T00:00:01",
                n_forecasts=1,
            )
        )
        connection.execute(
            schema.forecasts.insert().values(
                run_id=1, model="mean", issue="crimea", scale_low=0, scale_high=100, forecast=42.0
            )
        )
    engine.dispose()


def test_an_older_store_is_upgraded_in_place(store_url: str, flagship: ktokovo.Scenario) -> None:
    _build_version_1(store_url)
    with Store(store_url) as store:
        assert store.version() == SCHEMA_VERSION == 4
        old = store.get(1)
        assert old.forecasts.loc[("mean", "crimea"), "forecast"] == 42.0 and old.info["as_of"] is None
        new = store.record("forecast", flagship, [ktokovo.run(flagship, "mean")])
        assert store.get(new).info["as_of"] == flagship.as_of


def test_a_newer_store_is_refused(store_url: str) -> None:
    Store(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(schema.meta.update().values(value=str(SCHEMA_VERSION + 1)))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this ktokovo knows"):
        Store(store_url)


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import ktokovo
    from ktokovo import SampleResult
    from ktokovo.store import Store

    url, count, draws = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    scenario = ktokovo.load("ukraine-2025")
    forecasts = np.random.default_rng(0).uniform(0, 100, (draws, len(scenario.issues)))
    sample = SampleResult(scenario, "median", {}, 0, draws, forecasts)
    results = [ktokovo.run(scenario, "mean"), ktokovo.run(scenario, "bdm")]
    store = Store(url)
    n = 0
    while count < 0 or n < count:
        store.record("forecast", scenario, results, [sample])
        n += 1
        print(n, flush=True)
    """
)


def _writer(url: str, count: int, draws: int = 20) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(count), str(draws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _complete_runs(url: str) -> list[int]:
    """Ids of the runs that hold every forecast row they announced (a half-written run would not)."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                sa.select(schema.forecasts.c.run_id, sa.func.count()).group_by(schema.forecasts.c.run_id)
            ).all()
        )
        announced = dict(connection.execute(sa.select(schema.runs.c.id, schema.runs.c.n_forecasts)).all())
    engine.dispose()
    assert set(counts) == set(announced), "forecast rows without their run, or a run without its rows"
    assert all(counts[i] == announced[i] for i in announced), "a run was stored in part"
    return sorted(announced)


def test_two_processes_writing_at_once_both_land(store_url: str) -> None:
    Store(store_url).close()
    writers = [_writer(store_url, 15), _writer(store_url, 15)]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]  # both waited for (and their pipes closed)
    for writer, stderr in zip(writers, errors, strict=True):
        assert writer.returncode == 0, stderr
    assert len(_complete_runs(store_url)) == 30


def test_a_writer_killed_mid_write_loses_nothing_committed(store_url: str) -> None:
    """SIGKILL, three times, a process that writes large runs without pause (100,000 draws × 7 issues, about
    6 MB a run; measured here, each run spends about 40 ms preparing and 60 ms inside its write transaction),
    at 45, 70 and 90 ms after a commit: the store stays readable, every run reported committed is whole, no part
    of an interrupted run remains, and the store takes new runs."""
    Store(store_url).close()
    committed = 0
    for delay in (0.045, 0.07, 0.09):
        writer = _writer(store_url, -1, draws=100_000)
        assert writer.stdout is not None
        done = 0
        deadline = time.monotonic() + 120
        while done < 2 and time.monotonic() < deadline:
            line = writer.stdout.readline().strip()
            done = int(line) if line.isdigit() else done
        time.sleep(delay)
        os.kill(writer.pid, signal.SIGKILL)
        rest, stderr = writer.communicate(timeout=30)  # also closes the pipes
        assert writer.returncode == -signal.SIGKILL and done >= 2, stderr
        committed += max([done, *(int(x) for x in rest.split() if x.isdigit())])
    if store_url.startswith("sqlite"):
        engine = sa.create_engine(store_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
    runs = _complete_runs(store_url)
    # Every run reported committed is there, whole; a kill between a commit and its report adds at most one more
    # per kill; of a run killed inside its transaction nothing remains (_complete_runs checks every run is whole).
    assert committed <= len(runs) <= committed + 3
    scenario = ktokovo.load("ukraine-2025")
    with Store(store_url) as store:
        new = store.record("forecast", scenario, [ktokovo.run(scenario, "mean")])
        assert new > max(runs)
        assert store.get(runs[0]).forecasts.shape[0] == 21  # 3 models × 7 issues


def test_crps_against_its_closed_form_for_a_normal_forecast() -> None:
    """CRPS(N(μ, σ²), y) = σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ (Gneiting & Raftery 2007, eq. 5):
    200,000 draws from N(50, 10²) against y = 62 agree with it to 0.5%."""
    draws = np.random.default_rng(0).normal(50, 10, 200_000)
    z = (62 - 50) / 10
    exact = 10 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert crps(draws, 62) == pytest.approx(exact, rel=0.005)
    assert crps(np.array([30.0]), 50) == 20.0  # one draw: the absolute error


def test_resolve_scores_stored_forecasts_and_leaves_hindsight_out(store_url: str, flagship: ktokovo.Scenario) -> None:
    early = ktokovo.as_of(flagship, "2025-03-01")
    draws = ktokovo.sample_forecasts(early, "mean", samples=200, seed=0)
    j = flagship.issue_index("ceasefire")
    with Store(store_url) as store:
        before = store.record("forecast", early, [ktokovo.run(early, "mean")], [draws])
        store.record("forecast", flagship, [ktokovo.run(flagship, "mean")])  # as of today: after the outcome
        with pytest.raises(StoreError, match="no stored run of 'ukraine-2025' has an issue 'peace'"):
            store.resolve("ukraine-2025", "peace", 10, "2025-06-01")
        store.resolve("ukraine-2025", "ceasefire", 10, "2025-06-01", note="no general ceasefire by June")
        rows = [r for r in store.scored("ukraine-2025") if r["issue"] == "ceasefire"]
    scored = {r["run"]: r for r in rows}
    first = scored[before]
    forecast = ktokovo.run(early, "mean").forecast[j]
    assert not first["hindsight"] and first["abs_error"] == pytest.approx(abs(forecast - 10))
    column = draws.forecasts[:, j]
    assert first["crps"] == pytest.approx(crps(column, 10))
    assert first["covered95"] == bool(np.quantile(column, 0.025) <= 10 <= np.quantile(column, 0.975))
    assert [r["hindsight"] for r in rows if r["run"] != before] == [True]


def test_cli_runs_list_show_diff_export(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    runner = CliRunner()
    for args in (["forecast", "-m", "mean"], ["forecast", "-m", "mean", "--set", "Russia.capability=40"]):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["runs", "list", "--db", db, "--json"])
    assert [r["id"] for r in json.loads(listed.output)] == [2, 1]
    shown = runner.invoke(app, ["runs", "show", "1", "--db", db])
    assert "ceasefire" in shown.output and "run 1" in shown.output
    diffed = runner.invoke(app, ["runs", "diff", "1", "2", "--db", db, "--json"])
    assert diffed.exit_code == 0, diffed.output
    data = json.loads(diffed.output)
    assert data["inputs"] == [{"input": "Russia.capability", "a": 80.0, "b": 40.0}]
    flagship = ktokovo.load("ukraine-2025")
    expected = ktokovo.run(ktokovo.what_if(flagship, set={"Russia.capability": 40}), "mean").forecast
    shift = {r["issue"]: r["shift"] for r in data["forecasts"]}
    base = ktokovo.run(flagship, "mean").forecast
    assert shift["crimea"] == pytest.approx(expected[1] - base[1])
    assert runner.invoke(app, ["runs", "export", "1", "-o", str(tmp_path / "run.json"), "--db", db]).exit_code == 0
    exported = json.loads((tmp_path / "run.json").read_text())
    assert exported["scenario_name"] == "ukraine-2025" and len(exported["forecasts"]) == 7
    assert exported["started_at"] < exported["finished_at"]  # the command's start, before the models ran
    assert runner.invoke(app, ["runs", "export", "1", "-o", str(tmp_path / "run.csv"), "--db", db]).exit_code == 0
    lines = (tmp_path / "run.csv").read_text().splitlines()
    assert lines[0] == "run,model,issue,forecast,low95,high95,round,actor,position"
    assert len(lines) == 1 + 7 * 4  # mean: one round, 4 actors, 7 issues
    bad = runner.invoke(app, ["runs", "export", "1", "-o", str(tmp_path / "run.txt"), "--db", db])
    assert bad.exit_code == 2 and ".json or .csv" in bad.output


def test_cli_resolve_and_scores(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    runner = CliRunner()
    assert runner.invoke(app, ["forecast", "-m", "mean", "--as-of", "2025-03-01", "--db", db]).exit_code == 0
    resolved = runner.invoke(app, ["resolve", "ceasefire", "10", "--date", "2025-06-01", "--db", db, "--json"])
    assert resolved.exit_code == 0, resolved.output
    (row,) = json.loads(resolved.output)
    early = ktokovo.load("ukraine-2025", as_of="2025-03-01")
    assert row["abs_error"] == pytest.approx(abs(ktokovo.run(early, "mean").forecast[0] - 10))
    table = runner.invoke(app, ["scores", "--db", db, "--json"])
    (summary,) = json.loads(table.output)
    assert (
        summary["model"] == "mean" and summary["forecasts"] == 1 and summary["mae"] == pytest.approx(row["abs_error"])
    )
    bad = runner.invoke(app, ["resolve", "ceasefire", "10", "--date", "June", "--db", db])
    assert bad.exit_code == 2 and "--date: 'June' is not a date written YYYY-MM-DD" in bad.output


def test_cli_names_a_store_it_cannot_open(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["runs", "list", "--db", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code == 1  # the machine, not the input (issue 15: exit 1 for the environment)
    assert "cannot open the run store at postgresql+psycopg://nobody:***@127.0.0.1:1/none" in result.output
    assert "secret" not in result.output


def test_a_damaged_or_failing_store_is_one_message_and_exit_1(tmp_path: Path) -> None:
    """Issue 15: a schema version that is not a number, a run whose JSON is broken, and a write the database
    refuses (a trigger standing in for a full disk) each ended in a traceback. Now each is one line naming the
    store, exit 1 (the machine, not the input); a forecast with the default store only warns and still prints."""
    import sqlite3

    runner = CliRunner()
    damaged = tmp_path / "version.db"
    assert runner.invoke(app, ["forecast", "-m", "mean", "--db", str(damaged)]).exit_code == 0
    with sqlite3.connect(damaged) as connection:
        connection.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    listed = runner.invoke(app, ["runs", "list", "--db", str(damaged)])
    assert listed.exit_code == 1 and "schema version is 'two'" in listed.output and "Traceback" not in listed.output

    broken = tmp_path / "json.db"
    assert runner.invoke(app, ["forecast", "-m", "mean", "--db", str(broken)]).exit_code == 0
    with sqlite3.connect(broken) as connection:
        connection.execute("UPDATE runs SET models = '[broken'")
    shown = runner.invoke(app, ["runs", "show", "1", "--db", str(broken)])
    assert shown.exit_code == 1 and "damaged record" in shown.output

    full = tmp_path / "full.db"
    assert runner.invoke(app, ["forecast", "-m", "mean", "--db", str(full)]).exit_code == 0
    with sqlite3.connect(full) as connection:
        connection.execute(
            "CREATE TRIGGER full BEFORE INSERT ON runs BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
        )
    named = runner.invoke(app, ["forecast", "-m", "mean", "--db", str(full)])
    assert named.exit_code == 1 and "database or disk is full" in named.output
    assert "ceasefire" in named.output  # the forecast was printed before the store refused it
    quiet = runner.invoke(app, ["forecast", "-m", "mean"], env={"KTOKOVO_DB": str(full)})
    assert quiet.exit_code == 0 and "warning" in quiet.output and "not stored" in quiet.output
