"""The contract every registered model keeps (ktokovo.models.contract), one test per model and check, as
scikit-learn's estimator checks do: its record, its parameters and presets, its batched solve agreeing with
the single one, pickling, the run store, and a truthful seed. The invariants of its numbers (actor order,
scaling, determinism, degenerate inputs) are in test_properties.py, parametrized the same way."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import ktokovo
from ktokovo.core.errors import ParameterError
from ktokovo.models import MODELS, IssueModel, JointModel, Parameters, resolve_parameters
from ktokovo.store import Store

NAMES = list(MODELS)
BATCHED = [name for name, model in MODELS.items() if model.solve_batch is not None]


@pytest.fixture(scope="module")
def flagship() -> ktokovo.Scenario:
    return ktokovo.load("ukraine-2025")


@pytest.mark.parametrize("name", NAMES)
def test_the_record_describes_the_model(name: str) -> None:
    model = MODELS[name]
    assert isinstance(model, IssueModel | JointModel) and model.name == name
    assert model.description and model.citation
    assert issubclass(model.parameters, Parameters) and model.parameters.model == name
    assert dataclasses.is_dataclass(model.parameters) and model.parameters.__dataclass_params__.frozen  # type: ignore[attr-defined]
    if model.rounds:
        assert model.default_rounds >= 1
    for preset in model.presets.values():
        assert type(preset) is model.parameters


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_checked(name: str) -> None:
    model = MODELS[name]
    defaults = model.defaults()
    assert resolve_parameters(name, None, {}) == defaults
    with pytest.raises(ParameterError, match=f"unknown parameter 'no_such' for model '{name}'"):
        resolve_parameters(name, None, {"no_such": 1})
    with pytest.raises(ParameterError, match=f"unknown preset 'no_such' for model '{name}'"):
        resolve_parameters(name, "no_such", {})
    for field, allowed in model.parameters.choices().items():
        with pytest.raises(ParameterError, match=f"parameter '{field}' of model '{name}' must be one of"):
            defaults.replace(**{field: "not one of them"})
        for value in allowed:  # every allowed value is accepted
            assert getattr(defaults.replace(**{field: value}), field) == value
    with pytest.raises(dataclasses.FrozenInstanceError):
        defaults.__setattr__(next(iter(defaults.names()), "model"), None)


@pytest.mark.parametrize("name", NAMES)
def test_parameters_and_results_pickle(name: str, flagship: ktokovo.Scenario) -> None:
    """Worker processes receive parameters and return results."""
    model = MODELS[name]
    assert pickle.loads(pickle.dumps(model.defaults())) == model.defaults()
    assert pickle.loads(pickle.dumps(model)) == model
    if model.applies(flagship) is None:
        result = ktokovo.run(flagship, name)
        again = pickle.loads(pickle.dumps(result))
        assert again.positions.tobytes() == result.positions.tobytes() and dict(again.parameters) == dict(
            result.parameters
        )


@pytest.mark.parametrize("name", BATCHED)
def test_the_batched_solve_agrees_with_the_single_one(name: str, flagship: ktokovo.Scenario) -> None:
    """solve_batch on every issue of the flagship and of 20 draws of it gives what solve gives case by case
    (to 1e-12 on 0–100: both are the same arithmetic, vectorised)."""
    from ktokovo.analysis.uncertainty import draw_inputs

    model = MODELS[name]
    assert isinstance(model, IssueModel) and model.solve_batch is not None
    parameters = model.defaults()
    draws = draw_inputs(flagship, np.arange(20), seed=7)
    rounds = model.default_rounds
    for j in range(len(flagship.issues)):
        present = ~np.isnan(flagship.positions[:, j])
        position = draws.positions[:, present, j]
        capability = draws.capabilities[:, present]
        salience = draws.saliences[:, present, j]
        status_quo = draws.status_quo[:, j]
        batch = model.solve_batch(
            position,
            capability,
            salience,
            None if np.isnan(status_quo).all() else status_quo,
            rounds=rounds,
            parameters=parameters,
        )
        single = [
            model.solve(
                position[k],
                capability[k],
                salience[k],
                None if np.isnan(status_quo[k]) else float(status_quo[k]),
                rounds=rounds,
                rng=np.random.default_rng(0),
                parameters=parameters,
            ).forecast
            for k in range(len(position))
        ]
        assert_allclose(batch, single, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_a_run_survives_the_store(name: str, flagship: ktokovo.Scenario, tmp_path: Path) -> None:
    scenario = flagship if MODELS[name].applies(flagship) is None else ktokovo.load("ec-emissions-1994")
    if MODELS[name].applies(scenario) is not None:
        pytest.fail(f"{name} applies to neither built-in scenario")
    result = ktokovo.run(scenario, name, seed=3)
    with Store(tmp_path / "runs.sqlite") as store:
        run_id = store.record("contract", scenario, [result])
        stored = store.get(run_id)
    assert stored.info["seed"] == 3 and stored.info["parameters"][name]["rounds"] == result.rounds
    assert {k: v for k, v in stored.info["parameters"][name].items() if k not in ("preset", "rounds")} == dict(
        result.parameters
    )
    rows = stored.forecasts.reset_index()
    kept = dict(zip(rows[rows["model"] == name]["issue"], rows[rows["model"] == name]["forecast"], strict=True))
    assert [kept[issue] for issue in scenario.issue_names] == list(result.forecast)  # exactly: a float64 column


@pytest.mark.parametrize("name", NAMES)
def test_the_recorded_seed_is_true(name: str, flagship: ktokovo.Scenario, tmp_path: Path) -> None:
    """A run driven by a caller's generator records no seed (it cannot be replayed from the record); one
    given a seed, as a number or through ``rng``, records that seed, and the store keeps what the run says."""
    scenario = flagship if MODELS[name].applies(flagship) is None else ktokovo.load("ec-emissions-1994")
    driven = ktokovo.run(scenario, name, rng=np.random.default_rng(123))
    assert driven.seed is None and not driven.replayable and driven.to_dict()["replayable"] is False
    assert ktokovo.run(scenario, name, rng=123).seed == 123
    assert ktokovo.run(scenario, name, seed=5).seed == 5
    with Store(tmp_path / "runs.sqlite") as store:
        assert store.get(store.record("contract", scenario, [driven])).info["seed"] is None
