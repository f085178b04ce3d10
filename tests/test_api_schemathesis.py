"""Property-based run over the OpenAPI schema: no input makes the API answer 5xx, every
status code it answers is documented and every response matches its declared schema
(timestamps included: declared date-time, returned with their zone).

Bounded: a few examples per operation (about 25 operations), well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import response_schema_conformance, status_code_conformance
from test_api_support import Clients

_clients = Clients()
schema = schemathesis.openapi.from_asgi("/openapi.json", _clients.app)


def _token_for(path: str) -> str:
    role = "supervisor" if path.startswith(("/cases", "/reports", "/scans")) else "admin"
    return _clients.tokens[role]


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    headers = {"Authorization": f"Bearer {_token_for(case.path)}"}
    response = case.call(headers=headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])
