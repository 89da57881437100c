"""Tabular formats: ktokovo's long CSV and Excel (one row per actor and issue), the BDM format
(``Actor, Capability, Position, Salience``), KTAB's SMP CSV, and decide's ``#A/#P/#M/#D`` files.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.limits import MAX_TABLE_ROWS
from ktokovo.core.scenario import Scenario, Source
from ktokovo.io._build import Cell, RawScenario, Record, build_reporting


def csv_rows(text: str, file: str | None, *, delimiter: str = ",", quotechar: str = '"') -> list[tuple[int, list[str]]]:
    """Every CSV record with the line it starts on; a malformed file gives a ScenarioError."""
    # strict: a quote left open is an error, not a field that swallows every row after it
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            if len(rows) > MAX_TABLE_ROWS:
                raise ScenarioError(
                    Problem(
                        f"more than {MAX_TABLE_ROWS:,} rows: a scenario table has one row per actor and issue, and "
                        "ktokovo reads at most that many",
                        file=file,
                        line=line,
                    )
                )
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        why = (
            f"a quoted field that starts on line {line} is never closed (a {quotechar} is missing)"
            if "unexpected end of data" in str(error) or reader.line_num > line
            else str(error)
        )
        raise ScenarioError(Problem(f"not valid CSV: {why}", file=file, line=line)) from None
    return rows


# -- ktokovo long format (CSV and xlsx) ---------------------------------------------------------------

LONG_REQUIRED = ("actor", "issue", "position", "salience", "capability")
LONG_OPTIONAL = (
    "actor_description",
    "position_low",
    "position_high",
    "salience_low",
    "salience_high",
    "capability_low",
    "capability_high",
    "position_source",
    "salience_source",
    "capability_source",
    "issue_question",
    "issue_low",
    "issue_high",
    "issue_points",
    "scale_low",
    "scale_high",
    "status_quo",
    "status_quo_low",
    "status_quo_high",
    "status_quo_source",
    "outcome",
    "outcome_source",
)
LONG_COLUMNS = LONG_REQUIRED + LONG_OPTIONAL
_ACTOR_COLUMNS = {
    "actor_description": "description",
    "capability": "capability",
    "capability_low": "capability_low",
    "capability_high": "capability_high",
    "capability_source": "capability_source",
}
_ISSUE_COLUMNS = {
    "issue_question": "question",
    "issue_low": "low_label",
    "issue_high": "high_label",
    "issue_points": "points",
    "scale_low": "scale_low",
    "scale_high": "scale_high",
    "status_quo": "status_quo",
    "status_quo_low": "status_quo_low",
    "status_quo_high": "status_quo_high",
    "status_quo_source": "status_quo_source",
    "outcome": "outcome",
    "outcome_source": "outcome_source",
}


def long_rows_to_scenario(
    header: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]], file: str | None, name: str
) -> Scenario:
    """Build a scenario from the long table. ``rows`` yields (line or row number, values)."""
    columns = [str(c).strip().lower() if c is not None else "" for c in header]
    problems = []
    missing = [c for c in LONG_REQUIRED if c not in columns]
    if missing:
        problems.append(
            Problem(
                f"missing required columns {missing}; the long format needs {', '.join(LONG_REQUIRED)}",
                file=file,
                line=1,
                field=",".join(missing),
            )
        )
    for column in columns:
        if column not in LONG_COLUMNS:
            problems.append(
                Problem(
                    f"unknown column; allowed: {', '.join(LONG_COLUMNS)}", file=file, line=1, field=column or "<blank>"
                )
            )
    if problems:
        raise ScenarioError(problems)
    raw = RawScenario(file=file, meta={"name": Cell(name)})
    actors: dict[str, Record] = {}
    issues: dict[str, Record] = {}
    conflicts: list[Problem] = []
    for line, values in rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(values) > len(columns):
            conflicts.append(Problem(f"{len(values)} values but {len(columns)} columns", file=file, line=line))
            continue
        row = {c: Cell(values[k] if k < len(values) else None, line, c) for k, c in enumerate(columns)}
        stance: Record = {
            k: row[k]
            for k in (
                "actor",
                "issue",
                "position",
                "salience",
                "position_low",
                "position_high",
                "salience_low",
                "salience_high",
                "position_source",
                "salience_source",
            )
            if k in row
        }
        raw.stances.append(stance)
        _merge(actors, row["actor"], row, _ACTOR_COLUMNS, conflicts, file)
        _merge(issues, row["issue"], row, _ISSUE_COLUMNS, conflicts, file)
    for record in issues.values():
        if "points" in record:
            record["points"] = _parse_points(record["points"], conflicts, file)
    raw.actors = list(actors.values())
    raw.issues = list(issues.values())
    return build_reporting(raw, conflicts)


def _merge(
    table: dict[str, Record],
    key: Cell,
    row: Record,
    columns: dict[str, str],
    conflicts: list[Problem],
    file: str | None,
) -> None:
    """Attributes of an actor or issue repeat on every row: keep the first, flag contradictions."""
    name = str(key.value).strip() if key.value is not None else ""
    if not name:
        return
    record = table.setdefault(name, {"name": key})
    for column, attribute in columns.items():
        cell = row.get(column)
        if cell is None or cell.value is None or str(cell.value).strip() == "":
            continue
        if attribute not in record:
            record[attribute] = cell
        elif str(record[attribute].value).strip() != str(cell.value).strip() and not _same_number(
            record[attribute].value, cell.value
        ):
            conflicts.append(
                Problem(
                    f"contradicts line {record[attribute].line} for '{name}'",
                    file=file,
                    line=cell.line,
                    field=column,
                    value=cell.value,
                )
            )


def _same_number(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _parse_points(cell: Cell, problems: list[Problem], file: str | None) -> Cell:
    """``"25=words; 75=other words"`` to a list of (value, words) cells."""
    points = []
    for part in str(cell.value).split(";"):
        if not part.strip():
            continue
        value, sep, words = part.partition("=")
        if not sep:
            problems.append(
                Problem(
                    "labelled points are written 'value=words; value=words'",
                    file=file,
                    line=cell.line,
                    field=cell.field,
                    value=part.strip(),
                )
            )
            continue
        points.append((Cell(value.strip(), cell.line, cell.field), Cell(words.strip(), cell.line, cell.field)))
    return Cell(points, cell.line, cell.field)


def _source_text(source: Source | None) -> str:
    if source is None:
        return ""
    parts = [source.document, source.locator, source.quote, source.note]
    while parts and not parts[-1]:
        parts.pop()
    return " | ".join(parts)


def _num(value: float | None) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    return int(value) if value.is_integer() else value


def scenario_to_long_rows(scenario: Scenario) -> list[list[Any]]:
    """One row per actor and issue with a position; actors without any position get one row each."""
    # The table formats hold the table: shocks, veto players and linkages live in YAML (``convert`` says so).
    rows = []
    sources = scenario.sources
    for i, actor in enumerate(scenario.actors):
        actor_cells = {
            "actor_description": actor.description or None,
            "capability": _num(scenario.capabilities[i]),
            "capability_low": _num(scenario.capability_ranges[i, 0]),
            "capability_high": _num(scenario.capability_ranges[i, 1]),
            "capability_source": _source_text(sources.get(f"capability/{actor.name}")) or None,
        }
        wrote = False
        for j, issue in enumerate(scenario.issues):
            if np.isnan(scenario.positions[i, j]) and (wrote or j < len(scenario.issues) - 1):
                continue
            key = f"{actor.name}/{issue.name}"
            given = not np.isnan(scenario.positions[i, j])
            cells = {
                "actor": actor.name,
                "issue": issue.name,
                "position": _num(scenario.positions[i, j]),
                "salience": _num(scenario.saliences[i, j]) if given else None,
                "position_low": _num(scenario.position_ranges[i, j, 0]),
                "position_high": _num(scenario.position_ranges[i, j, 1]),
                "salience_low": _num(scenario.salience_ranges[i, j, 0]),
                "salience_high": _num(scenario.salience_ranges[i, j, 1]),
                "position_source": _source_text(sources.get(f"position/{key}")) or None,
                "salience_source": _source_text(sources.get(f"salience/{key}")) or None,
                "issue_question": issue.question or None,
                "issue_low": issue.low_label or None,
                "issue_high": issue.high_label or None,
                "issue_points": "; ".join(f"{_num(v)}={w}" for v, w in issue.points) or None,
                "scale_low": _num(issue.scale[0]),
                "scale_high": _num(issue.scale[1]),
                "status_quo": _num(issue.status_quo),
                "status_quo_low": _num(issue.status_quo_range[0]) if issue.status_quo_range else None,
                "status_quo_high": _num(issue.status_quo_range[1]) if issue.status_quo_range else None,
                "status_quo_source": _source_text(sources.get(f"status_quo/{issue.name}")) or None,
                "outcome": _num(issue.outcome),
                "outcome_source": _source_text(sources.get(f"outcome/{issue.name}")) or None,
                **actor_cells,
            }
            rows.append([cells[c] for c in LONG_COLUMNS])
            wrote = True
    return rows


def read_long_csv(text: str, file: str | None, name: str) -> Scenario:
    rows = csv_rows(text, file)
    if not rows:
        raise ScenarioError(Problem("the file is empty", file=file))
    return long_rows_to_scenario(rows[0][1], rows[1:], file, name)


def write_long_csv(scenario: Scenario) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for row in scenario_to_long_rows(scenario):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


XLSX_INFLATED_MAX = 64 * 2**20
"""The most an .xlsx may hold once unzipped (a scenario's sheet is kilobytes; a zip bomb is gigabytes)."""


def read_xlsx(data: bytes, file: str | None, name: str) -> Scenario:
    """The first sheet of a workbook in the long format, read cell by cell (not by the sheet's declared size,
    which a writer may get wrong). A formula is read as the value the file saved with it; one saved without a
    value is refused, never read as a blank."""
    import zipfile

    import openpyxl  # imported here: only Excel users pay for it

    try:
        inflated = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise ScenarioError(Problem(f"not a readable .xlsx workbook ({type(error).__name__})", file=file)) from None
    if inflated > XLSX_INFLATED_MAX:
        raise ScenarioError(
            Problem(
                f"the workbook unzips to {inflated / 2**20:.0f} MiB, more than the {XLSX_INFLATED_MAX // 2**20} MiB "
                "a scenario may take",
                file=file,
            )
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ScenarioError(Problem(f"not a readable .xlsx workbook ({type(error).__name__})", file=file)) from None
    sheet = book.worksheets[0]
    where = f"{file} (sheet '{sheet.title}', line = row)"
    sheet.reset_dimensions()  # read every row and column there is, not the declared dimension
    formula_sheet = formulas.worksheets[0]
    formula_sheet.reset_dimensions()
    problems = []
    rows = []
    for number, (values, written) in enumerate(
        zip(sheet.iter_rows(values_only=True), formula_sheet.iter_rows(values_only=True), strict=False), start=1
    ):
        for column, (value, text) in enumerate(zip(values, written, strict=False), start=1):
            if value is None and isinstance(text, str) and text.startswith("="):
                problems.append(
                    Problem(
                        f"a formula with no saved value ({text[:40]}): open and save the file in a spreadsheet "
                        "program so that its value is stored, or type the value",
                        file=where,
                        line=number,
                        field=openpyxl.utils.get_column_letter(column),
                    )
                )
        rows.append((number, tuple(values)))
        if len(rows) > MAX_TABLE_ROWS + 1:
            book.close()
            formulas.close()
            raise ScenarioError(
                Problem(f"more than {MAX_TABLE_ROWS:,} rows: ktokovo reads at most that many", file=where, line=number)
            )
    book.close()
    formulas.close()
    if problems:
        raise ScenarioError(problems)
    if not rows:
        raise ScenarioError(Problem("the first sheet is empty", file=file))
    header = rows[0][1]
    while header and header[-1] is None:
        header = header[:-1]
    body = [
        (number, row[: len(header)] if len(row) > len(header) and all(v is None for v in row[len(header) :]) else row)
        for number, row in rows[1:]
    ]
    return long_rows_to_scenario(header, body, where, name)


def write_xlsx(scenario: Scenario) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "scenario"
    sheet.append(list(LONG_COLUMNS))
    for row in scenario_to_long_rows(scenario):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, as it was read: never a live formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- BDM format: one issue ------------------------------------------------------------------------------

_BDM_ALIASES = {
    "actor": ("actor", "stakeholder", "name"),
    "capability": ("capability", "resources", "power", "clout"),
    "position": ("position",),
    "salience": ("salience", "salience (0-100)", "salience (0-1)"),
}


def looks_like_bdm(header: Sequence[str]) -> bool:
    names = [h.strip().lower() for h in header]
    return len(names) == 4 and all(names[k] in _BDM_ALIASES[f] for k, f in enumerate(_BDM_ALIASES))


def read_bdm_csv(text: str, file: str | None, name: str) -> Scenario:
    """BDM's table (Bueno de Mesquita 1994; Scholz et al. 2011 Table 1): one issue.

    The issue's scale is 0–100 when every position lies in it, otherwise the positions' own range.
    """
    every = [(line, row) for line, row in csv_rows(text, file) if any(v.strip() for v in row)]
    header = every[0][1]
    rows = every[1:]
    raw = RawScenario(file=file, meta={"name": Cell(name)})
    fields = list(_BDM_ALIASES)
    numbers = []
    problems = []
    for line, row in rows:
        if len(row) != 4:
            problems.append(Problem(f"expected 4 values, found {len(row)}", file=file, line=line))
            continue
        cells = {f: Cell(v.strip(), line, header[k].strip()) for k, (f, v) in enumerate(zip(fields, row, strict=True))}
        raw.actors.append({"name": cells["actor"], "capability": cells["capability"]})
        raw.stances.append(
            {
                "actor": cells["actor"],
                "issue": Cell(name, line, "issue"),
                "position": cells["position"],
                "salience": cells["salience"],
            }
        )
        try:
            numbers.append(float(cells["position"].value))
        except ValueError:
            pass
    finite = [v for v in numbers if math.isfinite(v)]
    low, high = (0.0, 100.0)
    if finite and (min(finite) < 0 or max(finite) > 100) and min(finite) < max(finite):
        low, high = min(finite), max(finite)
    declared = header[3].strip().lower() if len(header) > 3 else ""
    if declared == "salience (0-1)":
        raw.salience_max = 1.0
    elif declared == "salience" and not problems:
        given = [_float_or_none(s["salience"].value) for s in raw.stances]
        values = [v for v in given if v is not None and math.isfinite(v)]
        if values and max(values) <= 1.0 and any(v > 0 for v in values):
            problems.append(
                Problem(
                    "every salience is at most 1: BDM's table gives saliences on 0-100, but these look like "
                    "fractions of 1. Say which: name the column 'Salience (0-1)' (read as fractions, x100) or "
                    "'Salience (0-100)' (read as they are)",
                    file=file,
                    line=every[0][0],
                    field=header[3].strip(),
                )
            )
    raw.issues.append({"name": Cell(name, 1, "issue"), "scale_low": Cell(low), "scale_high": Cell(high)})
    return build_reporting(raw, problems)


def _float_or_none(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def write_bdm_csv(scenario: Scenario) -> str:
    if len(scenario.issues) != 1:
        raise ScenarioError(
            Problem(
                f"the BDM format holds one issue; this scenario has {len(scenario.issues)}",
                field="issues",
                value=len(scenario.issues),
            )
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Actor", "Capability", "Position", "Salience"])
    for i, actor in enumerate(scenario.actors):
        if not np.isnan(scenario.positions[i, 0]):
            writer.writerow(
                [
                    actor.name,
                    _num(scenario.capabilities[i]),
                    _num(scenario.positions[i, 0]),
                    _num(scenario.saliences[i, 0]),
                ]
            )
    return out.getvalue()


# -- KTAB SMP CSV ------------------------------------------------------------------------------------------


def looks_like_ktab(first_row: Sequence[str]) -> bool:
    cells = [c.strip() for c in first_row]
    while cells and not cells[-1]:
        cells.pop()
    # KTAB writes "name, description, n_actors, n_dims" and sometimes further (ignored) fields.
    return len(cells) >= 4 and all(c.isascii() and c.isdigit() for c in cells[2:4])


def read_ktab_csv(text: str, file: str | None) -> Scenario:
    """KTAB's SMP CSV (``smpread.cpp::csvRead``): a title row ``name, description, n_actors, n_dims``,
    a header row ``Actor, Description, Power, <dim>, <salience>, ...``, then one row per actor.
    Positions and saliences are on 0–100."""
    rows = [(line, [c.strip() for c in row]) for line, row in csv_rows(text, file) if any(c.strip() for c in row)]
    title_line, title = rows[0]
    problems = []
    n_actors, n_dims = int(title[2]), int(title[3])
    header_line, header = rows[1] if len(rows) > 1 else (title_line + 1, [])
    while header and not header[-1]:
        header.pop()
    if len(header) != 3 + 2 * n_dims or n_dims == 0:
        problems.append(
            Problem(
                f"the header should have 3 + 2 x {n_dims} columns, found {len(header)}", file=file, line=header_line
            )
        )
        raise ScenarioError(problems)
    dims = [header[3 + 2 * d] for d in range(n_dims)]
    raw = RawScenario(file=file, meta={"name": Cell(title[0]), "description": Cell(title[1])})
    raw.issues = [{"name": Cell(d, header_line, header[3 + 2 * k])} for k, d in enumerate(dims)]
    body = rows[2:]
    if len(body) != n_actors:
        problems.append(
            Problem(
                f"the title row promises {n_actors} actors, the file has {len(body)}",
                file=file,
                line=title_line,
                field="numActors",
                value=n_actors,
            )
        )
    for line, row in body:
        while row and not row[-1]:
            row.pop()
        if len(row) != len(header):
            problems.append(Problem(f"expected {len(header)} values, found {len(row)}", file=file, line=line))
            continue
        shares = [_float_or_none(row[4 + 2 * d]) for d in range(n_dims)]
        if all(v is not None and math.isfinite(v) for v in shares) and sum(shares) > 100.0 + 1e-9:  # type: ignore[arg-type]
            problems.append(
                Problem(
                    f"the saliences sum to {sum(shares):g} ({' + '.join(f'{v:g}' for v in shares)}); KTAB's saliences "  # type: ignore[arg-type]
                    "are shares of one actor's attention and may sum to at most 100",
                    file=file,
                    line=line,
                    field=header[4],
                )
            )
        name = Cell(row[0], line, header[0])
        raw.actors.append(
            {"name": name, "description": Cell(row[1], line, header[1]), "capability": Cell(row[2], line, header[2])}
        )
        for d, dim in enumerate(dims):
            raw.stances.append(
                {
                    "actor": name,
                    "issue": Cell(dim, line, "dimension"),
                    "position": Cell(row[3 + 2 * d], line, header[3 + 2 * d]),
                    "salience": Cell(row[4 + 2 * d], line, header[4 + 2 * d]),
                }
            )
    return build_reporting(raw, problems)


def write_ktab_csv(scenario: Scenario) -> str:
    bad = [i.name for i in scenario.issues if i.scale != (0.0, 100.0)]
    if bad or np.isnan(scenario.positions).any():
        raise ScenarioError(
            Problem(
                "KTAB's CSV needs every actor's position on every issue, on 0–100",
                field="issues",
                value=bad or "missing positions",
            )
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([scenario.name, scenario.description, len(scenario.actors), len(scenario.issues)])
    header = ["Actor", "Description", "Power"]
    for issue in scenario.issues:
        header += [issue.name, f"{issue.name} salience"]
    writer.writerow(header)
    for i, actor in enumerate(scenario.actors):
        row = [actor.name, actor.description, _num(scenario.capabilities[i])]
        for j in range(len(scenario.issues)):
            row += [_num(scenario.positions[i, j]), _num(scenario.saliences[i, j])]
        writer.writerow(row)
    return out.getvalue()


# -- decide's #A/#P/#M/#D files ------------------------------------------------------------------------------


def looks_like_decide(text: str) -> bool:
    head = text.lstrip()[:20]
    return head.startswith(("'#A'", "#A", '"#A"', "'#P'", "#P"))


def read_decide(text: str, file: str | None, name: str) -> Scenario:
    """decide-exchange-model input (Stokman's exchange model; foarsitter/decide-exchange-model):
    ``#A actor``, ``#P issue``, two ``#M issue value`` lines giving the scale's ends, and
    ``#D actor issue position salience power`` with salience on 0–1. Fields are separated by tabs,
    semicolons or commas and may be quoted with single quotes."""
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if "\t" in first else (";" if ";" in first else ",")
    raw = RawScenario(file=file, meta={"name": Cell(name)}, salience_max=1.0)
    issues: dict[str, Record] = {}
    scales: dict[str, list[Cell]] = {}
    powers: dict[str, Cell] = {}
    problems = []
    for line, row in csv_rows(text, file, delimiter=delimiter, quotechar="'"):
        row = [c.strip() for c in row]
        while row and not row[-1]:
            row.pop()
        if not row:
            continue
        tag = row[0].strip("'\"")
        if tag == "#A" and len(row) >= 2:
            raw.actors.append(
                {
                    "name": Cell(row[1], line, "actor"),
                    "description": Cell(row[3] if len(row) > 3 else "", line, "description"),
                }
            )
        elif tag == "#P" and len(row) >= 2:
            issues[row[1]] = {
                "name": Cell(row[1], line, "issue"),
                "question": Cell(row[3] if len(row) > 3 else "", line, "description"),
            }
        elif tag == "#M" and len(row) == 3:
            scales.setdefault(row[1], []).append(Cell(row[2], line, "value"))
        elif tag == "#D" and len(row) == 6:
            actor = Cell(row[1], line, "actor")
            raw.stances.append(
                {
                    "actor": actor,
                    "issue": Cell(row[2], line, "issue"),
                    "position": Cell(row[3], line, "position"),
                    "salience": Cell(row[4], line, "salience"),
                }
            )
            power = Cell(row[5], line, "power")
            if row[1] in powers and not _same_number(powers[row[1]].value, power.value):
                problems.append(
                    Problem(
                        f"power differs from line {powers[row[1]].line}; ktokovo takes one capability per actor",
                        file=file,
                        line=line,
                        field="power",
                        value=row[5],
                    )
                )
            powers.setdefault(row[1], power)
        else:
            problems.append(
                Problem(
                    "not a #A, #P, #M or #D line of the expected length",
                    file=file,
                    line=line,
                    field="tag",
                    value=row[0],
                )
            )
    for issue, record in issues.items():
        marks = scales.get(issue, [])
        numbers = []
        for mark in marks:
            try:
                numbers.append((float(mark.value), mark))
            except ValueError:
                problems.append(
                    Problem("expected a number", file=file, line=mark.line, field="value", value=mark.value)
                )
        if len(numbers) >= 2:
            record["scale_low"] = min(numbers, key=lambda n: n[0])[1]
            record["scale_high"] = max(numbers, key=lambda n: n[0])[1]
        raw.issues.append(record)
    for record in raw.actors:
        name_cell = record["name"]
        record["capability"] = powers.get(str(name_cell.value)) or Cell(None, name_cell.line, "power")
    return build_reporting(raw, problems)


def write_decide(scenario: Scenario) -> str:
    """decide's input, every text field in single quotes with a quote inside doubled (``'Putin''s'``), as
    :func:`read_decide` reads it back: a name with an apostrophe, a tab or a line break survives."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    for actor in scenario.actors:
        writer.writerow(["#A", actor.name, actor.name, actor.description])
    for issue in scenario.issues:
        writer.writerow(["#P", issue.name, issue.name, issue.question])
        writer.writerow(["#M", issue.name, _num(issue.scale[0])])
        writer.writerow(["#M", issue.name, _num(issue.scale[1])])
    for i, actor in enumerate(scenario.actors):
        for j, issue in enumerate(scenario.issues):
            if not np.isnan(scenario.positions[i, j]):
                writer.writerow(
                    [
                        "#D",
                        actor.name,
                        issue.name,
                        _num(scenario.positions[i, j]),
                        _num(scenario.saliences[i, j] / 100.0),
                        _num(scenario.capabilities[i]),
                    ]
                )
    return out.getvalue()
