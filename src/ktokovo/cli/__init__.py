"""The ``ktokovo`` command. Each command parses its options, loads the scenario, calls
:mod:`ktokovo.application` and renders the result; nothing else happens here. Bad input anywhere is reported by
the one error handler in :mod:`ktokovo.cli._common` (exit code 2, no traceback).

Modules: :mod:`.forecast` (forecast, compare), :mod:`.analyse` (sensitivity, diff, deal), :mod:`.backtest`,
:mod:`.scenario` (check, show, scenarios, models, convert), :mod:`.record` (runs, ledger, resolve, scores,
drift, report, serve).
"""

from __future__ import annotations

from ktokovo.cli._common import app

# Each module registers its commands on `app`; the order here is the order of `ktokovo --help`.
# isort: off
from ktokovo.cli import forecast  # noqa: F401, E402
from ktokovo.cli import analyse  # noqa: F401, E402
from ktokovo.cli import backtest  # noqa: F401, E402
from ktokovo.cli import scenario  # noqa: F401, E402
from ktokovo.cli import record  # noqa: F401, E402
# isort: on


def main() -> None:
    app()


__all__ = ["app", "main"]
