"""The Pythons the package says it supports are the ones CI tests: pyproject's classifiers, its requires-python,
the preflight's minimum and .ci/run's matrix name the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from codat_iac.preflight import NEEDS

REPO = Path(__file__).resolve().parents[2]


def _classified() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: "
    return sorted(c[len(prefix):] for c in project["classifiers"] if re.fullmatch(r"3\.\d+", c[len(prefix):]))


def test_classifiers_are_requires_python_s_minimum_and_the_ci_matrix():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    minimum = re.fullmatch(r">=(3\.\d+)", project["requires-python"]).group(1)
    matrix = re.search(r"^OTHER_PYTHONS=\(([^)]*)\)", (REPO / ".ci" / "run").read_text(), re.MULTILINE)
    assert matrix, ".ci/run names no OTHER_PYTHONS=(...)"
    tested = [minimum, *matrix.group(1).split()]
    assert _classified() == sorted(tested, key=lambda v: tuple(map(int, v.split("."))))


def test_the_preflight_asks_for_the_minimum_pyproject_declares():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    minimum = tuple(map(int, project["requires-python"].removeprefix(">=").split(".")))
    assert NEEDS["python"][1] == minimum
