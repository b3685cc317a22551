"""Every operation in the OpenAPI document, fuzzed: no 5xx, responses match their schema.

Generic on purpose: a route added later is fuzzed without anyone remembering to.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import create_org

MAX_EXAMPLES = int(os.environ.get("THREATVEC_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def fuzz_org(session_factory):
    return create_org(session_factory)


def _openapi_document() -> dict:
    # Building the app does not touch a database, so the document is known at import.
    import tempfile

    from threatvec.core.settings import Settings
    from threatvec.server.app import create_app

    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        database_url="sqlite://",
        secret_key="fuzz-" + "k" * 40,
        scheduler_enabled=False,
    )
    return create_app(settings).openapi()


# Streaming endpoints never end; they are exercised by their own tests.
schema = schemathesis.openapi.from_dict(_openapi_document()).exclude(path_regex=r".*/stream$")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_schema_conformance(case, fuzz_org, live_server) -> None:
    case.call_and_validate(
        base_url=live_server.url,
        headers=fuzz_org.headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
