"""Shared set-up for the construct tests: one jsii kernel with the project's tool environment, one App.

The jsii kernel (a Node process) starts with the first jsii import and keeps the environment it started
with; `Testing.to_be_valid_terraform` runs `terraform init` from inside it. So the kernel is started
here, under the project's tool environment (provider from the in-repo mirror, no phoning home, no Node
end-of-life banner), and this process's own environment is put back afterwards.
"""

from __future__ import annotations

import itertools
import os
import sys

import pytest

from codat_iac.toolenv import tool_environment

KERNEL_HAS_TOOL_ENV = "constructs" not in sys.modules and "cdktf" not in sys.modules
if KERNEL_HAS_TOOL_ENV:
    _saved = dict(os.environ)
    os.environ.update(tool_environment())
    try:
        import cdktf  # noqa: F401  (starts the kernel)
    finally:
        os.environ.clear()
        os.environ.update(_saved)

from cdktf import TerraformStack, Testing  # noqa: E402


@pytest.fixture(scope="session")
def kernel_has_tool_env() -> bool:
    """Whether the jsii kernel got the tool environment (it did unless cdktf was imported before)."""
    return KERNEL_HAS_TOOL_ENV


@pytest.fixture(scope="session")
def testing_app():
    """One App for every test that only needs `Testing.synth`: each test adds its own stack."""
    return Testing.app()


@pytest.fixture(scope="session")
def _stack_numbers():
    return itertools.count()


@pytest.fixture
def stack(testing_app, _stack_numbers) -> TerraformStack:
    """A fresh stack on the shared App."""
    return TerraformStack(testing_app, f"test{next(_stack_numbers)}")
