"""The CLI's --json and the web API answer with the same numbers: both render the application layer's
to_dict(). Forecast (with draws and the deal lead), deal and sensitivity on the flagship, compared whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app
from ktokovo.web import create_app

runner = CliRunner()
FLAGSHIP = {"builtin": "ukraine-2025"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("parity") / "runs.sqlite"
    with TestClient(create_app(db=str(db), workers=1, time_limit=120), base_url="http://127.0.0.1") as client:
        yield client


def _cli(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json", "--no-store"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _web(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    answer = client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_forecast(client: TestClient, tmp_path: Path) -> None:
    """Draws are split into chunks of 1000 by the CLI and of 500 by the service: the numbers do not depend on
    it (each draw has its own random stream)."""
    cli = _cli("forecast", "-m", "mean", "-m", "bdm", "--samples", "300", "--seed", "3", "--threshold", "crimea>=50")
    web = _web(client, "/api/forecast", {"scenario": FLAGSHIP, "models": ["mean", "bdm"], "samples": 300, "seed": 3})
    assert web.pop("charts") is None  # not asked for
    web.pop("run_id")  # the service stores its runs; the CLI was told not to
    assert cli["deal"]["probability"]["draws"] == 300  # the flagship names veto players: the lead is there
    # asked of the CLI only: the share of the core's own 300 draws with crimea >= 50
    draws = ktokovo.sample_forecasts(ktokovo.load("ukraine-2025"), "mean", samples=300, seed=3)
    assert cli["samples"]["mean"]["thresholds"]["crimea>=50"] == draws.probability("crimea>=50")
    for answer in (cli, web):
        for model in ("mean", "bdm"):
            answer["samples"][model].pop("thresholds")
    assert web == cli


def test_deal(client: TestClient) -> None:
    cli = _cli("deal", "--samples", "200", "--seed", "1")
    web = _web(client, "/api/deal", {"scenario": FLAGSHIP, "samples": 200, "seed": 1})
    assert web == cli


def test_sensitivity(client: TestClient) -> None:
    cli = _cli("sensitivity", "-m", "mean", "--samples", "0", "--top", "5")
    web = _web(client, "/api/sensitivity", {"scenario": FLAGSHIP, "model": "mean", "top": 5})
    assert web == cli
