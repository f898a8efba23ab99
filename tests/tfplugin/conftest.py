"""Fixtures for the tfplugin tests (in-process gRPC server, real-terraform harness)."""
from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # for `testprovider` and `harness`

import tfplugin_harness as harness  # noqa: E402
from tfplugin_inprocess import InProcess  # noqa: E402


@pytest.fixture
def store(tmp_path, monkeypatch):
    d = tmp_path / "store"
    d.mkdir()
    monkeypatch.setenv("TPT_STORE", str(d))
    return d


@pytest.fixture
def inproc(store):
    from testprovider import TptProvider
    srv = InProcess(TptProvider)
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def tf_env():
    if not harness.terraform_path():
        pytest.skip("terraform is not on PATH")
    env = harness.Env(python=sys.executable)
    yield env
    env.cleanup()
