"""The injection chain of issue #21, closed: someone who can edit the Codat profile sets its name to a Terraform
expression that reads the process environment; `codat-iac adopt` copies it into the environments file and
`codat-iac deploy` writes the profile. Codat must end up holding the literal text, and neither the environment
nor the API key may reach Codat, state, a plan or any output. Also: what adopt does with a value the file
refuses (a carriage return in the profile's name)."""

from __future__ import annotations

import base64
import secrets
import tomllib
import zipfile
from pathlib import Path

import httpx
from hypothesis import given, strategies as st

from codat_iac import adopt, adopt_file
from codat_settings.secrets import forms
from pipeline_support import make_checkout
from test_adopt import KEY, codat  # noqa: F401 (the counted emulator fixture)

HOSTILE_NAME = '${base64encode(file("/proc/self/environ"))}'


def _profile(codat) -> dict:  # noqa: F811
    basic = "Basic " + base64.b64encode(KEY.encode()).decode()
    answer = httpx.get(f"{codat.url}/profile", headers={"Authorization": basic}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _texts(*folders: Path) -> list[tuple[str, str]]:
    """(where, text) of every file under `folders` (saved plans are zips: each member), providers left out."""
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or ".terraform/providers" in str(path):
                continue
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    found += [(f"{path}:{m}", archive.read(m).decode("utf-8", "replace")) for m in archive.namelist()]
            else:
                found.append((str(path), path.read_bytes().decode("utf-8", "replace")))
    return found


def _leaks(value: str, texts: list[tuple[str, str]]) -> list[str]:
    """Where `value` appears in any form a secret takes in text (raw, base64 at any offset, hex, ...)."""
    shapes = forms(value)
    return [where for where, text in texts if any(shape in text for shape in shapes)]


def test_a_hostile_profile_name_stays_text_from_the_portal_through_adopt_and_deploy(codat, project, tmp_path):  # noqa: F811
    codat.portal("profile", "set", "--name", HOSTILE_NAME)
    codat.portal("enable", "mqjo")  # something to adopt besides the profile
    pipeline = make_checkout(tmp_path / "checkout", codat, project.env)
    out = tmp_path / "environments.toml"
    adopted = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out))
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert tomllib.loads(out.read_text())["environments"]["prod"]["profile"]["name"] == HOSTILE_NAME

    # Someone changes the redirect URL in the Portal: deploy writes the whole profile back (PUT /profile).
    codat.portal("profile", "set", "--redirect-url", "https://elsewhere.example/codat")
    canary = "literal-canary-" + secrets.token_hex(12)
    codat.mark()
    deployed = pipeline.run("deploy", "--app-dir", str(pipeline.dir), "prod", CODAT_IAC_ENVIRONMENTS=str(out),
                            TF_VAR_codat_api_key_prod=KEY, LITERAL_TEST_CANARY=canary)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "PUT /profile" in codat.writes_since_mark()

    profile = _profile(codat)
    assert profile["name"] == HOSTILE_NAME
    assert profile["redirectUrl"] == tomllib.loads(out.read_text())["environments"]["prod"]["profile"]["redirect_url"]
    held = [("Codat's profile", repr(profile)), *[(f"output {i}", text) for i, text in enumerate(pipeline.outputs)]]
    everything = held + _texts(pipeline.dir, codat.data_dir)
    assert _leaks(canary, everything) == []  # Terraform's environment was never read into a value
    assert _leaks(KEY, held + _texts(pipeline.dir)) == []


def test_adopt_refuses_a_profile_name_the_file_would_refuse_and_writes_nothing(codat, project, tmp_path):  # noqa: F811
    codat.portal("profile", "set", "--name", "Acme\rLending")
    codat.portal("enable", "mqjo")
    pipeline = make_checkout(tmp_path / "checkout", codat, project.env)
    out = tmp_path / "environments.toml"
    done = pipeline.run("adopt", "--app-dir", str(pipeline.dir), "--name", "prod", "--out", str(out))
    assert done.returncode == 1 and not out.exists()
    assert "environments.prod.profile.name contains a carriage return (U+000D) at character 5" in done.stderr
    assert "Change them in the Codat Portal" in done.stderr and "Traceback" not in done.stderr


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_the_file_holds_any_text_codat_returns_exactly(text):
    """Quotes, backslashes, control characters, `${`, any Unicode: read back as the same characters."""
    assert tomllib.loads(f"{adopt_file._key(text or 'x')} = {adopt_file._string(text)}\n") == {text or "x": text}


def test_comments_show_codat_text_with_its_line_breaks_escaped():
    found = adopt.Adopted("prod", "https://api.codat.io")
    found.integrations = [adopt.Integration("qhyg", "Quick\nBooks\r\n[environments.evil]\x00", "quickbooks", True,
                                            False, True)]
    text = adopt_file.render(found, "codat-iac")
    assert tomllib.loads(text) == adopt_file.document(found)  # the name did not end the comment
    assert "# Quick\\u000ABooks\\u000D\\u000A[environments.evil]\\u0000 (qhyg)" in text
