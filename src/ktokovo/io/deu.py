"""The DEU III dataset of EU legislative decisions: each controversial issue becomes a scenario.

Arregui, J. & Perarnaud, C. (2022) "The Decision-Making in the European Union (DEU III) dataset", CORA
Repositori de Dades de Recerca, doi:10.34810/data53, CC BY 4.0. Read in the tab-separated form of the
sample shipped with ktokovo's reference data or in the original semicolon-separated ``Dataset_DEU_III.csv``
(same column names). ``999`` and blanks are missing values.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.scenario import Actor, Issue, Scenario

CITATION = (
    "Arregui & Perarnaud (2022), The Decision-Making in the European Union (DEU III) dataset, "
    "doi:10.34810/data53, CC BY 4.0"
)

# Column suffix to actor name: the Commission, the Parliament and the member states (DEU's codes).
ACTORS = {
    "com": "Commission",
    "ep": "Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czechia",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
REQUIRED = ("prnr", "isnr", "proc", "counvte", "intro", "rp", "out")
MISSING_SALIENCE = 50.0
"""A salience the dataset leaves missing where a position is given is taken as 50, the scale's middle."""


@dataclass(frozen=True)
class DeuCase:
    """One scoreable issue: its scenario (status quo = the reference point, outcome = the decision) and the
    keys results are broken down by."""

    issue_id: str
    proposal: str
    introduced: date | None
    procedure: str
    voting_rule: str
    scenario: Scenario


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "999")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return np.isnan(number) or number == 999


def _date(text: object) -> date | None:
    """DEU's ``intro`` in the three forms its files use: dd-mm-yy ("26-01-00"; years from 90 are 19xx, the rest
    20xx, as the dataset spans 1996–2019), dd-mm-yyyy ("14-12-1999"), and the public copy's mangled yyyy-mm-dd,
    where dd-mm-yy was read as yy-mm-dd ("30-05-05", 30 May 2005, became "1930-05-05"), read back the same
    way. Anything else is None (the case is then left out of breakdowns by period)."""
    parts = str(text).strip().split("-")
    try:
        first, month, last = (int(part) for part in parts)
    except ValueError:
        return None
    if len(parts[0]) == 4:  # mangled: the day is the year's last two digits, the year the last part
        day, year = first % 100, last + (1900 if last >= 90 else 2000)
    elif len(parts[2]) == 4:
        day, year = first, last
    elif len(parts[2]) == 2:
        day, year = first, last + (1900 if last >= 90 else 2000)
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _procedural(row: Mapping[Any, Any]) -> dict[str, str]:
    """The case's procedure and voting rule as the procedural model reads them: "COD" or "CNS" ("" for any
    other), "QMV" (also for the dataset's "QMV(10)", qualified majority in a variant) or "Unan" ("" else)."""
    procedure = str(row["proc"]).strip()
    rule = str(row["counvte"]).strip()
    return {
        "procedure": procedure if procedure in ("COD", "CNS") else "",
        "voting_rule": "QMV" if rule.startswith("QMV") else "Unan" if rule == "Unan" else "",
    }


def read_deu(data: bytes, file: str | None) -> tuple[list[DeuCase], list[str]]:
    """The scoreable issues of a DEU file, and a note for each issue left out (and why)."""
    import pandas as pd

    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise ScenarioError(Problem("the file is empty: a DEU table starts with its header row", file=file))
    separator = "\t" if "\t" in text.splitlines()[0] else ";"
    try:
        table = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    except Exception as error:  # pandas raises several kinds for malformed text
        raise ScenarioError(Problem(f"not a readable DEU table ({error})", file=file)) from None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ScenarioError(Problem(f"missing DEU columns {missing}", file=file, line=1, field=",".join(missing)))
    codes = [code for code in ACTORS if f"p{code}" in table.columns]
    cases, skipped = [], []
    for row_number, row in enumerate(table.to_dict("records"), start=2):
        issue_id = str(row["isnr"]).strip()
        if _missing(row["out"]):
            skipped.append(f"{issue_id}: no recorded outcome")
            continue
        names, positions, saliences = [], [], []
        problems = []
        for code in codes:
            position = row.get(f"p{code}")
            if _missing(position):
                continue
            salience = row.get(f"s{code}")
            try:
                value = float(position)  # type: ignore[arg-type]
                weight = MISSING_SALIENCE if _missing(salience) else float(salience)  # type: ignore[arg-type]
            except ValueError:
                problems.append(
                    Problem(
                        "expected a number",
                        file=file,
                        line=row_number,
                        field=f"p{code}/s{code}",
                        value=(position, salience),
                    )
                )
                continue
            names.append(ACTORS[code])
            positions.append(value)
            saliences.append(weight)
        try:
            outcome = float(row["out"])
            status_quo = None if _missing(row["rp"]) else float(row["rp"])
        except ValueError:
            problems.append(
                Problem("expected a number", file=file, line=row_number, field="out/rp", value=(row["out"], row["rp"]))
            )
        if problems:
            raise ScenarioError(problems)
        if sum(1 for s in saliences if s > 0) < 2:
            skipped.append(f"{issue_id}: fewer than two actors with a position and a salience")
            continue
        try:
            scenario = Scenario(
                name=issue_id,
                actors=tuple(Actor(n) for n in names),
                issues=(Issue(issue_id, question=str(row.get("prname", "")), status_quo=status_quo, outcome=outcome),),
                capabilities=np.ones(len(names)),
                positions=np.array(positions)[:, None],
                saliences=np.array(saliences)[:, None],
                documents={"deu": CITATION},
                model_parameters={"procedural": _procedural(row)},
            )
        except ScenarioError as error:
            raise ScenarioError(
                [Problem(p.message, file=file, line=row_number, field=p.field, value=p.value) for p in error.problems]
            ) from None
        cases.append(
            DeuCase(
                issue_id=issue_id,
                proposal=str(row["prnr"]).strip(),
                introduced=_date(row["intro"]),
                procedure=str(row["proc"]).strip(),
                voting_rule=str(row["counvte"]).strip(),
                scenario=scenario,
            )
        )
    return cases, skipped


def read_weights(path: Path) -> dict[str, float]:
    """A capabilities table for the backtest: a CSV of actor,weight (a header line is allowed)."""
    import csv

    if not path.is_file():
        raise ScenarioError(
            Problem("no such file (capabilities are equal, council, or a CSV of actor,weight)", file=str(path))
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            Problem(f"not UTF-8 text (byte {error.start}): save the weights as UTF-8", file=str(path))
        ) from None
    table = {}
    for line, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or (line == 1 and row[0].strip().lower() == "actor"):
            continue
        try:
            table[row[0].strip()] = float(row[1])
        except (IndexError, ValueError):
            raise ScenarioError(
                Problem("expected actor,weight", file=str(path), line=line, field="weight", value=row)
            ) from None
    return table
