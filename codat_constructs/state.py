"""Where a stack's Terraform state lives, chosen by one setting: `CODAT_IAC_STATE`.

- unset (or `local`): a local file, `terraform.<stack>.tfstate` in the app folder (cdktf's default).
- `postgres://user:password@host:5432/db?sslmode=...`: Terraform's built-in `pg` backend, one schema per
  stack (`codat_iac_<stack>`), so a team shares state and Terraform's lock (a PostgreSQL advisory lock)
  keeps two deploys of one stack from interleaving.

The connection string holds a password, so it never enters the synthesized stack: the backend block is
written without `conn_str` and Terraform reads the URL from `PG_CONN_STR`, which the project's tool
environment (`codat_iac/toolenv.py`) sets from `CODAT_IAC_STATE` at run time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from codat_constructs._cdk import cdk
from codat_settings import STATE_ENV, SettingError, state_kind

SCHEMA_PREFIX = "codat_iac_"
# What cdktf requires as PgBackend's conn_str; removed again by an override before synthesis.
_NOT_SYNTHESIZED = "(read by Terraform from PG_CONN_STR)"


# One rule for CODAT_IAC_STATE, shared with codat-iac (codat_settings); a bad value raises this.
StateConfigError = SettingError


def schema_name(stack_name: str) -> str:
    """The PostgreSQL schema holding one stack's state: `codat_iac_<stack>`, lower case, [a-z0-9_]."""
    return SCHEMA_PREFIX + re.sub(r"[^a-z0-9_]", "_", stack_name.lower())


def use_state_backend(stack: cdk.TerraformStack, *, setting: str | None = None) -> cdk.TerraformBackend:
    """Give `stack` the backend CODAT_IAC_STATE asks for (call once per stack, in its constructor or
    right after it). `setting` defaults to the environment variable."""
    value = os.environ.get(STATE_ENV) if setting is None else setting
    name = stack.node.id
    if state_kind(value) == "local":
        return cdk.LocalBackend(stack, path=str(Path.cwd() / f"terraform.{name}.tfstate"))
    backend = cdk.PgBackend(stack, conn_str=_NOT_SYNTHESIZED, schema_name=schema_name(name))
    # Drop conn_str from the synthesized block: Terraform falls back to PG_CONN_STR for a missing one.
    backend.add_override("conn_str", None)
    return backend
