"""``ktokovo check``, ``show``, ``scenarios``, ``models``, ``convert`` and ``cite-check``: scenarios and models,
listed, converted and their citations checked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ktokovo import application
from ktokovo import io as formats
from ktokovo.cli._common import DEFAULT_SCENARIO, ForceOption, JsonOption, ScenarioArg, app, out, write_json
from ktokovo.core.errors import ParameterError
from ktokovo.core.numbers import given, index
from ktokovo.core.scenario import Talks
from ktokovo.models import MODELS


@app.command()
def check(scenario: ScenarioArg) -> None:
    """Validate a scenario file without running anything; every problem is listed at once."""
    loaded = formats.load(scenario)
    out.print(
        f"ok: {scenario}: {len(loaded.actors)} actors, {len(loaded.issues)} issues, "
        f"{int((loaded.positions == loaded.positions).sum())} positions"
    )


@app.command()
def show(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    """Show a scenario as tables, with the source of every estimate."""
    loaded = formats.load(scenario)
    sources = loaded.sources
    out.print(f"[bold]{loaded.title or loaded.name}[/]" + (f"  ({loaded.date})" if loaded.date else ""))
    if loaded.description:
        out.print(loaded.description)
    for short, reference in loaded.documents.items():
        out.print(f"  [{short}] {reference}", markup=False)

    def ranged(value: float, bounds: Any) -> str:
        text = given(value)
        return text if bounds is None or bounds[0] != bounds[0] else f"{text} ({given(bounds[0])}–{given(bounds[1])})"

    actors = Table(title="Actors", title_justify="left", show_edge=False)
    for name in ("actor", "capability (range)", "description"):
        actors.add_column(name)
    for i, actor in enumerate(loaded.actors):
        actors.add_row(actor.name, ranged(loaded.capabilities[i], loaded.capability_ranges[i]), actor.description)
    out.print(actors)
    issues = Table(title="Issues", title_justify="left", show_lines=True, show_edge=False)
    for name in ("issue", "low end", "high end", "status quo"):
        issues.add_column(name)
    for issue in loaded.issues:
        sq = "" if issue.status_quo is None else ranged(issue.status_quo, issue.status_quo_range)
        issues.add_row(
            f"{issue.name}\n[dim]{issue.question}[/]",
            f"{given(issue.scale[0])}: {issue.low_label}",
            f"{given(issue.scale[1])}: {issue.high_label}",
            sq,
        )
    out.print(issues)
    stances = Table(title="Positions and saliences", title_justify="left", show_edge=False)
    for name in ("actor", "issue", "position (range)", "salience (range)"):
        stances.add_column(name)
    for i, actor in enumerate(loaded.actors):
        for j, issue in enumerate(loaded.issues):
            if loaded.positions[i, j] == loaded.positions[i, j]:
                stances.add_row(
                    actor.name,
                    issue.name,
                    ranged(loaded.positions[i, j], loaded.position_ranges[i, j]),
                    ranged(loaded.saliences[i, j], loaded.salience_ranges[i, j]),
                )
    out.print(stances)
    if sources:
        out.print("\n[bold]Sources[/]")
        for key, source in sources.items():
            out.print(f"  {key.replace('/', ' · ')}: {source}", markup=False)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(show_edge=False)
    table.add_column("name")
    table.add_column("title")
    for name, title in formats.builtin_scenarios().items():
        table.add_row(name, title)
    out.print(table)


@app.command()
def models() -> None:
    """List the models, their presets and parameters."""
    for name, model in MODELS.items():
        out.print(f"[bold]{name}[/]: {escape(model.description)}")
        out.print(f"  presets: {', '.join(model.presets) or '—'}")
        defaults = model.defaults().as_dict()
        if defaults:
            table = Table(show_header=False, show_edge=False, box=None, padding=(0, 1, 0, 3))
            table.add_column("parameter", no_wrap=True)
            table.add_column("default", overflow="fold")
            for key, value in defaults.items():
                table.add_row(key, escape(str(value)))
            out.print("  parameters (default):")
            out.print(table)
        out.print()


@app.command()
def convert(
    source: ScenarioArg,
    target: Annotated[Path, typer.Argument(help="The file to write; its suffix picks the format.")],
    to: Annotated[str | None, typer.Option("--to", help="Format: " + ", ".join(formats.FORMATS))] = None,
    force: ForceOption = False,
) -> None:
    """Convert a scenario from one format to another (an existing target is kept unless --force)."""
    loaded = formats.load(source)
    written = formats.save(loaded, target, format=to, overwrite=force)
    out.print(f"wrote {written}")
    held = [name for name in ("shocks", "vetoes", "linkages", "ledger") if getattr(loaded, name)]
    if loaded.talks != Talks():
        held.append("talks")
    if held and (to or written.suffix.lower().lstrip(".")) not in ("yaml", "yml"):
        as_of = f" (the table shows the inputs as of {loaded.as_of})" if loaded.ledger else ""
        out.print(
            f"note: {written.name} holds the table; the scenario's {', '.join(held)} are kept only in YAML{as_of}",
            soft_wrap=True,
        )


@app.command("cite-check")
def cite_check(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    document: Annotated[
        list[str] | None,
        typer.Option(
            "--document",
            "-d",
            help="NAME=FILE: the text of a document the scenario cites (repeatable), e.g. article=article.txt.",
        ),
    ] = None,
    paragraphs: Annotated[
        str,
        typer.Option(
            help="How paragraphs are counted for ¶N: 'line' (every non-empty line, as the flagship counts them) "
            "or 'blank' (separated by blank lines)."
        ),
    ] = "line",
    as_json: JsonOption = False,
) -> None:
    """Check that every quote of the scenario's sources appears in the document and paragraph it cites; each
    quote not found is listed with its nearest match. Exit 1 if any fails."""
    loaded = formats.load(scenario)
    texts = _documents(document or [], loaded)
    result = application.cite_check(loaded, texts, paragraphs)
    if as_json:
        write_json(result.to_dict())
    else:
        _print_citations(result)
    if result.failed:
        raise typer.Exit(1)


def _documents(items: list[str], scenario: Any) -> dict[str, str]:
    """``NAME=FILE`` pairs read as UTF-8 text, each NAME one the scenario cites."""
    if not items:
        raise ParameterError(
            "give the text of at least one cited document: --document NAME=FILE "
            f"(the scenario cites: {', '.join(scenario.documents) or 'no documents'})"
        )
    texts: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ParameterError(f"--document takes NAME=FILE, not {item!r}")
        try:
            application.cited(scenario, [name])
        except ParameterError as error:
            raise ParameterError(f"--document {item}: {error}") from None
        try:
            texts[name] = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ParameterError(f"--document {item}: no such file {path}") from None
        except UnicodeDecodeError as error:
            raise ParameterError(f"--document {item}: {path} is not UTF-8 text (byte {error.start})") from None
        except OSError as error:
            raise ParameterError(f"--document {item}: cannot read {path}: {error.strerror}") from None
    return texts


def _print_citations(result: Any) -> None:
    checked = len(result.citations) - len(result.unchecked)
    found = checked - len(result.failed)
    unplaced = sum(c.status == "found-unplaced" for c in result.citations)
    out.print(
        f"[bold]{escape(result.scenario.title or result.scenario.name)}[/]: {checked} quotes checked against "
        f"{', '.join(result.documents)} (paragraphs: {result.paragraphs}); {found} found"
        + (f" ({unplaced} with a locator that names no paragraph, found elsewhere in the document)" if unplaced else "")
        + f", {len(result.failed)} not found"
    )
    if result.unchecked:
        missing = sorted({c.document for c in result.unchecked})
        out.print(f"  not checked: {len(result.unchecked)} quotes of {', '.join(missing)} (no --document given)")
    if not result.failed:
        return
    table = Table(show_edge=False)
    for name in ("cites", "where", "quote", "nearest match"):
        table.add_column(name, overflow="fold")
    for c in result.failed:
        if c.near is None:
            near = "—"
        else:
            near = f'"{escape(c.near)}" ({c.similarity:.0%} alike, ¶{c.near_paragraph})'
        where = c.locator + (" (no such paragraph)" if c.status == "no-paragraph" else "")
        table.add_row(escape(c.where), escape(f"{c.document}, {where}"), escape(f'"{c.quote}"'), near)
    out.print(table)


@app.command()
def power(scenario: ScenarioArg = DEFAULT_SCENARIO, as_json: JsonOption = False) -> None:
    """Each actor's voting power under the scenario's voting rule (voting: in its YAML): Shapley–Shubik and
    Banzhaf indices, with its blocs and without them."""
    loaded = formats.load(scenario)
    result = application.voting_power(loaded)
    if as_json:
        write_json(result.to_dict())
        return
    voting = loaded.voting
    assert voting is not None
    played = result.with_blocs.game
    out.print(f"[bold]{escape(loaded.title or loaded.name)}[/]: voting power under the {voting.rule} rule")
    criteria = "; ".join(
        f"{'or ' if k and played.clauses[k] != played.clauses[k - 1] else ''}at least {q:g}"
        for k, q in enumerate(played.quotas)
    )
    out.print(f"[dim]{len(played.players)} voters; a coalition wins with {criteria} (criteria in the JSON)[/]\n")
    table = Table(show_edge=False)
    columns = ["actor", "bloc", "Shapley–Shubik", "Banzhaf"] + (["SS alone", "Banzhaf alone"] if result.alone else [])
    for name in columns:
        table.add_column(name, justify="left" if name in ("actor", "bloc") else "right")
    for row in result.rows():
        cells = [row["actor"], row["bloc"] or "—", index(row["shapley"]), index(row["banzhaf"])]
        if result.alone:
            cells += [index(row["shapley_alone"]), index(row["banzhaf_alone"])]
        table.add_row(*cells)
    out.print(table)
