"""`ConnectionCapGuard`: keeps a platform's linked connections under the cap of your app on that platform.

Xero caps how many organisations may connect to an app by its pricing tier (Starter 5, Core 50, ...).
Past the cap the next organisation cannot connect. The guard reads `data.codat_connection_usage` for the
platform key at every plan and

- warns (a Terraform `check` block: a failed assertion is a warning) once linked connections reach 80% of
  the cap, rounded up (4 of 5, 40 of 50, ...), and
- fails (a `precondition` that the integration resource carries) when linked connections exceed the cap,
  e.g. after a change that moves the app to a lower tier than the connections it already has.

Both messages say what to do. An unlimited tier gets no guard at all (no data source, no extra API calls).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs.bindings import DataCodatConnectionUsage
from codat_constructs.bindings._base import TerraformExpression, template
from codat_constructs.check import CheckAssertion, TerraformCheck

#: The share of the cap from which plans warn.
WARN_FROM = 0.8


def warn_threshold(cap: int) -> int:
    """Linked connections from which the guard warns: 80% of the cap, rounded up, at least 1."""
    return max(1, math.ceil(cap * WARN_FROM))


@dataclass(frozen=True)
class CapWording:
    """What the guard's messages call the app and what they tell a person to do: text (written as text, whatever
    it holds), or a `template(...)` of text and references."""

    what: str  # e.g. "Xero app 'Acme Lending' (Starter tier, cap 5)"
    platform: str  # e.g. "Xero"
    fix: str  # e.g. "Move the app to a higher Xero tier ... or become a Xero App Partner ..."


class ConnectionCapGuard(Construct):
    """Warns from 80% of `cap` linked connections to `platform_key`, and fails a plan above `cap`.

    Props:
      platform_key: Codat's platform key, e.g. "gbol".
      cap: the app's connection cap (a whole number from 1).
      wording: the app's name and the fix, for the messages (`CapWording`).
      provider: the `CodatProvider` to read with. Default: the stack's default `codat` provider.

    Children: "usage" (`data.codat_connection_usage`) and "warning" (the `check` block). Attach
    `precondition` to the lifecycle of the resource that the cap protects; `CodatAccountingIntegration`
    and `CodatXeroIntegration` do.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform_key: str,
        cap: int,
        wording: CapWording,
        provider: Optional[cdk.TerraformProvider] = None,
    ) -> None:
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError(f"cap must be a whole number from 1 (got {cap!r}); leave the guard out for unlimited "
                             "tiers")
        super().__init__(scope, id)
        self.platform_key, self.cap, self.wording = platform_key, cap, wording
        self.warn_at = warn_threshold(cap)
        self.usage = DataCodatConnectionUsage(self, "usage", platform_key=platform_key, provider=provider)
        linked = TerraformExpression(cdk.Token.as_string(self.usage.linked))
        pending = TerraformExpression(cdk.Token.as_string(self.usage.pending))
        self.warning = TerraformCheck(
            self,
            "warning",
            assertions=[
                CheckAssertion(
                    condition=cdk.Op.lt(self.usage.linked, self.warn_at),
                    error_message=template(
                        wording.what, ": ", linked, f" of {cap} ", wording.platform, " connections are linked (",
                        pending, f" pending); plans warn from {self.warn_at} ({WARN_FROM:.0%} of the cap). "
                        f"At {cap} the next organisation cannot connect. ", wording.fix,
                    ),
                )
            ],
        )
        self.precondition = cdk.Precondition(
            condition=cdk.Op.lte(self.usage.linked, cap),
            error_message=template(
                wording.what, ": ", linked, " ", wording.platform, f" connections are linked, over the cap of {cap}, "
                "so no further organisation can connect and this stack does not match the app's tier. ", wording.fix,
                " Then plan again.",
            ),
        )
