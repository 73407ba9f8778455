"""A bounded schemathesis run over the native API, in-process, with a model account's token.

Every operation of /api/schema/ gets generated requests, valid and invalid; every answer must be
no 5xx, a status the schema documents for that operation, the documented content type, and a body
that matches the documented schema. FUZZ_EXAMPLES sets the examples per operation and kind of run
(``make fuzz`` raises it to 100); the default keeps this in the normal suite at about 20 s.

The requests go through Django's test handler inside the test's transaction, so the judge (which
runs on commit) never runs: submissions are stored and stay queued, which exercises creation,
the queue cap (429) and the reads without judging hundreds of generated programs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from arena.models import Participant, Problem
from arena.services.campaigns import campaign_create
from arena.services.participants import token_create
from arena.services.submissions import submission_create

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# The suite's short run draws the same examples every time (a red CI must be reproducible);
# `make fuzz` draws new ones on each run.
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def django_wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app around Django's test handler: unlike a bare WSGIHandler, it leaves the test's
    database connection (and its open transaction) alone at the end of each request."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = list(response.items()) + [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]


@pytest.fixture
def api_schema(two_sum: Problem, model_account: Participant) -> Any:
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", django_wsgi_app)


@pytest.fixture
def existing(two_sum: Problem, model_account: Participant) -> dict[str, Any]:
    """Path parameters that name real objects of the fuzzing account, so the 2xx paths run too."""
    submission = submission_create(participant=model_account, problem=two_sum, language="PY3", source="pass")
    campaign = campaign_create(participant=model_account, name="fuzz", k=3)
    spare_token, _ = token_create(participant=model_account, name="spare")
    return {
        "code": two_sum.code,
        "submission_id": submission.pk,
        "campaign_id": campaign.pk,
        "token_id": spare_token.pk,
    }


def _aimed_at_two_sum(case: Any) -> Any:
    """Generated submissions name a problem and a language that exist; the rest stays generated."""
    items = case.body if isinstance(case.body, list) else [case.body]
    for item in items:
        if isinstance(item, dict) and "problem" in item:
            item.update(problem="two-sum", language="PY3")
    return case


def test_the_api_answers_as_documented(api_schema: Any, model_account: Participant, existing: dict[str, Any]) -> None:
    # schemathesis's own pytest plugin does not run under pytest 9; hypothesis drives it instead.
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        # A token of its own: DELETE /api/tokens/{id} may well revoke the one before.
        headers = {"Authorization": f"Bearer {token_create(participant=model_account, name='fuzz')[1]}"}
        known = {name: value for name, value in existing.items() if f"{{{name}}}" in operation.path}
        runs = {
            "positive": operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            "negative": operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            "existing objects": operation.as_strategy(path_parameters=known).map(_aimed_at_two_sum),
        }
        for run, strategy in runs.items():

            @given(case=strategy)
            @settings(
                max_examples=FUZZ_EXAMPLES,
                derandomize=DERANDOMIZE,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                fuzz()
            except Unsatisfiable:  # nothing invalid to make: e.g. a free-form string in the path
                continue
            except (Exception, BaseExceptionGroup) as exc:  # every operation gets its runs; all are reported
                failures.append(f"{operation.label} ({run}): {exc}")
    assert not failures, "\n\n".join(failures)
