"""The ``ktokovo`` command. Each command parses its options, loads the scenario, calls
:mod:`ktokovo.application` and renders the result; nothing else happens here. Bad input anywhere is reported by
the one error handler in :mod:`ktokovo.cli._common` (exit code 2, no traceback).

Modules: :mod:`.forecast` (forecast, compare), :mod:`.analyse` (sensitivity, diff, deal), :mod:`.backtest`,
:mod:`.scenario` (check, show, scenarios, models, convert), :mod:`.record` (runs, ledger, resolve, scores,
drift, report, serve).
"""

from __future__ import annotations

from ktokovo.cli import analyse, backtest, forecast, record, scenario  # noqa: F401  (each registers its commands)
from ktokovo.cli._common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
