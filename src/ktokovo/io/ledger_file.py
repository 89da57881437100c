"""Editing a scenario file's ledger in place: the one ledger operation that writes a file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ktokovo.analysis.ledger import entry_data, new_entry
from ktokovo.core.errors import ParameterError
from ktokovo.core.scenario import LedgerEntry
from ktokovo.io import load, save
from ktokovo.io.yaml_format import dump_yaml, seal_data


def _unsealed(text: str) -> str:
    """The file's text without its ledger_head block (the seal is written anew with each entry)."""
    return re.sub(r"(?m)^ledger_head:(?:[^\n]*\n)(?:[ \t]+[^\n]*\n)*", "", text)


def append_to_file(path: str | Path, **fields: Any) -> LedgerEntry:
    """Append an entry (the fields of :func:`new_entry`) to the ledger of a YAML scenario file; return it.

    The entry is added as text at the end of the file when the ledger is the file's last key (or the file has
    none yet), so the rest of the file, comments included, stays as it was; otherwise the file is written anew.
    """
    import yaml

    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        raise ParameterError(f"{path}: the ledger is kept in a YAML scenario file; convert the scenario to YAML first")
    scenario = load(path)
    base = scenario.base or scenario
    try:
        entry = new_entry(base, **fields)
    except ParameterError as error:
        raise ParameterError(f"{path}: {error}") from None
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    item = dump_yaml({"ledger": [entry_data(entry)]}).split("\n", 1)[1]
    seal = dump_yaml({"ledger_head": seal_data(base.replace(ledger=(*base.ledger, entry)))})
    keys = list(data)
    if "ledger" not in data:
        path.write_text(_unsealed(text).rstrip("\n") + "\n" + seal + "ledger:\n" + item, encoding="utf-8")
    elif keys[-1] == "ledger" and data["ledger"] and not text.rstrip().endswith("]"):
        body = _unsealed(text).rstrip("\n") + "\n" + item
        path.write_text(re.sub(r"(?m)^ledger:\n", lambda _: seal + "ledger:\n", body, count=1), encoding="utf-8")
    else:
        save(base.replace(ledger=(*base.ledger, entry)), path, format="yaml", overwrite=True)
    again = load(path)
    if (again.base or again).ledger[-1] != entry:  # never leave a file that lost or mangled the entry
        path.write_text(text, encoding="utf-8")
        raise ParameterError(f"{path}: the entry could not be appended; the file is unchanged")
    return entry


def seal_file(path: str | Path) -> tuple[int, str]:
    """Record in a YAML scenario file the seal of its ledger and inputs as they are now (after inputs were
    edited on purpose): its ``ledger_head`` block is replaced, the rest of the text kept. Returns the entries
    and the inputs' digest. The chain itself must be whole: a broken chain is refused, not sealed over."""
    from ktokovo.analysis.ledger import verify_ledger

    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        raise ParameterError(f"{path}: a seal is kept in a YAML scenario file")
    scenario = load(path)
    base = scenario.base or scenario
    if not base.ledger:
        raise ParameterError(f"{path}: the scenario has no ledger to seal")
    verdict = verify_ledger(base.ledger)
    if not verdict.ok:
        raise ParameterError(f"{path}: entry {verdict.bad} breaks the chain ({verdict.reason}); not sealed")
    seal = seal_data(base)
    block = dump_yaml({"ledger_head": seal})
    text = path.read_text(encoding="utf-8")
    body = _unsealed(text)
    if re.search(r"(?m)^ledger:", body):
        body = re.sub(r"(?m)^ledger:", lambda _: block + "ledger:", body, count=1)
    else:
        body = body.rstrip("\n") + "\n" + block
    path.write_text(body, encoding="utf-8")
    again = load(path)
    if (again.base or again).ledger_head != (seal["entries"], seal["head"], seal["inputs"]):
        path.write_text(text, encoding="utf-8")
        raise ParameterError(f"{path}: the seal could not be written; the file is unchanged")
    return seal["entries"], seal["inputs"]
