"""Fixtures for the pipeline commands: `codat-iac drift|plan|apply|deploy` run as a CI job would, against
an isolated copy of the app (tests/conftest.py `project`) and a real emulator, and a real PostgreSQL.

PostgreSQL: the tests start their own server (codat_iac/postgres.py). Where its programs are missing the
PostgreSQL tests are skipped, unless CODAT_IAC_REQUIRE_POSTGRES=1 (set by .ci/run), which fails them.
"""

from __future__ import annotations

import os
import secrets

import pytest

from pipeline_support import Pipeline, make_checkout


@pytest.fixture
def pipeline(project, emulator) -> Pipeline:
    """The `project` copy of the app, pointed at the test's emulator, with local state."""
    checkout = make_checkout(project.dir.parent / "checkout", emulator, project.env)
    return checkout


# ------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_server():
    from codat_iac import postgres

    try:
        server = postgres.start()
    except postgres.PostgresUnavailable as missing:
        if os.environ.get("CODAT_IAC_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    yield server
    server.stop()


@pytest.fixture
def state_url(postgres_server) -> str:
    """A fresh database on the test server: the value of CODAT_IAC_STATE (it holds a password)."""
    return postgres_server.create_database("state_" + secrets.token_hex(4))
