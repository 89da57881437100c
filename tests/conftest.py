from __future__ import annotations

from pathlib import Path

import pytest

import ktokovo

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def emission() -> ktokovo.Scenario:
    """BDM (1994) emission-standards case, from tests/data/emission_standards_bdm1994.csv."""
    return ktokovo.load(DATA / "emission_standards_bdm1994.csv")


@pytest.fixture(scope="session")
def flagship() -> ktokovo.Scenario:
    return ktokovo.load("ukraine-2025")
