"""The shapes of the service's requests and answers (pydantic): the OpenAPI document is made from them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ktokovo.models import MODELS, STANDARD

if TYPE_CHECKING:
    ModelName = str
else:
    ModelName = Literal[tuple(MODELS)]
    """The models the service runs: the registry's names (the OpenAPI schema lists them)."""
Finite = Annotated[float, Field(allow_inf_nan=False)]


def _standard() -> list[str]:
    return list(STANDARD)


class ScenarioRef(BaseModel):
    """A scenario: a built-in one by name, or one given whole as YAML-shaped data (as GET /api/scenarios/{name}
    answers). ``as_of``: the scenario as known on that date (its ledger's entries up to it)."""

    model_config = ConfigDict(extra="forbid")
    builtin: str | None = Field(None, max_length=200, examples=["ukraine-2025"])
    data: dict[str, Any] | None = None
    as_of: dt.date | None = None


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] = Field(default_factory=_standard, min_length=1)
    set: dict[str, Finite] = Field(default_factory=dict, description="What if: ACTOR.ISSUE.position and so on.")
    drop: list[str] = Field(default_factory=list, description="What if: actors left out.")
    samples: int = Field(0, ge=0, le=20_000, description="Draws of the inputs for forecast intervals.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    horizon: int = Field(12, ge=0, le=600, description="With draws and veto players: months a deal must hold.")
    charts: bool = False
    store: bool = True


class SensitivityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    model: ModelName = "mean"
    top: int = Field(8, ge=1, le=100)


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    actor: str = Field(min_length=1, max_length=200)
    issue: str | None = Field(None, max_length=200)
    model: Literal["bdm", "smp", "exchange"] = "bdm"


AdviceModel = Literal["mean", "median", "nash", "bdm", "procedural"]


def _advice_models() -> list[AdviceModel]:
    return ["mean", "median", "nash", "bdm"]


class AdviceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    actor: str = Field(min_length=1, max_length=200)
    models: list[AdviceModel] = Field(default_factory=_advice_models, min_length=1)
    persuade: float = Field(10.0, gt=0, le=100)
    top: int = Field(8, ge=1, le=100)
    no_deal: bool = Field(False, description="Also score the best five changes in the forecast that counts no deal.")
    samples: int = Field(200, ge=10, le=2_000, description="Draws for the forecast that counts no deal.")
    power: Literal["shapley", "banzhaf"] | None = Field(
        None, description="Capabilities from the voting rule's power; bloc moves are tried too."
    )


class CiteCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    documents: dict[str, Annotated[str, Field(max_length=5_000_000)]] = Field(
        min_length=1, description="The text of each cited document, by the name the scenario's documents use."
    )
    paragraphs: Literal["line", "blank"] = "line"


class PanelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenarios: list[ScenarioRef] = Field(min_length=2, max_length=20)
    labels: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = None
    models: list[AdviceModel] = Field(default_factory=_advice_models, min_length=1)


class PowerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef


class DealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] = Field(default_factory=_standard, min_length=1)
    samples: int = Field(200, ge=0, le=5_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    horizon: int = Field(12, ge=0, le=600, description="Months a deal must hold (durability).")


class DiffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: ScenarioRef
    b: ScenarioRef
    model: ModelName = "bdm"
    seed: int = Field(0, ge=0, le=2**32 - 1)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    models: list[ModelName] | None = None
    samples: int = Field(100, ge=0, le=2_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)


class DriftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioRef
    model: ModelName = "mean"


class LedgerEntryIn(BaseModel):
    """A dated event: what happened, who took part, where it is reported, and the inputs it changes from its
    date on (``Russia.ceasefire.position=15``, ``-ACTOR`` leaves, ``+ACTOR`` enters)."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    kind: Literal["meeting", "statement", "offer", "commitment", "deadline", "violation"]
    title: str = Field(min_length=1, max_length=500)
    actors: list[str] = Field(default_factory=list, max_length=100)
    document: str = Field(min_length=1, max_length=200)
    locator: str = Field("", max_length=200)
    quote: str = Field("", max_length=500)
    note: str = Field("", max_length=2000)
    changes: list[str] = Field(default_factory=list, max_length=200)


class LedgerAddRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]
    entry: LedgerEntryIn


class LedgerVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]


class IssueForecast(BaseModel):
    name: str
    question: str
    low_label: str
    high_label: str
    scale: list[float]
    status_quo: float | None
    forecasts: dict[str, float]
    intervals: dict[str, list[float]]
    nearest: dict[str, str]


class DealLeadAnswer(BaseModel):
    model: str
    zone: bool
    detail: dict[str, Any] | None
    probability: dict[str, float] | None


class ForecastAnswer(BaseModel):
    """What :meth:`ktokovo.application.Forecast.to_dict` gives (as ``ktokovo forecast --json`` prints), with
    the charts if asked for and the run's number in the store."""

    scenario: str
    title: str
    as_of: str | None
    actors: list[str]
    seed: int
    models: dict[str, dict[str, Any]]
    issues: list[IssueForecast]
    gains: dict[str, list[dict[str, Any]]]
    pairs: dict[str, list[dict[str, Any]]]
    draws: int
    samples: dict[str, dict[str, Any]]
    deal: DealLeadAnswer | None
    outlook: dict[str, Any] | None = None
    on_table: dict[str, Any] | None = None
    charts: dict[str, Any] | None
    run_id: int | None = None


class JobAnswer(BaseModel):
    id: str
    status: Literal["running", "done", "failed"]
    done: int
    total: int
    result: ForecastAnswer | None
    error: str | None


class Problem(BaseModel):
    detail: str
    problems: list[str] = []
