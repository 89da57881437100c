from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import ktokovo

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test records its runs in a store of its own, never in the user's data folder."""
    monkeypatch.setenv("KTOKOVO_DB", str(tmp_path_factory.mktemp("store") / "runs.sqlite"))


@pytest.fixture(scope="session")
def emission() -> ktokovo.Scenario:
    """BDM (1994) emission-standards case, from tests/data/emission_standards_bdm1994.csv."""
    return ktokovo.load(DATA / "emission_standards_bdm1994.csv")


@pytest.fixture(scope="session")
def flagship() -> ktokovo.Scenario:
    return ktokovo.load("ukraine-2025")


SERVICES = Path(__file__).parent / "services"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server on 127.0.0.1: KTOKOVO_TEST_POSTGRES_URL (.ci/run starts one), or one
    started here from Debian's postgresql package and stopped at the end of the session."""
    given = os.environ.get("KTOKOVO_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    # Not under pytest's temporary folder: the server runs as the postgres user, who cannot enter root's.
    folder = tempfile.mkdtemp(prefix="ktokovo-postgres-")
    started = subprocess.run(
        [SERVICES / "postgres.sh", "start", folder], capture_output=True, text=True, check=False, timeout=120
    )
    if started.returncode != 0:
        pytest.fail(f"no PostgreSQL server for the run store's tests: {started.stderr.strip()}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([SERVICES / "postgres.sh", "stop", folder], check=False, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty run store: an SQLite file, or a database of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.sqlite'}"
        return
    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_server")
    name = f"ktokovo_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
