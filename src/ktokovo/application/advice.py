"""``ktokovo advise``: what one actor could change to get a better outcome, and by how much, under each model."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from ktokovo.analysis.advice import ADVICE_MODELS, Advice, advise, no_deal
from ktokovo.core.jsonable import to_jsonable
from ktokovo.core.scenario import Scenario


def advice(
    scenario: Scenario,
    actor: str,
    models: Sequence[str] | None = None,
    *,
    persuade: float = 10.0,
    rounds: int | None = None,
    seed: int = 0,
    power: str | None = None,
    executor: Executor | None = None,
) -> Advice:
    """:func:`ktokovo.analysis.advice.advise`, by default under mean, median, nash and bdm; with ``power``
    the capabilities are the voting power of the scenario's rule and bloc moves are tried."""
    return advise(
        scenario,
        actor,
        tuple(models or ADVICE_MODELS),
        persuade=persuade,
        rounds=rounds,
        seed=seed,
        power=power,
        executor=executor,
    )


def advice_dict(found: Advice, top: int = 10, counting_no_deal: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON of ``ktokovo advise --json``: the actor's gain as things stand, the best changes on average
    over the models, and under each model; with ``counting_no_deal`` (:func:`ktokovo.analysis.advice.no_deal`),
    the best changes scored in the forecast that counts no deal."""
    return to_jsonable(
        {
            **({"counting_no_deal": counting_no_deal} if counting_no_deal is not None else {}),
            "scenario": found.scenario.name,
            "actor": found.actor,
            "power": found.power,
            "models": list(found.models),
            "tried": len(found.changes),
            "gain_now": dict(zip(found.models, map(float, found.base), strict=True)),
            "best": found.best(None, top),
            "by_model": {model: found.best(model, top) for model in found.models},
        }
    )


def advice_counting_no_deal(found: Advice, top: int = 5, samples: int = 200, seed: int = 0) -> dict[str, Any]:
    """The ``top`` changes scored in the forecast that counts no deal (the scenario needs veto players)."""
    return no_deal(found, top, samples, seed)
