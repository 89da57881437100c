"""Schemathesis against the service's own OpenAPI document: generated requests to every operation get no 5xx
answer, and every answer matches the schema the document gives for it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from ktokovo.web import create_app

# A short time limit: generated requests may ask for many draws; those must end in a clear 422, not a 5xx.
app = create_app(db=str(Path(tempfile.mkdtemp(prefix="ktokovo-schema-")) / "runs.sqlite"), time_limit=1.0)


def _from_this_machine(inner: Any) -> Any:
    """The app as a client on this machine reaches it: Host 127.0.0.1 (schemathesis sends its own test host,
    which the service refuses when it runs without a token, against DNS rebinding)."""

    async def app_here(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {
                **scope,
                "headers": [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", b"127.0.0.1")],
            }
        await inner(scope, receive, send)

    return app_here


schema = schemathesis.openapi.from_asgi("/openapi.json", _from_this_machine(app))


@pytest.fixture(scope="module", autouse=True)
def _closed_at_the_end() -> Iterator[None]:
    """The app's lifespan around the module: its worker pool and store are closed when the module ends."""
    with TestClient(app):
        yield


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_no_schema_violation(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
