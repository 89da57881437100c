"""Reading and writing scenarios: YAML, long CSV, Excel, BDM, KTAB CSV and decide files.

``load`` takes a path or the name of a built-in scenario; ``save`` picks the format from the suffix
unless one is named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources
from pathlib import Path

from ktokovo.analysis import ledger as _ledger
from ktokovo.core.errors import Problem, ScenarioError
from ktokovo.core.scenario import Scenario
from ktokovo.io import _ktab_xml, _tables
from ktokovo.io import yaml_format as _yaml

__all__ = ["FORMATS", "MAX_BYTES", "builtin_scenarios", "dumps", "load", "save", "writable", "write_file"]

MAX_BYTES = 20 * 1024 * 1024
"""Files larger than this are refused before they are read (20 MiB)."""

FORMATS = ("yaml", "csv", "xlsx", "bdm", "ktab", "ktab_xml", "decide")
"""Every format ktokovo reads; it writes all but ``ktab_xml``."""


def builtin_scenarios() -> dict[str, str]:
    """The built-in scenarios: name to title."""
    out = {}
    for entry in sorted(resources.files("ktokovo.scenarios").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            scenario = _yaml.read_yaml(entry.read_text(encoding="utf-8"), entry.name)
            out[entry.name.removesuffix(".yaml")] = scenario.title
    return out


def _builtin_text(name: str) -> str | None:
    entry = resources.files("ktokovo.scenarios") / f"{name}.yaml"
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def load(source: str | Path, *, format: str | None = None, as_of: str | dt.date | None = None) -> Scenario:
    """Load a scenario from a file, or a built-in scenario by name.

    Parameters
    ----------
    source : a path, or the name of a built-in scenario (see :func:`builtin_scenarios`).
    format : one of :data:`FORMATS`; by default guessed from the suffix and the first line.
    as_of : for a scenario with a ledger, the date (ISO ``YYYY-MM-DD``) whose state of the talks to return:
        every entry dated on or before it is applied (see :func:`ktokovo.as_of`). Default: today.

    Raises
    ------
    ScenarioError
        naming the file, line and field of every problem found.
    """
    path = Path(source)
    if not path.exists() and isinstance(source, str) and "/" not in source and "." not in source:
        text = _builtin_text(source)
        if text is None:
            names = ", ".join(builtin_scenarios())
            raise ScenarioError(
                Problem(f"no such file, and no built-in scenario of that name (built-in: {names})", file=str(source))
            )
        return _ledger.as_of(_yaml.read_yaml(text, f"{source} (built-in)"), as_of)
    file = str(source)
    if not path.is_file():
        raise ScenarioError(Problem("no such file", file=file))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ScenarioError(Problem(f"the file is {size} bytes; the limit is {MAX_BYTES}", file=file))
    data = path.read_bytes()
    return loads(data, name=path.stem, file=file, format=format or _format_from_suffix(path), as_of=as_of)


def _format_from_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx", ".xml": "ktab_xml"}.get(suffix)


def loads(
    data: bytes,
    *,
    name: str = "scenario",
    file: str | None = None,
    format: str | None = None,
    as_of: str | dt.date | None = None,
) -> Scenario:
    """Load a scenario from bytes (used by :func:`load` and by the web service); ``as_of`` as for :func:`load`."""
    return _ledger.as_of(_loads(data, name=name, file=file, format=format), as_of)


def _loads(data: bytes, *, name: str, file: str | None, format: str | None) -> Scenario:
    if format is not None and format not in FORMATS:
        raise ScenarioError(
            Problem(f"unknown format; known: {', '.join(FORMATS)}", file=file, field="format", value=format)
        )
    if len(data) > MAX_BYTES:
        raise ScenarioError(Problem(f"the data is {len(data)} bytes; the limit is {MAX_BYTES}", file=file))
    if not data.strip():
        raise ScenarioError(Problem("the file is empty", file=file))
    if format == "xlsx" or data[:4] == b"PK\x03\x04":
        return _tables.read_xlsx(data, file, name)
    if b"\x00" in data[:8192]:
        raise ScenarioError(
            Problem("a binary file, not a scenario (text formats: YAML, CSV, decide; or .xlsx)", file=file)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioError(Problem("not UTF-8 text (save the file as UTF-8)", file=file, line=line)) from None
    if format is None:
        format = "ktab_xml" if _ktab_xml.looks_like_xml(text) else _sniff(text)
    if format == "ktab_xml":
        return _ktab_xml.read_ktab_xml(text, file)
    if format == "yaml":
        return _yaml.read_yaml(text, file)
    if format == "decide":
        return _tables.read_decide(text, file, name)
    if format == "ktab":
        return _tables.read_ktab_csv(text, file)
    if format == "bdm":
        return _tables.read_bdm_csv(text, file, name)
    return _tables.read_long_csv(text, file, name)


def _sniff(text: str) -> str:
    if _tables.looks_like_decide(text):
        return "decide"
    first_line = text.lstrip().splitlines()[0]
    try:
        first = next(csv.reader(io.StringIO(first_line)))
    except (csv.Error, StopIteration):
        first = []
    if len(first) >= 2 and ":" not in first_line:
        if _tables.looks_like_ktab(first):
            return "ktab"
        if _tables.looks_like_bdm(first):
            return "bdm"
        return "csv"
    return "yaml"


def dumps(scenario: Scenario, format: str) -> bytes:
    """The scenario in one of :data:`FORMATS`, as bytes."""
    writers = {
        "yaml": _yaml.write_yaml,
        "csv": _tables.write_long_csv,
        "bdm": _tables.write_bdm_csv,
        "ktab": _tables.write_ktab_csv,
        "decide": _tables.write_decide,
    }
    if format == "xlsx":
        return _tables.write_xlsx(scenario)
    if format == "ktab_xml":
        raise ScenarioError(
            Problem(
                "ktokovo reads KTAB's XML but does not write it; use yaml or ktab (CSV)", field="format", value=format
            )
        )
    if format not in writers:
        raise ScenarioError(Problem(f"unknown format; known: {', '.join(FORMATS)}", field="format", value=format))
    return writers[format](scenario).encode("utf-8")


def writable(path: str | Path, *, overwrite: bool = False, what: str = "the file") -> Path:
    """``path`` if :func:`write_file` may write there (checked before long work, so it fails at once)."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(Problem(f"{what} would replace a folder of that name", file=str(path)))
    if path.exists() and not overwrite:
        raise ScenarioError(
            Problem(f"{path.name} exists already: give --force to replace it, or another name", file=str(path))
        )
    if not path.parent.is_dir():
        raise ScenarioError(Problem(f"no such folder: {path.parent}", file=str(path)))
    return path


def write_file(path: str | Path, data: bytes | str, *, overwrite: bool = False, what: str = "the file") -> Path:
    """Write ``data`` to ``path``; an existing file is refused unless ``overwrite`` (the CLI's ``--force``), and
    a missing folder or a write that fails is a :class:`ScenarioError` naming the file, never a traceback.
    Text is written as UTF-8."""
    path = writable(path, overwrite=overwrite, what=what)
    try:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as error:
        raise ScenarioError(Problem(f"cannot write {what}: {error.strerror or error}", file=str(path))) from None
    return path


def save(scenario: Scenario, path: str | Path, *, format: str | None = None, overwrite: bool = False) -> Path:
    """Write ``scenario`` to ``path``; the format follows the suffix (``.yaml``, ``.csv``, ``.xlsx``,
    ``.txt`` for decide) unless given. An existing file is kept unless ``overwrite``: a table written over a
    YAML scenario would lose its ledger, vetoes and linkages."""
    path = Path(path)
    if format is None:
        format = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".xlsx": "xlsx", ".txt": "decide"}.get(
            path.suffix.lower()
        )
        if format is None:
            raise ScenarioError(
                Problem(
                    "cannot tell the format from the suffix; use .yaml, .csv, .xlsx or .txt, or name the format",
                    file=str(path),
                )
            )
    return write_file(path, dumps(scenario, format), overwrite=overwrite, what="the scenario")
