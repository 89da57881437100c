"""The HTML report: self-contained, complete, and rendered by real headless Chromium (Debian's package)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import ktokovo
from ktokovo.cli import app
from ktokovo.core.numbers import point

# The flags the machine's notes give for Chromium on a closed network (no background connections).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    args = ["report", "-o", str(path), "-m", "mean", "-m", "bdm", "--samples", "50", "--no-store"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return path


def test_the_report_is_self_contained(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert not re.search(r"url\(\s*['\"]?https?:", html)
    assert "default-src 'none'" in html  # and the page says so to the browser


def test_the_report_holds_every_part_the_issue_asks_for(report: Path, flagship: ktokovo.Scenario) -> None:
    html = report.read_text(encoding="utf-8")
    for heading in (
        "How to read this report",
        "Will they settle?",
        "Forecasts",
        "Issue by issue",
        "Who gets the better of whom",
        "Ledger of the talks",
        "How the forecast moved",
        "Actors and sources",
    ):
        assert f">{heading}</h2>" in html, heading
    mean = ktokovo.run(flagship, "mean").forecast
    assert f">{point(mean[flagship.issue_index('crimea')])}<" in html  # 75.4, one decimal (core.numbers)
    draws = ktokovo.sample_forecasts(flagship, "mean", samples=50, seed=0).forecasts[:, 0]
    low, high = np.quantile(draws, [0.025, 0.975])
    assert f"{point(low)} – {point(high)}" in html  # the ceasefire interval from the same 50 draws
    assert "within 24 hours" in html and "Pope’s funeral" in html  # ledger entries with their quotes
    assert "Russia.ceasefire.position=10" in html  # a drift move put down to its input change
    assert "What moves the mean forecast most" in html
    assert html.count("<svg") >= 3 + len(flagship.issues)  # compare, gains, drift, and bdm rounds per issue
    # the on-table view beside the forecasts: the compromise forecast's on-table variant on each issue
    from ktokovo.evaluation.outofsample import table_view

    # beside each bdm rounds chart, why the actors moved, from the model's own record (ktokovo explain)
    assert ">Why they moved</h4>" in html
    assert "round 1: United States accepted Ukraine&#39;s compromise on crimea from 85.0 to 50.3" in html
    assert ">On the table</h3>" in html
    for view in table_view(flagship, mean):
        assert f'<tr><td>{view.issue}</td><td class="num">{point(view.snapped)}</td>' in html


def test_chromium_renders_the_report(report: Path, tmp_path: Path) -> None:
    """Rendered in Debian's Chromium, offline. Set KTOKOVO_SCREENSHOTS to a folder to keep the screenshot and
    look at it (the README's "Reports" section)."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed for this test (.ci/run installs it)"
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert image.shape == (2400, 1200)
    # A page, not a blank or an error screen: dark text on a light page over most of the height.
    rows_with_ink = (image < 128).any(axis=1).mean()
    assert image.mean() > 200 and rows_with_ink > 0.3, (image.mean(), rows_with_ink)
    keep = os.environ.get("KTOKOVO_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
