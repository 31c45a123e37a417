"""Schemathesis over the whole OpenAPI document: no operation answers any generated request, valid or
not, with a server error (5xx), neither to an anonymous caller nor to a steward's API token.

The run is bounded (a fixed number of examples per operation and generation mode) and derandomized,
so it gives the same requests on every run and fits in well under a minute per database. Requests go
through Litestar's own test client, so the app starts and stops once per test, as in the other tests.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

EXAMPLES = 20  # per operation and generation mode; ~50 operations × 2 modes

# A steward's run must not end its own session half-way: leaving the co-op, or revoking the token
# the run uses, would turn every later request into a 401/403 and test nothing.
ENDS_THE_CALLER = {"POST /api/me/leave", "DELETE /api/me/tokens/{token_id}"}


def _send(client: Any, case: Any, headers: dict[str, str]) -> Any:
    """The case's request, sent with the httpx-based Litestar test client."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), (bytes, str)):
        body["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        body["data"] = kwargs["data"]
    if kwargs.get("files"):
        body["files"] = kwargs["files"]
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        cookies=kwargs.get("cookies") or None,
        **body,
    )


def _any_string(schema: dict[str, Any]) -> bool:
    """Whether every string is valid here (so no invalid value exists to generate)."""
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        return all(_any_string(s) or s.get("type") == "null" for s in alternatives)
    return schema.get("type") == "string" and not set(schema) & {
        "enum",
        "const",
        "format",
        "pattern",
        "minLength",
        "maxLength",
    }


def _can_be_invalid(document: dict[str, Any], path: str, method: str) -> bool:
    """Whether negative generation has anything to break: a body, or a parameter that is not a free
    string. (Without this, Hypothesis spends hundreds of draws per operation proving it cannot.)"""
    spec = document["paths"][path][method.lower()]
    return "requestBody" in spec or any(
        not _any_string(p.get("schema", {})) or (p["in"] != "path" and p.get("required"))
        for p in spec.get("parameters", [])
    )


def _failures(client: Any, headers: dict[str, str], skip: set[str]) -> list[str]:
    document = client.get("/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue
        modes = [GenerationMode.POSITIVE]
        if _can_be_invalid(document, operation.path, operation.method):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                response = _send(client, case, headers)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                pass  # nothing of this operation can be made invalid (no parameters, or only free-form strings)
            except Exception as error:  # noqa: BLE001 - collect every operation's failure, report them all
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:600]}")
    return failures


@pytest.fixture
def seeded(runtime, steward):
    runtime.policies.seed_defaults()
    return steward


def test_no_operation_answers_an_anonymous_caller_with_a_server_error(client, seeded):
    failures = _failures(client, {}, set())
    assert not failures, "\n\n".join(failures)


def test_no_operation_answers_a_steward_token_with_a_server_error(client, runtime, seeded):
    token = runtime.auth.create_token(seeded, "fuzz", ["read", "write"])
    failures = _failures(client, {"Authorization": f"Bearer {token}"}, ENDS_THE_CALLER)
    assert not failures, "\n\n".join(failures)
