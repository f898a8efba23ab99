"""The CDK the constructs are built on, chosen in this one place: CDKTF (default) or CDK Terrain.

`CODAT_IAC_CDK=cdktn` selects CDK Terrain (`cdktn`), the community fork of the archived CDKTF; unset or
`cdktf` keeps CDKTF. The two libraries have the same classes under the same names, so every module of
`codat_constructs` (the generated bindings included) writes `cdk.TerraformStack`, `cdk.Testing`, ... and
runs unchanged on either. The setting is read once, at the first import: one process builds on one CDK.
codat-iac reads the same setting to pick the matching CLI (codat_iac/cdk.py); docs/cdk-terrain.md.
"""

from __future__ import annotations

import os

from codat_settings import CDK_ENV, SettingError, cdk_choice

try:
    CDK_NAME = cdk_choice(os.environ.get(CDK_ENV))
except SettingError as problem:
    raise SystemExit(f"codat_constructs: {problem}") from None

try:
    if CDK_NAME == "cdktn":
        import cdktn as cdk
    else:
        import cdktf as cdk  # type: ignore[no-redef]
except ModuleNotFoundError as missing:
    if missing.name != CDK_NAME:
        raise
    # A user-facing setting problem, like the one above: a message that names the fix, not a traceback.
    raise SystemExit(
        f"codat_constructs: {CDK_ENV}={CDK_NAME} needs the Python package {CDK_NAME!r}, which is not installed "
        f"here; run `{CDK_ENV}={CDK_NAME} make install`."
    ) from None

__all__ = ["CDK_NAME", "cdk"]
