"""Checks on a `codat_cors_origins` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

from codat_provider.validation import checkable, given, report
from codat_settings.configuration import SINGLETON_ON_DESTROY, origins_problems
from tfplugin import Diagnostics


def validate_config(config: dict, diags: Diagnostics) -> None:
    origins = config.get("allowed_origins")
    if given(origins):
        # A set's elements cannot be addressed: the errors point at the attribute and name the origin.
        report(diags, "Invalid allowed origin", origins_problems(checkable(origins)), ("allowed_origins",))
    on_destroy = config.get("on_destroy")
    if given(on_destroy) and on_destroy not in SINGLETON_ON_DESTROY:
        diags.error("Invalid on_destroy", f"{on_destroy!r} is not one of {', '.join(SINGLETON_ON_DESTROY)}.",
                    path=("on_destroy",))
