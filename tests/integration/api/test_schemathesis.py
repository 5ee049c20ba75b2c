"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis), as every role: no 5xx, and
every answer matches the status codes and schemas the document declares. Bounded so it stays quick: the
clerk (who reaches the most routes with data behind them) gets the most examples per operation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy.engine import Engine

from ktp_service.main import create_app
from ktp_service.settings import Settings
from tests.conftest import World, _truncate_all, auth_headers, build_world
from tests.factories import resident_payload

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


# username -> examples per operation
ROLES = {"kpt.clerk": 25, "kpt.supervisor": 6, "admin": 6, "finance": 6, "partner.auditor": 6}


@pytest.fixture(params=list(ROLES))
def fuzz_target(
    request: pytest.FixtureRequest, world: World, tmp_path: Path, engine: Engine
) -> Iterator[tuple[object, dict[str, str], int]]:
    app = create_app(
        Settings(data_dir=tmp_path / "data", database_url=engine.url.render_as_string(hide_password=False)),
        engine,
    )
    with TestClient(app) as c:
        # each role reaches its own routes; the others answer 403, which the document declares
        yield app, auth_headers(c, request.param), ROLES[request.param]


def test_api_conforms_to_its_schema(fuzz_target: tuple[object, dict[str, str], int]) -> None:
    app, headers, examples = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/auth/token":
            continue  # random logins would only lock accounts; login is covered by test_auth
        if operation.path == "/api/v1/auth/logout-all":
            continue  # it would end the fuzzing token, leaving 401s for the rest; covered by test_accounts

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: schemathesis.Case) -> None:
            # Schema-valid bodies may still break rules no schema can state (a NIK must agree with the birth
            # date and sex), so a 422 for them is right: check status codes, content types and schemas.
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


# --- stateful: follow the document's links from one answer to the next call ------------------------------

# role -> the sequences it can walk (the others answer 403 at the first step, which proves little)
STATEFUL_ROLES = ["kpt.clerk", "admin", "finance"]


def _valid_resident(ctx: object, body: object) -> object:
    """Random bodies almost never pass the registry's rules (the NIK must agree with birth date, sex and
    region; names and occupations come from lists), so no resident would exist to follow a link from: the
    resident registration gets a valid body with a fresh NIK each time. The stateless fuzzing above keeps
    sending it random ones."""
    operation = getattr(ctx, "operation", None)
    if operation is None or operation.path != "/api/v1/residents" or operation.method.lower() != "post":
        return body
    return resident_payload()


@pytest.fixture(params=STATEFUL_ROLES)
def stateful_target(
    request: pytest.FixtureRequest, pg_engine: Engine, password_hash: str, tmp_path: Path
) -> Iterator[tuple[object, Callable[[], dict[str, str]], str]]:
    """The app on PostgreSQL, and a ``reset`` that empties the database, rebuilds the demo regency and logs
    the role in again: every scenario starts from the same state (Hypothesis replays a scenario's start
    when it generates the next one, and a database that kept the last scenario's rows would answer it
    differently)."""
    role = request.param
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=pg_engine.url.render_as_string(hide_password=False),
        run_worker=False,
    )
    app = create_app(settings, pg_engine)
    with TestClient(app) as client:

        def reset() -> dict[str, str]:
            _truncate_all(pg_engine)
            build_world(pg_engine, password_hash)
            return auth_headers(client, role)

        yield app, reset, role
    _truncate_all(pg_engine)


def test_linked_calls_conform(stateful_target: tuple[object, Callable[[], dict[str, str]], str]) -> None:
    """Sequences along the links (register -> read, correct, upload a photo, preview; add a printer -> set its
    status; add a user -> disable, enable...): no 5xx and every answer as documented, whatever came before."""
    app, reset, role = stateful_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    document = schema.raw_schema
    resident_links = document["paths"]["/api/v1/residents"]["post"]["responses"]["201"]["links"]
    assert {"ReadResident", "UploadPhoto", "PreviewCard"} <= set(resident_links)  # the links are published
    schema.hook("map_body")(_valid_resident)
    base = schema.as_state_machine()
    followed: list[str] = []

    class Machine(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.headers = reset()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": self.headers}

        def after_call(self, response: object, case: schemathesis.Case) -> None:
            followed.append(f"{case.method} {case.path}")

        def validate_response(self, response: object, case: schemathesis.Case, **kwargs: object) -> None:
            case.validate_response(response, checks=CHECKS)

    Machine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,  # with the reset above, the same scenarios every run: a failure reproduces
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
    walked = set(followed)
    assert len(walked) > 3, walked  # it walked more than the entry points
    # and it got past the first step of the sequences the role owns
    owned = {"kpt.clerk": "{nik}", "admin": "{user_id}", "finance": "/billing/"}[role]
    assert any(owned in call for call in walked), walked
