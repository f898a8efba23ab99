"""The generated provider docs are current, and every example they show runs against the emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(
    path.parent for kind in ("resources", "data-sources") for path in (REPO / "examples" / kind).glob("*/*.tf")
)


def test_generated_docs_are_current():
    done = subprocess.run(
        [sys.executable, "scripts/generate_docs.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_example_applies_and_then_plans_clean(tf, example: Path):
    tf.env["TF_VAR_xero_client_secret"] = "example-secret-for-docs-test-0001"
    tf.write("\n".join(path.read_text() for path in sorted(example.glob("*.tf"))))
    tf.init()
    applied = tf.apply()
    assert "Error" not in applied.stderr
    assert tf.plan().returncode == 0
