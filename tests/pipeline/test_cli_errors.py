"""Errors once, in the user's words: each problem printed once, naming what the user set (the environment
variable) beside the construct prop, never a Python traceback unless asked for (--debug, CODAT_IAC_DEBUG=1),
and nothing written to Codat before the problem is found."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from pipeline_support import SECRET

pytestmark = pytest.mark.e2e

# The README's example, as a user writes it: no try/except around the constructs.
README_APP = textwrap.dedent(
    """
    from cdktf import App, TerraformStack
    from codat_constructs import CodatProvider, CodatXeroIntegration, Secret, XeroApp

    class CodatStack(TerraformStack):
        def __init__(self, scope, id):
            super().__init__(scope, id)
            CodatProvider(self, "codat")
            app = XeroApp(self, "xero_app", app_name="Acme books sync", company_url="https://acme.example",
                          client_id="0123456789ABCDEF0123456789ABCDE")
            CodatXeroIntegration(self, "xero", app=app, client_secret=Secret.from_env(self, "xero_client_secret"))

    app = App()
    CodatStack(app, "codat")
    app.synth()
    """
)


def _log(done) -> str:
    return done.stdout + done.stderr


def _integration_untouched(pipeline) -> None:
    shown = json.loads(pipeline.emulator.portal("show", "gbol"))
    assert shown["integration"]["enabled"] is False and not shown.get("credentials"), shown


def test_a_bad_client_id_names_the_variable_once_without_a_traceback(pipeline):
    done = pipeline.run("deploy", "--app-dir", str(pipeline.dir), XERO_CLIENT_ID="0123456789abcdef")
    assert done.returncode == 1
    log = _log(done)
    assert log.count("XERO_CLIENT_ID (the client_id prop) must be 32 hexadecimal characters (got 16") == 1, log
    assert "Traceback" not in log and "synth: failed" in done.stderr
    _integration_untouched(pipeline)

    debug = pipeline.run("--debug", "deploy", "--app-dir", str(pipeline.dir), XERO_CLIENT_ID="0123456789abcdef")
    assert debug.returncode == 1 and "Traceback" in _log(debug)


def test_the_readme_example_with_a_mistake_prints_the_problem_once(pipeline):
    (pipeline.dir / "readme_app.py").write_text(README_APP)
    (pipeline.dir / "cdktf.json").write_text(
        json.dumps({"language": "python", "app": f"{sys.executable} readme_app.py"}))
    done = pipeline.drift()
    assert done.returncode == 1
    log = _log(done)
    assert log.count("client_id must be 32 hexadecimal characters (got 31 characters)") == 1, log
    assert "XeroApp 'codat/xero_app' is not valid" in log and "Traceback" not in log


def test_a_client_secret_with_spaces_is_refused_by_terraform_before_any_write(pipeline):
    done = pipeline.run("deploy", "--app-dir", str(pipeline.dir), TF_VAR_xero_client_secret="two words")
    assert done.returncode == 1
    log = _log(done)
    message = "TF_VAR_xero_client_secret (client_secret of codat/xero) contains whitespace"
    assert log.count(message) == 1, log
    assert "two words" not in log and "Traceback" not in log
    _integration_untouched(pipeline)


def test_a_missing_secret_is_named_before_terraform_runs(pipeline):
    (pipeline.dir / "environments.toml").write_text(f'[environments.sandbox]\nbase_url = "{pipeline.emulator.url}"\n')
    done = pipeline.run("diff", "--app-dir", str(pipeline.dir), CODAT_IAC_ENVIRONMENTS="environments.toml")
    assert done.returncode == 1
    assert "stack 'sandbox' needs TF_VAR_codat_api_key_sandbox (Codat API key of environment sandbox)" in done.stderr
    assert "plan sandbox" not in done.stderr  # refused before planning


def test_an_unexpected_failure_is_one_line_and_the_traceback_is_on_request(pipeline):
    (pipeline.dir / "cdktf.json").write_text("{ not json")
    done = pipeline.drift()
    assert done.returncode == 1
    assert "Traceback" not in _log(done) and "JSONDecodeError" in done.stderr
    assert "--debug or CODAT_IAC_DEBUG=1" in done.stderr
    debug = pipeline.drift(CODAT_IAC_DEBUG="1")
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert SECRET not in "".join(pipeline.outputs)
