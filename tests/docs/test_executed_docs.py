"""Every shell block of README.md and docs/ is run, or marked in the source as only shown; a transcript's output
must be what the tools print today (see matching.py for what is normalised).

Why a runner of our own (tests/docs/): the libraries tried on this README (pytest-codeblocks 0.18, prysk 0.20,
byexample 11, mktestdocs 0.2.5, markdown-pytest 0.6.6, phmdoctest 1.4, sybil 10.1) either run no `$ ` transcript
in a fenced block (pytest-codeblocks runs whole `sh` blocks against a separate output block; prysk and cram read
only indented `  $ ` lines, so a Markdown fence passes without running; mktestdocs, markdown-pytest and phmdoctest
run Python), or run it in a pseudo-terminal (byexample: the tools then draw live progress and colour instead of
the log output the documents show) with no way to normalise what was printed. sybil parses fences and leaves
the running and the comparing to an evaluator of one's own: that evaluator is all of this runner, and sybil would
make each block a separate test where a walkthrough's steps depend on the ones before.

Each document runs in its own copy of this checkout (tests/checkout_copy.py) with an empty HOME and one bash
session (shell_session.py), blocks in order: a `make deploy` there starts that copy's own local emulator, the
walkthrough's Portal changes go to the emulators it starts, and nothing is written into this checkout. A document
with nothing to run costs nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from tests.checkout_copy import REPO, copy_checkout
from tests.docs.markdown_blocks import Block, shell_blocks, transcript
from tests.docs.matching import difference, matches, normalise
from tests.docs.shell_session import ShellSession

pytestmark = pytest.mark.e2e

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
# The reader's environment: what they exported is theirs, not the test run's.
DROPPED = ("CODAT_", "TF_", "XERO_", "XDG_", "PIP_", "npm_", "JSII_", "CDKTF_", "PG_", "PYTEST", "PYTHON", "MAKE",
           "MFLAGS", "CI", "GITHUB_", "NO_COLOR", "FORCE_COLOR")
JSII_CACHE = os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(REPO / ".codat-iac" / "cache" / "jsii"))
SHOWN_ROOT = "~/codat-iac"  # how a document may write the folder it runs in
# A folder to write each document's transcript to, as printed (normalised): what an author pastes from.
TRANSCRIPTS_ENV = "CODAT_DOCS_TRANSCRIPTS"


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_every_shell_block_is_run_or_marked_as_only_shown():
    unmarked = [f"{block.where} ({block.language})" for path in DOCUMENTS for block in shell_blocks(path)
                if block.illustrative is None and block.language != "console"]
    assert not unmarked, (
        "these shell blocks are neither a `console` transcript (run by this test) nor marked "
        "`<!-- illustrative: why -->` before the fence: " + ", ".join(unmarked))


RUN = [path for path in DOCUMENTS if any(block.runs for block in shell_blocks(path))]


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("document", RUN, ids=_relative)
def test_document_transcripts_print_what_they_show(document: Path):
    with tempfile.TemporaryDirectory(prefix="codat-docs-") as work:
        root, home, scratch = Path(work) / "codat-iac", Path(work) / "home", Path(work) / "tmp"
        copy_checkout(root)
        home.mkdir()
        scratch.mkdir()
        env = {name: value for name, value in os.environ.items() if not name.startswith(DROPPED)}
        env.update(HOME=str(home), TMPDIR=str(scratch), PYTHONUNBUFFERED="1", TERM="dumb",
                   JSII_RUNTIME_PACKAGE_CACHE_ROOT=JSII_CACHE)  # a cache the test runs share (tests/conftest.py)
        session = ShellSession(root, env)
        try:
            problems, seconds = _run_blocks(document, session, {str(root): SHOWN_ROOT, str(home): "~",
                                                                str(scratch): "/tmp"})
        finally:
            _stop_local_emulators(session, root, Path(work))
            session.close()
        assert list(home.iterdir()) == [], "a command wrote to HOME"
    print(f"{_relative(document)}: {seconds:.0f} s")
    assert not problems, f"{len(problems)} block(s) of {_relative(document)} differ from what the tools print:\n\n" \
        + "\n\n".join(problems)


def _stop_local_emulators(session: ShellSession, root: Path, work: Path) -> None:
    """The local emulators the document's commands started (`make deploy`, `codat-iac deploy` in a project of
    its own) run in sessions of their own: stop each through its project."""
    for home in work.rglob(".codat-iac/emulator"):
        project = home.parent.parent
        stopped = session.run(f"cd {root} && .venv/bin/python -m codat_iac emulator stop --app-dir {project}",
                              timeout=60)
        assert stopped.exit_code == 0, f"could not stop the local emulator of {project}: {stopped.output}"


def _run_blocks(document: Path, session: ShellSession, paths: dict[str, str]) -> tuple[list[str], float]:
    started = time.monotonic()
    problems: list[str] = []
    printed: list[str] = []
    for block in shell_blocks(document):
        if not block.runs:
            continue
        for command in block.setup:
            ran = session.run(command)
            if ran.exit_code != 0:
                problems.append(f"{block.where}: hidden setup `{command}` exited {ran.exit_code}:\n{ran.output}")
        printed.append(f"<!-- {block.where} -->")
        problems += _run_transcript(block, session, paths, printed)
    if os.environ.get(TRANSCRIPTS_ENV):
        (Path(os.environ[TRANSCRIPTS_ENV]) / f"{document.stem}.txt").write_text("\n".join(printed) + "\n")
    return problems, time.monotonic() - started


def _run_transcript(block: Block, session: ShellSession, paths: dict[str, str], printed: list[str]) -> list[str]:
    problems = []
    for step in transcript(block.text):
        ran = session.run(step.command)
        shown, output = normalise(step.expected, paths), normalise(ran.output, paths)
        printed += [f"$ {step.command}", *([output] if output else [])]
        if not matches(shown, output):
            problems.append(f"{block.where}, line {block.line + 1 + step.line}: $ {step.command}\n"
                            + difference(shown, output))
    return problems
