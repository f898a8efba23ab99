"""Checks on a `codat_cors_origins` configuration that need no network (run at validate and plan)."""

from __future__ import annotations

from tfplugin import Diagnostics

from codat_provider.cors_origins.schema import ON_DESTROY_CHOICES
from codat_provider.validation import checkable, given, report
from codat_settings.configuration import origins_problems


def validate_config(config: dict, diags: Diagnostics) -> None:
    origins = config.get("allowed_origins")
    if given(origins):
        # A set's elements cannot be addressed: the errors point at the attribute and name the origin.
        report(diags, "Invalid allowed origin", origins_problems(checkable(origins)), ("allowed_origins",))
    on_destroy = config.get("on_destroy")
    if given(on_destroy) and on_destroy not in ON_DESTROY_CHOICES:
        diags.error("Invalid on_destroy", f"{on_destroy!r} is not one of {', '.join(ON_DESTROY_CHOICES)}.",
                    path=("on_destroy",))
