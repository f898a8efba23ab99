"""`CodatAccountingIntegration`: any accounting platform in Codat, switched on with its app credentials.

Every accounting platform's Set up form in the Codat Portal takes the same Client ID and Client secret,
so one construct serves them all; `CodatXeroIntegration` is this construct with Xero's key and its
client id taken from a `XeroApp`.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Mapping, Optional

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs.bindings import CodatIntegration
from codat_constructs.bindings._base import template
from codat_constructs.bindings.platforms import KNOWN_PLATFORMS
from codat_constructs.configuration import (
    CustomDataType,
    SupplementalDataSource,
    add_integration_data,
    dotted,
    integration_data_problems,
)
from codat_constructs.guard import CapWording, ConnectionCapGuard
from codat_constructs.secret import Secret, require_secret
from codat_settings.fields import INT32_MAX, text_problem

#: Codat's accounting platform keys, generated from the provider's own table (bindings/platforms.py).
#: Codat adds platforms: a well-formed key that is not here is allowed, with a warning.
ACCOUNTING_PLATFORMS = KNOWN_PLATFORMS

_PLATFORM_KEY = re.compile(r"[a-z]{4}")


class CodatIntegrationConfigError(ValueError, TypeError):
    """Every problem of one integration's props, each naming its prop and the fix.

    Also a TypeError, because a secret given as a plain string is one of the problems it reports.
    """

    def __init__(self, kind: str, path: str, problems: list[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{kind} {path!r} is not valid ({len(self.problems)} problem(s)):\n{listed}")


def _report_config_errors_plainly() -> None:
    """An app that does not catch our configuration errors (e.g. the README's example) exits with the
    message alone, printed once, instead of a Python traceback above it; CODAT_IAC_DEBUG=1 keeps the
    traceback. Other exceptions are left to the hook that was there."""
    previous = sys.excepthook

    def hook(kind, error, trace):
        ours = kind.__module__.startswith("codat_constructs") and hasattr(error, "problems")
        if ours and os.environ.get("CODAT_IAC_DEBUG", "").strip() in ("", "0"):
            print(error, file=sys.stderr)
            return
        previous(kind, error, trace)

    if not getattr(sys.excepthook, "codat_constructs", False):
        hook.codat_constructs = True  # type: ignore[attr-defined]
        sys.excepthook = hook


_report_config_errors_plainly()


def _known_keys() -> str:
    return ", ".join(f"{key} ({name})" for key, name in sorted(ACCOUNTING_PLATFORMS.items(), key=lambda kv: kv[1]))


def cap_problems(connection_cap: object) -> list[str]:
    """What is wrong with a `connection_cap` prop (None means no guard)."""
    if connection_cap is None or (
        not isinstance(connection_cap, bool) and isinstance(connection_cap, int) and 1 <= connection_cap <= INT32_MAX
    ):
        return []
    return [
        f"connection_cap must be a whole number from 1 to {INT32_MAX:,}, or left out (None) for no cap guard "
        f"(got {connection_cap!r}): "
        "give the number of connections your app on the platform allows, e.g. connection_cap=25."
    ]


def credential_problems(
    *, platform_key: object, client_id: object, client_secret: object, enabled: object, client_secret_version: object
) -> list[str]:
    """What is wrong with one set of integration props (empty when nothing is)."""
    problems = _pairing_problems(platform_key, client_id, secret_given=client_secret is not None)
    if client_secret is not None:
        try:
            require_secret(client_secret, "client_secret")
        except TypeError as wrong:
            problems.append(str(wrong))
    return problems + _switch_problems(enabled, client_secret_version)


def declared_credential_problems(
    *, platform_key: object, client_id: object, secret_declared: bool, enabled: object, client_secret_version: object
) -> list[str]:
    """The same rules for props declared before their `Secret` exists (an environments file names the variable
    that will hold it): every rule but the secret's own type, which the stack meets by making it."""
    return _pairing_problems(platform_key, client_id, secret_given=secret_declared) + _switch_problems(
        enabled, client_secret_version
    )


def _pairing_problems(platform_key: object, client_id: object, *, secret_given: bool) -> list[str]:
    """The platform key, and client_id given with a client secret (or neither: Codat's credentials left alone)."""
    problems = []
    if not isinstance(platform_key, str) or not _PLATFORM_KEY.fullmatch(platform_key):
        problems.append(
            f"platform_key must be 4 lowercase letters, Codat's key for the platform (got {platform_key!r}): "
            f"e.g. platform_key=\"qhyg\" for QuickBooks Online. Known keys: {_known_keys()}."
        )
    if client_id is None and not secret_given:
        pass
    elif not secret_given:
        problems.append(
            "client_secret is missing: give client_secret=Secret.from_env(self, \"my_secret\") (Terraform reads it "
            "from TF_VAR_my_secret) with client_id, or neither to leave the credentials Codat holds as they are."
        )
    elif client_id is None:
        problems.append(
            "client_id is missing: give it with client_secret (the Client ID of your app on the platform), or neither "
            "to leave the credentials Codat holds as they are."
        )
    elif not isinstance(client_id, str) or not client_id:
        problems.append(
            f"client_id must be a non-empty string (got {client_id!r}): copy the Client ID of your app "
            "from the platform's developer portal."
        )
    elif any(c.isspace() for c in client_id):
        problems.append(
            "client_id contains whitespace: copy the Client ID again without spaces or line breaks (strip it)."
        )
    elif unreadable := text_problem(client_id, "client_id"):  # a NUL or another control character
        problems.append(unreadable)
    return problems


def _switch_problems(enabled: object, client_secret_version: object) -> list[str]:
    problems = []
    if not isinstance(enabled, bool):
        problems.append(f"enabled must be True or False (got {enabled!r}).")
    if (isinstance(client_secret_version, bool) or not isinstance(client_secret_version, int)
            or client_secret_version < 1):
        problems.append(
            f"client_secret_version must be a whole number from 1 (got {client_secret_version!r}): "
            "start at 1 and add 1 each time you rotate the secret."
        )
    elif client_secret_version > INT32_MAX:
        problems.append(f"client_secret_version must be a whole number from 1 to {INT32_MAX:,}, not "
                        f"{client_secret_version:,}: start at 1 and add 1 each time you rotate the secret.")
    return problems


class CodatAccountingIntegration(Construct):
    """Switches an accounting platform on in Codat with the client id and secret of your app for it.

    Props:
      platform_key: Codat's 4-letter key for the platform, e.g. "qhyg" (QuickBooks Online); see
        `ACCOUNTING_PLATFORMS`. A well-formed key Codat added after this table is allowed, with a
        warning at synth.
      client_id: your app's Client ID on that platform (no whitespace).
      client_secret: a `Secret` (never a string), e.g. `Secret.from_env(self, "qbo_client_secret")`;
        sent write-only, so neither state nor plan files hold it. Give client_id and client_secret together,
        or neither (None, the default) to switch the platform on or off and leave its credentials in Codat
        as they are (e.g. Codat Sandbox, which needs none).
      enabled: whether the platform is switched on in Codat. Default: True.
      client_secret_version: add 1 to send the secret again after rotating it. Default: 1.
      provider: the `CodatProvider` to use. Default: None (the stack's default `codat` provider).
      connection_cap: how many companies your app on the platform may connect. When set, every plan reads
        `data.codat_connection_usage` for the platform: it warns from 80% of the cap linked (a `check`
        block) and fails above the cap (a precondition on the integration). Default: None (no guard).
      supplemental_data: data type -> {name: `SupplementalDataSource`}: extra fields Codat pulls (and pushes)
        for the platform, e.g. {"invoices": {"extras": SupplementalDataSource(data_source="/Invoices",
        pull_data={"reference": "Reference"})}}. Each data type is one `codat_supplemental_data`, child
        "supplemental_data_<data type>", which owns that data type's whole configuration. Default: none.
      custom_data_types: identifier -> `CustomDataType`: custom data types Codat reads from the platform. Each is
        one `codat_custom_data_type`, child "custom_data_type_<identifier>". Default: none.
    Invalid props raise `CodatIntegrationConfigError` at synth, listing every problem.
    The child resource's id is "integration": a stable contract, renaming it replaces the resource. With a
    cap, the guard is the child "connection_cap" (`ConnectionCapGuard`). `import_existing()` takes over the
    integration Codat already has instead of creating it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        platform_key: str,
        client_id: Optional[str] = None,
        client_secret: Optional[Secret] = None,
        enabled: bool = True,
        client_secret_version: int = 1,
        provider: Optional[cdk.TerraformProvider] = None,
        connection_cap: Optional[int] = None,
        supplemental_data: Optional[Mapping[str, Mapping[str, SupplementalDataSource]]] = None,
        custom_data_types: Optional[Mapping[str, CustomDataType]] = None,
        _cap_wording: Optional[CapWording] = None,
    ) -> None:
        problems = credential_problems(
            platform_key=platform_key,
            client_id=client_id,
            client_secret=client_secret,
            enabled=enabled,
            client_secret_version=client_secret_version,
        ) + cap_problems(connection_cap)
        problems += dotted(integration_data_problems(platform_key, supplemental_data or {}, custom_data_types or {}))
        path = f"{scope.node.path}/{id}".lstrip("/")
        if problems:
            raise CodatIntegrationConfigError(type(self).__name__, path, problems)
        super().__init__(scope, id)
        if client_secret is not None:
            client_secret.require_no_whitespace(f"client_secret of {path}")
        self.platform_key = platform_key
        self.platform_name: Optional[str] = ACCOUNTING_PLATFORMS.get(platform_key)
        self.client_id = client_id
        self.client_secret: Optional[Secret] = client_secret
        self.enabled = enabled
        self.client_secret_version = client_secret_version
        if self.platform_name is None:
            cdk.Annotations.of(self).add_warning(
                f"platform_key {platform_key!r} is not one of the accounting platforms this package knows; "
                "if Codat added it, ignore this warning, otherwise check the key in the Codat Portal "
                f"(Settings > Integrations). Known keys: {_known_keys()}."
            )
        self.connection_cap = connection_cap
        self.guard: Optional[ConnectionCapGuard] = None
        if connection_cap is not None:
            name = self.platform_name or platform_key
            self.guard = ConnectionCapGuard(
                self,
                "connection_cap",
                platform_key=platform_key,
                cap=connection_cap,
                wording=_cap_wording
                or CapWording(
                    what=template(f"{name} app ", client_id or platform_key, f" (cap {connection_cap})"),
                    platform=name,
                    fix=f"Raise your app's connection limit with {name} (e.g. its partner programme), then set "
                    "connection_cap to the new limit.",
                ),
                provider=provider,
            )
        self.resource = CodatIntegration(
            self,
            "integration",
            platform_key=platform_key,
            client_id=client_id,
            client_secret_wo=client_secret.token if client_secret is not None else None,
            client_secret_wo_version=client_secret_version if client_secret is not None else None,
            enabled=enabled,
            provider=provider,
            lifecycle=cdk.TerraformResourceLifecycle(precondition=[self.guard.precondition]) if self.guard else None,
        )
        self.supplemental_data = add_integration_data(self, platform_key, supplemental_data or {},
                                                      custom_data_types or {}, provider)

    def import_existing(self) -> None:
        """Take over what Codat already has instead of creating it: Terraform `import` blocks for the integration
        and its supplemental data (`<platform_key>/<data type>`). With credentials the integration's import ID
        carries the client id and secret version, so the first plan is empty when Codat holds them; the provider
        then treats the integration as adopted and refuses, at plan and before any write, a secret or client id
        whose last 4 characters differ from Codat's (docs/configuration.md). After the first apply the blocks
        do nothing: keep or remove them."""
        key = self.platform_key
        options = (template(":client_id=", self.client_id, f",client_secret_wo_version={self.client_secret_version}")
                   if self.client_secret is not None and self.client_id is not None else "")
        self.resource.import_from(template(key, options))
        for data_type, resource in self.supplemental_data.items():
            resource.import_from(f"{key}/{data_type}")
