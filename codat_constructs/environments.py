"""Environments: one stack per Codat instance (e.g. `sandbox` and `production`), from a small TOML file.

    CODAT_IAC_ENVIRONMENTS=environments.toml bin/cdktf deploy sandbox

The file names each environment and what it declares; see `environments.example.toml` at the top of the
repo and docs/walkthrough.md. Every environment becomes a `CodatEnvironmentStack` named after it, with its
own provider settings: its `base_url`, and its own Codat API key as a `Secret` (a sensitive, ephemeral
Terraform variable read from `TF_VAR_<api_key_variable>`, by default `TF_VAR_codat_api_key_<name>`), so no
key is ever in the file or in cdk.tf.json and two stacks use two keys from one shell.

Without CODAT_IAC_ENVIRONMENTS, main.py keeps its single stack `codat` (what `make deploy` runs).

A file with mistakes raises `EnvironmentConfigError`, which lists every problem with the field it is about
(`environments.sandbox.xero.client_id ...`) and the fix; main.py prints it without a traceback.

Here: reading the file. Its tables are checked and read by `environment_tables` into the data of
`environment_settings`, which `environment_stack` turns into a stack.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Optional

from codat_constructs.environment_settings import Environment, EnvironmentConfigError
from codat_constructs.environment_tables import parse_environments

#: The environment variable that names the environments file.
ENVIRONMENTS_ENV = "CODAT_IAC_ENVIRONMENTS"


def load_environments(path: Optional[str | os.PathLike] = None) -> Optional[list[Environment]]:
    """The environments in `path`, by default the file named by CODAT_IAC_ENVIRONMENTS; None when unset."""
    if path is None:
        path = os.environ.get(ENVIRONMENTS_ENV) or None
        if path is None:
            return None
    file = Path(path)
    source = f"{ENVIRONMENTS_ENV} file {str(file)!r}"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnvironmentConfigError(
            source, [f"there is no such file: check {ENVIRONMENTS_ENV}, or unset it for the single stack `codat`."]
        ) from None
    except (OSError, UnicodeDecodeError) as unreadable:
        raise EnvironmentConfigError(source, [f"it cannot be read: {unreadable}."]) from None
    except tomllib.TOMLDecodeError as bad:
        raise EnvironmentConfigError(source, [f"it is not valid TOML: {bad}."]) from None
    return parse_environments(data, source)
