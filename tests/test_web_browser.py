"""The dashboard in real headless Chromium (Debian's package, driven by Playwright with ``executable_path``):
load the flagship, run bdm, see the chart and the table, move a what-if slider and see a forecast change."""

from __future__ import annotations

import base64
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import sync_playwright

import ktokovo
from ktokovo import application
from ktokovo.analysis.outlook import outlook
from ktokovo.core.numbers import point
from ktokovo.evaluation.outofsample import table_view

from .conftest import DATA
from .test_report import CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ktokovo serve`` as a user starts it, on a free port of 127.0.0.1, with a store of its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KTOKOVO_DB": str(tmp_path_factory.mktemp("serve") / "runs.sqlite")}
    command = [sys.executable, "-m", "ktokovo", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(url + "api/health", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "ktokovo serve did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert process.stdout is not None
        output = process.stdout.read()
        process.stdout.close()
        assert f"ktokovo dashboard at http://127.0.0.1:{port}/" in output


def test_the_dashboard_runs_bdm_and_a_what_if(server: str, tmp_path: Path, flagship: ktokovo.Scenario) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed for this test (.ci/run installs it)"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS[1:])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(server)
            page.select_option("#builtin", "ukraine-2025")
            page.click("#load-builtin")
            page.wait_for_selector("#stances tr:nth-child(29)")  # 4 actors × 7 issues, and the header
            for box in page.query_selector_all("#model-choice input"):
                box.set_checked(box.get_attribute("value") == "bdm")
            page.fill("#samples", "0")
            page.click("#run")
            cell = page.wait_for_selector("#forecast-table td[data-model='bdm'][data-issue='crimea']", timeout=60_000)
            expected = ktokovo.run(flagship, "bdm").forecast[flagship.issue_index("crimea")]
            assert cell.inner_text() == point(expected)  # 50.3: one decimal, as ktokovo.core.numbers writes a forecast
            # (wait_for_function would evaluate a string in the page, which the content security policy forbids)
            page.wait_for_selector("#compare-chart[src^='data:image/svg+xml']")
            page.wait_for_selector("#rounds-chart[src^='data:image/svg+xml']")
            page.wait_for_load_state("networkidle")
            for chart in ("#compare-chart", "#rounds-chart"):
                assert page.eval_on_selector(chart, "img => img.complete && img.naturalWidth") > 300

            # Why it moved, beside the rounds chart: the model's own record (ktokovo explain).
            page.select_option("#rounds-issue", "crimea")
            page.select_option("#explain-actor", "United States")
            page.click("#run-explain")
            page.wait_for_selector("#explain-list li:nth-child(10)")
            assert page.inner_text("#explain-list li:nth-child(1)").startswith(
                "round 1: United States accepted Ukraine's compromise on crimea"
            )
            # Advice for one actor, and voting power (the flagship declares no voting rule: said beside the button).
            page.select_option("#advice-actor", "Ukraine")
            page.click("#run-advice")
            page.wait_for_selector("#advice-table tr:nth-child(2)", timeout=60_000)
            best = application.advice_dict(application.advice(flagship, "Ukraine"), 8)["best"][0]["change"]
            assert page.inner_text("#advice-table tr:nth-child(2) td:nth-child(1)") == best
            page.click("#run-power")
            page.wait_for_selector("#run-power-note.error")
            assert "declares no voting rule" in page.inner_text("#run-power-note")
            page.select_option("#advice-power", "shapley")  # blocs and power need a voting rule: said there
            page.click("#run-advice")
            page.wait_for_selector("#run-advice-note.error")
            assert "need a voting rule" in page.inner_text("#run-advice-note")
            page.select_option("#advice-power", "")

            page.select_option("#whatif-input", "Russia.capability")
            page.fill("#whatif-slider", "10")
            page.dispatch_event("#whatif-slider", "input")
            page.wait_for_selector("#whatif-table td.changed", timeout=60_000)
            moved = page.inner_text("#whatif-table td[data-model='bdm'][data-issue='crimea']")
            key, _, value = (page.get_attribute("#whatif-table", "data-input") or "").partition("=")
            assert key == "Russia.capability" and float(value) < 20  # the slider's step puts it near 10
            changed = ktokovo.what_if(flagship, set={key: float(value)})
            assert moved == point(ktokovo.run(changed, "bdm").forecast[1])
            assert moved != point(expected)

            # The deal rules: Russia's cost of no deal raised to 40 (its range goes with the old value), one
            # round of offers; a run with draws leads with the forecast that counts no deal for those rules.
            assert len(page.query_selector_all("#vetoes tr")) == 1 + len(flagship.vetoes)
            page.fill("#vetoes tr:nth-child(2) td:nth-child(2) input", "40")
            page.dispatch_event("#vetoes tr:nth-child(2) td:nth-child(2) input", "change")
            page.fill("#talks-rounds", "1")
            page.dispatch_event("#talks-rounds", "change")
            assert page.is_hidden("#on-table")  # bdm alone: the on-table view needs the compromise model
            page.check("#model-choice input[value='mean']")
            page.fill("#samples", "40")
            page.click("#run")
            page.wait_for_selector("#outlook:not([hidden])", timeout=120_000)
            russia = flagship.vetoes[0]
            ruled = flagship.replace(
                vetoes=(dataclasses.replace(russia, cost=40.0, cost_range=None), *flagship.vetoes[1:]),
                talks=dataclasses.replace(flagship.talks, rounds=1),
            )
            share = outlook(ruled, 40, 0).probability[0]
            assert f"Probability of a deal: {round(100 * share)}%" in page.inner_text("#outlook-lead")
            # beside the point forecasts, the on-table view: a row per issue, the compromise forecast's
            # on-table variant as the application computes it
            assert len(page.query_selector_all("#on-table-table tr")) == 1 + len(flagship.issues)
            (first,) = table_view(ruled, ktokovo.run(ruled, "mean").forecast)[:1]
            shown = page.inner_text("#on-table-table tr:nth-child(2) td:nth-child(2)")
            assert shown == point(first.snapped)

            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            keep = os.environ.get("KTOKOVO_SCREENSHOTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / "dashboard.png")
        finally:
            browser.close()
    assert errors == []


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the element is visible inside the window as it is scrolled now (not somewhere off-screen)."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return bool(box and size and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["width"] > 0)


def test_the_dashboard_answers_where_you_look(server: str, tmp_path: Path) -> None:
    """Feedback beside the control and in a toast that stays on screen; a visible error when a run cannot
    start, naming the actor and the issue; results cleared when the scenario changes; an upload's errors
    listed once, by actor and issue; every model of the registry offered; intervals in the chart when there
    are draws. Screenshots of each state go to $KTOKOVO_SCREENSHOTS when it is set (to look at them)."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed for this test (.ci/run installs it)"
    keep = os.environ.get("KTOKOVO_SCREENSHOTS")
    errors: list[str] = []

    def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
        shot = tmp_path / f"{name}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS[1:])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server)
            page.wait_for_selector("#stances tr:nth-child(29)")
            # Every model of the registry is offered.
            offered = {box.get_attribute("value") for box in page.query_selector_all("#model-choice input")}
            assert offered == set(ktokovo.MODELS)

            # Compare, far down the page: the answer shows beside the button and in the toast, in view.
            page.click("#run-compare")
            page.wait_for_selector("#run-compare-note.ok")
            assert "0 inputs differ between A and B" in page.inner_text("#run-compare-note")
            assert _in_view(page, "#toast") and "inputs differ" in page.inner_text("#toast")
            assert _in_view(page, "#run-compare-note")
            shoot(page, "feedback-beside-compare")

            # A run with an invalid cell: the error shows where the progress bar was, naming actor and issue.
            page.fill("#stances tr:nth-child(3) td:nth-child(3) input", "300")  # United States on crimea
            page.dispatch_event("#stances tr:nth-child(3) td:nth-child(3) input", "change")
            for box in page.query_selector_all("#model-choice input"):
                box.set_checked(box.get_attribute("value") == "mean")
            page.fill("#samples", "0")
            page.click("#run")
            page.wait_for_selector("#progress-text.error")
            said = page.inner_text("#progress-text")
            assert "the run did not complete" in said and "United States.crimea.position" in said, said
            assert page.is_hidden("#progress") and _in_view(page, "#toast")
            shoot(page, "run-cannot-start")

            # Back to the flagship, a run with draws: the results appear, with intervals in the chart.
            page.click("#load-builtin")
            page.wait_for_selector("#load-builtin-note.ok")
            assert page.inner_text("#progress-text") == ""  # the failed run's message went with its scenario
            page.fill("#samples", "40")
            page.click("#run")
            page.wait_for_selector("#results:not([hidden])", timeout=120_000)
            page.wait_for_selector("#compare-chart[src^='data:image/svg+xml']")

            chart = page.get_attribute("#compare-chart", "src") or ""
            assert "bars: 80% interval" in base64.b64decode(chart.split(",", 1)[1]).decode("utf-8")  # its title
            assert page.inner_text("#forecast-table td[data-model='mean'] .interval")  # the table's interval too

            # Start an empty one: nothing of the flagship's results stays on screen.
            page.click("#new-empty")
            page.wait_for_selector("#new-empty-note.ok")
            assert page.is_hidden("#results") and page.is_hidden("#outlook")
            assert page.query_selector_all("#forecast-table tr") == []
            assert page.get_attribute("#compare-chart", "src") is None
            shoot(page, "empty-scenario-cleared")

            # A bad upload: its problems listed once each, by actor and issue, in the toast and beside the input.
            bad = tmp_path / "bad.yaml"
            bad.write_text(
                "name: bad\nactors: [{name: A, capability: 1}, {name: B, capability: 1}]\n"
                "issues: [{name: border}]\nstances:\n"
                "  - {actor: A, issue: border, position: 300, salience: 50}\n"
                "  - {actor: B, issue: border, position: 20, salience: 'lots'}\n",
                encoding="utf-8",
            )
            page.set_input_files("#upload", str(bad))
            page.wait_for_selector("#upload-note.error")
            said = page.inner_text("#message")
            assert said.count("A.border.position") == 1 and said.count("B.border.salience") == 1, said
            assert "stances.0" not in said and "line 5" in said
            assert _in_view(page, "#toast")
            shoot(page, "bad-upload")
            page.click("#toast-close")
            assert page.is_hidden("#toast")

            # Citations checked against the article, and a panel of two experts' files, loaded as the scenario.
            page.click("#load-builtin")
            page.wait_for_selector("#load-builtin-note.ok")
            page.set_input_files("#cite-upload", str(DATA / "ukraine_article.txt"))
            page.wait_for_selector("#cite-upload-note.ok")
            assert page.inner_text("#cite-upload-note") == "69 quotes checked against article: 69 found, 0 not found"
            flagship = ktokovo.load("ukraine-2025")
            experts = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
            ktokovo.save(flagship, experts[0])
            ktokovo.save(ktokovo.what_if(flagship, set={"Ukraine.crimea.position": 35}), experts[1])
            page.set_input_files("#panel-upload", [str(p) for p in experts])
            page.wait_for_selector("#panel-upload-note.ok", timeout=60_000)
            assert "Krippendorff's alpha" in page.inner_text("#panel-alpha")
            assert "Ukraine.crimea.position" in page.inner_text("#panel-table")
            page.click("#panel-use")
            page.wait_for_selector("#panel-use-note.ok")
            assert "(panel of 2)" in page.inner_text("#scenario-title")
            shoot(page, "panel-loaded")
        finally:
            browser.close()
    assert errors == []
