"""API fuzzing with Schemathesis against real uvicorn: every /v1 operation of the OpenAPI schema.

Schemathesis generates requests from the app's own schema, valid ("positive") and deliberately
invalid ("negative"), with a valid admin key and with no key.  Every response must be documented:
no 5xx, a documented status code and content type, a body matching the documented schema, and
invalid input rejected with a 4xx.  Generation is bounded (a fixed number of examples per
operation, derandomized, no shrinking phase) so the whole fuzz stays well under a few minutes.

The index lives in this module's own data dir, since the fuzzer may call ``/v1/ingest``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from helpers import SAMPLE_CORPUS, LiveServer, components_for, make_settings, serve
from hypothesis import HealthCheck, Phase
from reliability_support import ADMIN_KEY, USER_KEY, index_facts, report_figure
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from qa.api import create_app
from qa.components import Components

pytestmark = pytest.mark.reliability

EXAMPLES_WITH_KEY = 40
EXAMPLES_WITHOUT_KEY = 15
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_target(
    sample: Components, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Components, schemathesis.BaseSchema]]:
    """The API with keys configured, over its own copy of the sample index, and its schema."""
    settings = make_settings(
        tmp_path_factory.mktemp("fuzz") / "data",
        SAMPLE_CORPUS,
        api_keys=[USER_KEY],
        admin_keys=[ADMIN_KEY],
        rate_limit_per_minute=0,
    )
    parts = components_for(settings, sample)
    assert parts.pipeline().run([SAMPLE_CORPUS]).ok
    app = create_app(settings, components=parts)
    schema = schemathesis.openapi.from_dict(app.openapi()).include(path_regex=r"^/v1/")
    with serve(app) as live:
        yield live, parts, schema


def operations(schema: schemathesis.BaseSchema) -> list[Any]:
    """Every operation of the schema (a broken definition fails the test)."""
    found = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert found, "the schema has no /v1 operations"
    return found


def fuzz_operation(
    operation: Any,
    url: str,
    headers: dict[str, str],
    mode: GenerationMode,
    max_examples: int,
    failures: list[str],
    expect_status: int | None = None,
) -> int:
    """Run up to ``max_examples`` generated cases; record failures; return the cases sent."""
    checks = CONFORMANCE + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    sent = 0
    session = requests.Session()

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        nonlocal sent
        sent += 1
        try:
            response = case.call_and_validate(
                base_url=url, session=session, headers=headers, checks=checks, timeout=30
            )
        except FailureGroup as exc:
            failures.append(f"{operation.label} [{mode.value}]: {exc}"[:3000])
            return
        if expect_status is not None and response.status_code != expect_status:
            failures.append(
                f"{operation.label}: expected {expect_status}, got {response.status_code}: "
                f"{response.text[:300]}"
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing in this operation can be made invalid (no parameters, no body).
        assert mode == GenerationMode.NEGATIVE and sent == 0, operation.label
    finally:
        session.close()
    return sent


def test_fuzzed_requests_with_a_valid_key_get_documented_responses(
    fuzz_target: tuple[LiveServer, Components, schemathesis.BaseSchema],
    record_property: Any,
) -> None:
    live, parts, schema = fuzz_target
    failures: list[str] = []
    sent = 0
    ops = operations(schema)
    for operation in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += fuzz_operation(
                operation,
                live.url,
                {"Authorization": f"Bearer {ADMIN_KEY}"},
                mode,
                EXAMPLES_WITH_KEY,
                failures,
            )
    report_figure(record_property, operations=len(ops), cases_fuzzed=sent, failures=len(failures))
    assert not failures, "\n\n".join(failures[:10])
    # The service still answers the known question after the storm.
    index_facts(parts)


@pytest.mark.parametrize("key", [None, "wrong-key", USER_KEY], ids=["no-key", "wrong", "user"])
def test_fuzzed_requests_without_a_valid_key_are_refused_as_documented(
    fuzz_target: tuple[LiveServer, Components, schemathesis.BaseSchema],
    record_property: Any,
    key: str | None,
) -> None:
    live, _, schema = fuzz_target
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    failures: list[str] = []
    sent = 0
    ops = operations(schema)
    if key == USER_KEY:
        # A user key is valid everywhere except the admin routes: fuzz only those here.
        ops = [op for op in ops if op.path == "/v1/ingest"]
    expected = 403 if key == USER_KEY else 401
    for operation in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Without a valid key even a body that does not parse is answered 401, not 422.
            sent += fuzz_operation(
                operation,
                live.url,
                headers,
                mode,
                EXAMPLES_WITHOUT_KEY,
                failures,
                expect_status=expected,
            )
    report_figure(record_property, operations=len(ops), cases_fuzzed=sent, failures=len(failures))
    assert not failures, "\n\n".join(failures[:10])
