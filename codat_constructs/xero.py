"""`CodatXeroIntegration`: Codat's Xero integration (platform key `gbol`) with its app credentials."""

from __future__ import annotations

from typing import Optional

from constructs import Construct

from codat_constructs.bindings import CodatIntegration
from codat_constructs.secret import Secret, require_secret

XERO_PLATFORM_KEY = "gbol"


class CodatXeroIntegration(Construct):
    """Switches Xero on in Codat with the client id and secret of your Xero app.

    Props:
      client_id: the Xero app's Client id (32 hexadecimal characters).
      client_secret: a `Secret` (never a string); sent write-only, so state never holds it.
      enabled: whether Xero is switched on in Codat. Default: True.
      client_secret_version: bump to send the secret again after rotating it. Default: 1.
    The child resource's id is "integration": a stable contract, renaming it replaces the resource.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        client_id: str,
        client_secret: Secret,
        enabled: bool = True,
        client_secret_version: int = 1,
        provider: Optional[object] = None,
    ) -> None:
        super().__init__(scope, id)
        secret = require_secret(client_secret, "client_secret")
        self.resource = CodatIntegration(
            self,
            "integration",
            platform_key=XERO_PLATFORM_KEY,
            client_id=client_id,
            client_secret_wo=secret.token,
            client_secret_wo_version=client_secret_version,
            enabled=enabled,
            provider=provider,
        )
