"""The layer's one scrubber (tfplugin.set_scrubber): every diagnostic, and anything written to stderr, passes
through it once a provider registers one, so a value the provider cannot vouch for (an echoed secret inside an
exception's text) never reaches Terraform as it was."""
from __future__ import annotations

import io
import sys
import threading
import traceback

import pytest

from tfplugin import set_scrubber, values as V
from tfplugin._scrub import WITHHELD, ScrubbedStream, scrubbed

SECRET = "simulated failure"  # what the test provider's exception says, standing in for an echoed secret


@pytest.fixture
def scrubber():
    set_scrubber(lambda text: text.replace(SECRET, "***"))
    yield
    set_scrubber(None)


def test_without_a_scrubber_text_is_unchanged():
    assert scrubbed(f"a {SECRET}") == f"a {SECRET}"


def test_text_a_scrubber_fails_on_is_withheld_never_sent_as_it_was():
    def broken(text: str) -> str:
        raise ValueError(text)

    set_scrubber(broken)
    try:
        assert scrubbed(f"a {SECRET}") == WITHHELD
    finally:
        set_scrubber(None)


def test_an_exception_text_in_a_diagnostic_is_scrubbed(inproc, scrubber):
    from test_tfplugin_rpc import THING, apply, configure, plan, thing

    configure(inproc)
    config = thing(fail_on="create")
    answer = apply(inproc, None, plan(inproc, None, config).planned_state, config)
    (diagnostic,) = answer.diagnostics
    assert diagnostic.summary == "tpt_thing: create failed: *** in create"
    assert SECRET not in diagnostic.detail
    assert V.decode_msgpack(answer.new_state.msgpack, THING) is None


def test_a_traceback_printed_to_stderr_by_another_thread_is_scrubbed(scrubber):
    beneath = io.StringIO()
    previous, sys.stderr = sys.stderr, ScrubbedStream(beneath)
    try:
        worker = threading.Thread(target=lambda: traceback.print_exception(RuntimeError(f"{SECRET} in a thread")))
        worker.start()
        worker.join()
    finally:
        sys.stderr = previous
    assert "RuntimeError: *** in a thread" in beneath.getvalue()
    assert SECRET not in beneath.getvalue()
