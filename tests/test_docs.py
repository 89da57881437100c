"""The documentation stays true: the tutorial's file is the one its text shows, each of its commands runs,
and the outputs it quotes are what the commands print now."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ktokovo.cli import app

DOCS = Path(__file__).parent.parent / "docs"
TUTORIAL = (DOCS / "tutorial.md").read_text(encoding="utf-8")
runner = CliRunner()


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL, flags=re.S)


def test_the_tutorial_shows_its_example_file() -> None:
    shown = yaml.safe_load(_blocks("yaml")[0])
    assert shown == yaml.safe_load((DOCS / "examples" / "harbour.yaml").read_text(encoding="utf-8"))


COMMANDS = [line.strip() for block in _blocks("bash") for line in block.splitlines() if line.startswith("ktokovo ")]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_tutorial_command_runs_and_prints_what_the_page_quotes(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DOCS / "examples" / "harbour.yaml", tmp_path / "harbour.yaml")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)[1:]
    env = {"COLUMNS": "100", "KTOKOVO_DB": str(tmp_path / "runs.sqlite")}  # runs stored here, not in your data
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    # The output block right after the command: every quoted line (but "..." gaps) appears in the output.
    after = TUTORIAL.split(f"```bash\n{command}\n```", 1)
    if len(after) == 2 and after[1].lstrip().startswith("```\n"):
        quoted = after[1].lstrip()[4:].split("```", 1)[0]
        printed = {line.rstrip() for line in result.output.splitlines()}
        for line in quoted.splitlines():
            if line.strip() and line.strip() != "...":
                assert line.rstrip() in printed, (line, result.output)


def test_the_tutorial_quotes_the_error_for_a_misplaced_source(tmp_path: Path) -> None:
    text = (DOCS / "examples" / "harbour.yaml").read_text(encoding="utf-8")
    source = '{document: notes, locator: "p. 1", quote: "the city owns the quay"}'
    broken = text.replace(
        f"  - name: City\n    capability: {{value: 50, source: {source}}}",
        f"  - {{name: City, capability: 50, source: {source}}}",
    )
    assert broken != text
    (tmp_path / "harbour.yaml").write_text(broken, encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path / "harbour.yaml")], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    quoted = re.search(r"^error: harbour\.yaml, line 8, .*$", TUTORIAL, flags=re.M)
    assert quoted is not None
    assert quoted.group(0).replace("harbour.yaml", str(tmp_path / "harbour.yaml"), 1) in result.output


README = (DOCS.parent / "README.md").read_text(encoding="utf-8")
TABLE = README.split("## What ktokovo does, one command each", 1)[1].split("\n## ", 1)[0]
LONG_RUNNING = ("ktokovo serve",)  # a server: started and stopped by the web tests instead
TRIED = [
    command
    for row in TABLE.splitlines()
    if row.startswith("| ") and "`ktokovo " in row
    for command in re.findall(r"`(ktokovo [^`]+)`", row.split(" | ")[1])
    if not command.startswith(LONG_RUNNING)
]


@pytest.mark.parametrize("command", TRIED)
def test_each_command_of_the_readme_table_runs(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command the README's table gives a new user works as written, from a clone's root."""
    monkeypatch.chdir(DOCS.parent)
    args = [arg.replace("report.html", str(tmp_path / "report.html")) for arg in shlex.split(command)[1:]]
    if args[:1] == ["convert"]:
        args[-1] = str(tmp_path / args[-1])
    env = {"COLUMNS": "100", "KTOKOVO_DB": str(tmp_path / "runs.sqlite")}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, (command, result.output)


def test_the_readme_table_is_read() -> None:
    assert len(TRIED) >= 15  # the table's commands, serve aside
