"""What every command shares: the app with its one error handler, the consoles, the options declared once, and
the helpers that load a scenario with its what-ifs, show progress, write JSON and record a run."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ktokovo import io as formats
from ktokovo.analysis import whatif
from ktokovo.analysis.uncertainty import SampleResult
from ktokovo.core._version import __version__
from ktokovo.core.errors import EnvironmentFailure, KtokovoError, ParameterError, Problem, ScenarioError
from ktokovo.core.jsonable import dumps
from ktokovo.core.limits import MAX_HORIZON, MAX_ROUNDS, MAX_SEED, max_workers
from ktokovo.core.result import ModelResult
from ktokovo.core.scenario import Scenario
from ktokovo.models import MODELS, STANDARD

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def fail(error: KtokovoError) -> None:
    """Say what is wrong on stderr and exit: 2 for bad input, 1 for a failure of the machine around it (an
    :class:`EnvironmentFailure`: disk, store, network)."""
    err.print(f"[bold red]error:[/] {escape(str(error))}", markup=True, soft_wrap=True)
    raise typer.Exit(1 if isinstance(error, EnvironmentFailure) and not isinstance(error, ValueError) else 2)


class _Group(TyperGroup):
    """The command group whose ``invoke`` is the CLI's one error handler: bad input anywhere below it (a
    :class:`KtokovoError`) ends the command with its message and exit code 2, never a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_placeholders(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KtokovoError as error:
            fail(error)


_PLACEHOLDERS = {"int": "N", "float": "X", "path": "PATH", "str": "TEXT", "datetime": "TIME"}


def _plain_placeholders(command: Any) -> None:
    """Help that shows what to type, not Python's types: typer prints an option's annotation (``<list[str]>``,
    ``<bool>``); here a flag shows nothing and a value the usual placeholder (TEXT, N, X, PATH), on every
    command below ``command``."""
    for sub in getattr(command, "commands", {}).values():
        _plain_placeholders(sub)
    help_option = command.get_help_option

    def plain_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = plain_help_option
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument":  # its name says what it is; no second column
            param.display_type_rich = lambda ctx: None
            continue
        if param.metavar is not None:
            continue
        if getattr(param, "is_flag", False):
            param.metavar = ""
            continue
        described = param.type_descriptor
        if described.is_choice and described.choices:
            param.metavar = "|".join(str(choice) for choice in described.choices)
            continue
        kind = param.bare_type().removeprefix("list[").lower()
        param.metavar = next((v for k, v in _PLACEHOLDERS.items() if kind.startswith(k)), "TEXT")


_STARTED: dict[str, str] = {}


def _print_version(asked: bool) -> None:
    if asked:
        out.print(f"ktokovo {__version__}")
        raise typer.Exit()


def _note_start(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print ktokovo's version and exit."),
    ] = False,
) -> None:
    # Runs before every command: the run store records when the command started, not only when it ended
    # (in the store's format, ktokovo.store.now(); the store itself is imported only when a run is recorded).
    _STARTED["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    # The first run on a machine compiles the models' kernels (a minute or less); later runs load them.
    from ktokovo.models import _compile_notice

    _compile_notice.on_compile(lambda message: err.print(f"[dim]{message}…[/]"))


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Model a multi-party negotiation and forecast who gets the better of whom.",
    callback=_note_start,
)


def group(name: str, help: str) -> typer.Typer:
    """A command group under ``ktokovo`` (``runs``, ``ledger``)."""
    sub = typer.Typer(no_args_is_help=True, help=help)
    app.add_typer(sub, name=name)
    return sub


# -- options, declared once -------------------------------------------------------------------------------
DEFAULT_SCENARIO = "ukraine-2025"
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
SeedOption = Annotated[int, typer.Option(help="Random seed (recorded with the result).", min=0, max=MAX_SEED)]
PlotOption = Annotated[Path | None, typer.Option("--plot", help="Write charts (PNG and SVG) into this folder.")]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="What if: change an input, e.g. "
        "Russia.capability=60, Ukraine.crimea.position=20, crimea.status_quo=50 (repeatable).",
    ),
]
DropOption = Annotated[list[str] | None, typer.Option("--drop", help="What if: leave an actor out (repeatable).")]
ShockOption = Annotated[
    list[str] | None,
    typer.Option(
        "--shock",
        help="A shock at a round: 3:Russia.capability=60, "
        "3:Russia.capability*0.5, 3:-European allies (leaves), 4:+China (enters); repeatable.",
    ),
]
RoundsOption = Annotated[
    int | None,
    typer.Option(
        help="Rounds for models that run in rounds (default: bdm and exchange 10; smp to its stop rule).",
        min=0,
        max=MAX_ROUNDS,
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option(help="Local worker processes for the draws (at most one per core).", min=1, max=max_workers()),
]
HorizonOption = Annotated[int, typer.Option(help="Months a deal must hold (durability).", min=1, max=MAX_HORIZON)]
ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML, CSV, xlsx, BDM, KTAB, decide) or a built-in scenario's name.")
]
PowerOption = Annotated[
    str | None,
    typer.Option(
        "--power",
        help="Capabilities from voting power under the scenario's voting rule: shapley or banzhaf (×100).",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The scenario as known on this date (YYYY-MM-DD): its ledger's entries up to it. Default: today.",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The run store: an SQLite file or an SQLAlchemy URL (postgresql+psycopg://...). "
        "Default: $KTOKOVO_DB, else runs.sqlite in your data folder.",
    ),
]
NoStoreOption = Annotated[bool, typer.Option("--no-store", help="Do not record this run in the run store.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]
ModelsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Model to run (repeatable): " + ", ".join(MODELS) + ". Default: " + ", ".join(STANDARD) + ".",
    ),
]
ModelOption = Annotated[str, typer.Option("--model", "-m", help="The model: " + ", ".join(MODELS) + ".")]
PresetOption = Annotated[str | None, typer.Option(help="A named parameter set of the model, e.g. scholz2011.")]
ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="A model parameter NAME=VALUE (repeatable), e.g. -p q=0.5."),
]

TRACK_RECORD_NOTE = (
    "DEU error: the model's mean absolute error (points on 0–100) on 218 real EU decisions "
    "(DEU III sample, `ktokovo backtest deu`); how far to trust its number"
)


def require(extra: str, *modules: str) -> None:
    """A clear error, not a traceback, when an optional part of ktokovo is not installed."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ParameterError(
            f"this needs ktokovo's '{extra}' extra ({', '.join(missing)} is not installed): "
            f"python3 -m pip install 'ktokovo[{extra}]'"
        )


# -- input --------------------------------------------------------------------------------------------------
def load_with_changes(
    scenario: str,
    sets: list[str] | None = None,
    drop: list[str] | None = None,
    shocks: list[str] | None = None,
    as_of: str | None = None,
    quiet: bool = False,
    power: str | None = None,
) -> Scenario:
    """The scenario as known on ``as_of``, with the what-ifs of ``--set``, ``--drop`` and ``--shock``; unless
    ``quiet`` (JSON output), a first line says which were applied, so a what-if never reads as the baseline."""
    if as_of is not None:
        from ktokovo.analysis.ledger import parse_date

        parse_date(as_of, "--as-of")
    loaded = formats.load(scenario, as_of=as_of)
    ledger = (loaded.base or loaded).ledger
    if ledger:  # a forecast from a ledger that was tampered with says so, before it prints anything
        from ktokovo.analysis.ledger import verify_ledger
        from ktokovo.io.yaml_format import seal_problem

        verdict = verify_ledger(ledger)
        sealed = seal_problem(loaded) if verdict.ok else None
        why = f"fails its hash chain at entry {verdict.bad}: {verdict.reason}" if not verdict.ok else None
        if sealed is not None:
            why = (
                f"does not match its file's seal: {sealed} (if you edited the inputs on purpose, "
                f"`ktokovo ledger seal {scenario}` records them)"
            )
        if why is not None:
            err.print(
                f"[yellow]warning:[/] the ledger of {scenario} {why}. The forecast below uses it as it is; "
                f"`ktokovo ledger verify {scenario}` checks it against the heads the run store saw.",
                soft_wrap=True,
            )
    if sets or drop:
        loaded = whatif.what_if(loaded, whatif.parse_sets(sets or []), drop or [])
    if shocks:
        loaded = whatif.with_shocks(loaded, [whatif.parse_shock(text) for text in shocks])
    if power is not None:
        from ktokovo.analysis.power import as_capabilities

        loaded = as_capabilities(loaded, power)
    changes = [*(sets or []), *(f"without {name}" for name in drop or []), *(f"shock {text}" for text in shocks or [])]
    if power is not None:
        changes.append(f"capabilities = {power} voting power × 100")
    if changes and not quiet:
        applied = escape("; ".join(changes))
        out.print(f"[bold yellow]what if:[/] {applied} (not the scenario as filed)\n", soft_wrap=True)
    return loaded


def parse_parameters(items: list[str] | None) -> dict[str, Any]:
    """``NAME=VALUE`` pairs, each value read as YAML (numbers, true/false, text)."""
    import yaml

    parameters = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"a parameter is written NAME=VALUE, not {item!r}")
        try:
            parameters[name.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ParameterError(f"the value of {name.strip()} is not valid YAML ({problem}): {value!r}") from None
    return parameters


# -- output -------------------------------------------------------------------------------------------------
def write_json(data: Any) -> None:
    """One JSON document on stdout, from the one encoder (:func:`ktokovo.core.jsonable.dumps`)."""
    sys.stdout.write(dumps(data) + "\n")


def track_record(model: str) -> str:
    from ktokovo.evaluation.backtest import TRACK_RECORD

    return f"{TRACK_RECORD[model]:.1f}" if model in TRACK_RECORD else "—"


@contextmanager
def spinner(text: str, quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while the block runs (not with --json or off a terminal); the block is given a
    function that changes the spinner's text as the work moves on."""
    if quiet or not err.is_terminal:
        yield lambda text: None
        return
    from rich.status import Status

    with Status(text, console=err) as status:
        yield lambda text: status.update(text)


@contextmanager
def progress_bar(quiet: bool, stoppable: bool = False) -> Iterator[Callable[[str, int, int], bool]]:
    """A progress callback for the application layer, drawn as a bar on stderr.

    With ``stoppable`` (a run with draws), the first Ctrl-C stops the draws after the chunk in progress; the
    finished ones are kept and the command goes on with them. A second Ctrl-C aborts. The signal is the CLI's
    to handle: the core only sees the callback answer False."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    stopped = {"now": False}

    def on_interrupt(signum: int, frame: Any) -> None:
        if stopped["now"]:
            raise KeyboardInterrupt
        stopped["now"] = True
        err.print("[yellow]stopping after the draws in progress; Ctrl-C again to abort[/]")

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    install = stoppable and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_interrupt) if install else None
    try:
        with Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal) as bar:
            tasks: dict[str, Any] = {}

            def update(task: str, done: int, total: int) -> bool:
                if task not in tasks:
                    tasks[task] = bar.add_task(task, total=total)
                bar.update(tasks[task], completed=done, total=total)
                return not stopped["now"]

            yield update
    finally:
        if install:
            signal.signal(signal.SIGINT, previous)


def note_interrupted(samples: Sequence[SampleResult]) -> None:
    for result in samples:
        if result.interrupted:
            err.print(
                f"[yellow]stopped by Ctrl-C: {result.model} kept {len(result.forecasts)} of {result.requested} "
                "draws; the intervals below use those[/]"
            )


@contextmanager
def executor_for(workers: int, dask: str | None) -> Iterator[Any]:
    """Where draws run: this process (1 worker), local worker processes, or a Dask cluster's executor. Workers
    ignore Ctrl-C, which the command handles."""
    if dask is not None:
        require("dask", "distributed")
        from distributed import Client

        try:
            client = Client(dask, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise EnvironmentFailure(f"cannot reach the Dask scheduler at {dask}: {error}") from None
        with client:
            yield client.get_executor()
        return
    if isinstance(workers, bool) or workers < 1:
        raise ParameterError(f"--workers must be at least 1, not {workers}")
    if workers == 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupt) as pool:
        yield pool


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def check_plots(directory: Path | None) -> None:
    """Before any work: --plot needs the plots extra, and a folder it can write into (made if missing)."""
    if directory is None:
        return
    require("plots", "matplotlib")
    if directory.exists() and not directory.is_dir():
        raise ScenarioError(
            Problem("--plot names a folder to write the charts into; this is a file", file=str(directory))
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".ktokovo-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ScenarioError(
            Problem(f"cannot write charts into this folder: {error.strerror or error}", file=str(directory))
        ) from None


def plots_module() -> Any:
    """:mod:`ktokovo.report.plots`, if the plots extra is installed."""
    require("plots", "matplotlib")
    from ktokovo.report import plots

    return plots


def plot_note(written: Sequence[Path], directory: Path, quiet: bool) -> None:
    if not quiet:
        out.print(f"\nwrote {len(written)} chart files (PNG and SVG) to {directory}")


# -- the run store ------------------------------------------------------------------------------------------
def open_store(db: str | None) -> Any:
    from ktokovo.store import Store

    return Store(db)


def source_id(source: str) -> str:
    """Where a scenario came from, as the store keys it: a file's absolute path, or builtin:NAME."""
    path = Path(source)
    return str(path.resolve()) if path.exists() else f"builtin:{source}"


def record(
    db: str | None,
    no_store: bool,
    command: str,
    source: str,
    scenario: Scenario,
    results: Sequence[ModelResult],
    samples: Sequence[SampleResult] = (),
    details: dict[str, Any] | None = None,
    quiet: bool = False,
) -> int | None:
    """Store the run and say so on stderr (unless ``quiet``, as with --json); a store that cannot be written is
    an error only if --db named it."""
    return _stored(
        db,
        no_store,
        quiet,
        "run",
        lambda store: store.record(
            command,
            scenario,
            results,
            samples,
            source=source_id(source),
            details=details,
            started_at=_STARTED.get("at"),
        ),
        "ktokovo runs show {id}",
    )


def store_backtest(report: Any, db: str | None, no_store: bool, quiet: bool) -> int | None:
    """Store a backtest (its summary and every per-issue score) and say so on stderr, as :func:`record` does."""
    return _stored(
        db,
        no_store,
        quiet,
        "backtest",
        lambda store: store.record_backtest(report, started_at=_STARTED.get("at")),
        "ktokovo runs backtests",
    )


def _stored(
    db: str | None, no_store: bool, quiet: bool, what: str, write: Callable[[Any], int], hint: str
) -> int | None:
    """``write(store)`` and say so on stderr (unless ``quiet``); a store that cannot be written is an error
    only if --db named it, else a warning (the result was printed already)."""
    if no_store:
        return None
    try:
        with open_store(db) as store:
            number = write(store)
    except KtokovoError as error:
        if db is not None:
            raise
        err.print(f"[yellow]warning:[/] the {what} was not stored: {error}", soft_wrap=True)
        return None
    if not quiet:
        err.print(f"[dim]stored as {what} {number} ({hint.format(id=number)})[/]", soft_wrap=True)
    return int(number)
