"""`portal profile show|set`: the Portal's Organization page. Text is taken exactly as given, the fields not given
are kept, and the API's rules apply (a refused change is one `error:` line)."""

from __future__ import annotations

import json

NAME = '${base64encode(file("/proc/self/environ"))} \\ "quoted" ✓'


def test_portal_profile_set_keeps_the_other_fields_and_the_api_sees_it(emu):
    before = emu.get("/profile").json()
    done = emu.cli("portal", "profile", "set", "--name", NAME, "--white-list-url", "https://a.example",
                   "--white-list-url", "https://b.example")
    assert done.returncode == 0, done.stderr
    after = emu.get("/profile").json()
    assert after == {**before, "name": NAME, "whiteListUrls": ["https://a.example", "https://b.example"]}
    assert json.loads(emu.cli("portal", "profile", "show").stdout) == after


def test_portal_profile_set_refuses_what_the_api_refuses(emu):
    empty = emu.cli("portal", "profile", "set", "--name", " ")
    nothing = emu.cli("portal", "profile", "set")
    assert empty.returncode == 1 and empty.stderr.strip().splitlines() == [
        "python -m codat_emulator: error: The Name field is required."]
    assert nothing.returncode == 1 and "nothing to change" in nothing.stderr
    assert emu.get("/profile").json()["name"].strip()
