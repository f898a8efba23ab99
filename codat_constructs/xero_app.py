"""`XeroApp`: the Xero side of Codat's Xero integration, declared and validated at synth.

Xero has no API that creates or reads an app's configuration, so this construct creates no Terraform
resource. It checks the declaration against Xero's and Codat's rules when the stack is synthesized,
and writes `RUNBOOK.md` next to the stack's `cdk.tf.json`: the exact steps a person takes in the Xero
developer portal, with the values filled in.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from typing import Optional, Sequence
from urllib.parse import urlsplit

from constructs import Construct

from codat_constructs._cdk import cdk
from codat_constructs._stack_hooks import SynthOutput, after_synth
from codat_constructs.runbook import DEFAULT_COMMAND, RUNBOOK_FILE, CodatSideFacts, XeroAppFacts, render_runbook
from codat_settings import COMMAND_ENV
from codat_settings.fields import text_problem, url_problem

#: Codat's callback for Xero; the app's redirect URIs must contain it exactly.
CODAT_XERO_REDIRECT_URI = "https://xero.codat.io/oauth2/callback"
#: Xero accepts at most this many redirect URIs per app.
MAX_REDIRECT_URIS = 50
#: Xero documents no limit for the app name that we could find (developer.xero.com's application
#: setup guide only asks for the product's go-to-market name, without the word "Xero"), so this is our
#: own conservative cap; raise it if the portal accepts longer names.
MAX_APP_NAME = 100

_CLIENT_ID = re.compile(r"[0-9A-Fa-f]{32}")


class XeroAppConfigError(ValueError):
    """Every problem of one `XeroApp` declaration, each naming its prop and the fix."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"XeroApp {path!r} is not valid ({len(self.problems)} problem(s)):\n{listed}")


class XeroIntegrationType(Enum):
    """The portal's "Integration type". Only `WEB_APP` works with Codat."""

    WEB_APP = "Web app"
    MOBILE_OR_DESKTOP = "Mobile or desktop app"
    CUSTOM_CONNECTION = "Custom connection"


_WHY_NOT = {
    XeroIntegrationType.MOBILE_OR_DESKTOP: "a Mobile or desktop app uses PKCE and has no client secret, and "
    "Codat needs one to hold the connection",
    XeroIntegrationType.CUSTOM_CONNECTION: "a Custom connection serves a single Xero organisation, and Codat "
    "connects many",
}


class XeroTier(Enum):
    """Xero's pricing tier for the app, and how many organisations may connect (None: unlimited).

    Xero's tiered pricing took effect on 2 March 2026. Codat's older docs say 25 connections for an
    uncertified app; since then an app that is not a partner starts on Starter (5).
    """

    STARTER = ("Starter", 5)
    CORE = ("Core", 50)
    PLUS = ("Plus", 1000)
    ADVANCED = ("Advanced", 10000)
    ENTERPRISE = ("Enterprise", None)
    APP_PARTNER = ("App Partner", None)

    def __init__(self, label: str, connection_cap: Optional[int]) -> None:
        self.label = label
        self.connection_cap = connection_cap


def _https(value: object) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme == "https" and bool(parts.hostname)
    except ValueError:
        return False


def _url_rules(prop: str, value: object) -> list[str]:
    """The rules every URL field shares (codat_settings.fields): no control character, no user or password."""
    problem = url_problem(value, prop) if isinstance(value, str) else None
    return [problem] if problem else []


def _localhost(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "http" and parts.hostname == "localhost"


def _check_redirect_uris(uris: object) -> list[str]:
    fix_default = f'leave redirect_uris out to use ("{CODAT_XERO_REDIRECT_URI}",)'
    if isinstance(uris, str) or not isinstance(uris, (list, tuple)):
        got = "a single string" if isinstance(uris, str) else type(uris).__name__
        return [f"redirect_uris must be a list or tuple of URIs, not {got}: write redirect_uris=[...], or "
                f"{fix_default}."]
    problems = []
    if CODAT_XERO_REDIRECT_URI not in uris:
        problems.append(
            f"redirect_uris must contain exactly {CODAT_XERO_REDIRECT_URI!r} (Codat's callback; Xero compares "
            f"URIs character for character): add it, or {fix_default}."
        )
    if len(uris) > MAX_REDIRECT_URIS:
        problems.append(
            f"redirect_uris has {len(uris)} URIs; Xero allows at most {MAX_REDIRECT_URIS}: remove the ones "
            "nothing redirects to."
        )
    for index, uri in enumerate(uris):
        shared = _url_rules(f"redirect_uris[{index}]", uri)
        if not isinstance(uri, str):
            problems.append(f"redirect_uris has {uri!r}, which is not a string: give each URI as a string.")
        elif shared:
            problems += shared
        elif "*" in uri:
            problems.append(
                f"redirect_uris has {uri!r}: Xero does not accept wildcards; list each exact URI instead."
            )
        elif not (_https(uri) or _localhost(uri)):
            problems.append(
                f"redirect_uris has {uri!r}: Xero accepts only https:// URIs (or http://localhost for "
                "development): use the https:// address."
            )
    dupes = sorted({u for u in uris if isinstance(u, str) and uris.count(u) > 1})
    for uri in dupes:
        problems.append(f"redirect_uris lists {uri!r} more than once: keep one.")
    return problems


def _check(
    *,
    app_name: object,
    company_url: object,
    client_id: object,
    redirect_uris: object,
    integration_type: object,
    privacy_policy_url: object,
    terms_url: object,
    tier: object,
) -> list[str]:
    problems: list[str] = []
    if not isinstance(app_name, str) or not app_name.strip():
        problems.append('app_name must be a non-empty string: give the product\'s name, e.g. app_name="Acme Lending".')
    elif len(app_name) > MAX_APP_NAME:
        problems.append(f"app_name has {len(app_name)} characters; the limit is {MAX_APP_NAME}: shorten it.")
    else:
        problems += [p for p in [text_problem(app_name, "app_name", max_length=MAX_APP_NAME)] if p]

    shared = _url_rules("company_url", company_url)
    if shared:
        problems += shared
    elif not _https(company_url):
        problems.append(
            f"company_url must be an https:// URL (got {company_url!r}): give your company's or product's "
            'site, e.g. company_url="https://example.com".'
        )

    if not isinstance(client_id, str):
        problems.append(
            f"client_id must be a string (got {type(client_id).__name__}): copy Client id from the app's "
            "Configuration page in the Xero developer portal."
        )
    elif any(c.isspace() for c in client_id):
        problems.append(
            "client_id contains whitespace: copy Client id again from the app's Configuration page, "
            "without spaces or line breaks (strip it)."
        )
    elif not _CLIENT_ID.fullmatch(client_id):
        got = f"{len(client_id)} characters" if len(client_id) != 32 else "characters other than 0-9 and A-F"
        problems.append(
            f"client_id must be 32 hexadecimal characters (got {got}): copy Client id "
            "from the app's Configuration page in the Xero developer portal (not the secret, not the app name)."
        )

    problems += _check_redirect_uris(redirect_uris)

    if not isinstance(integration_type, XeroIntegrationType):
        problems.append(
            f"integration_type must be a XeroIntegrationType (got {integration_type!r}): use "
            "XeroIntegrationType.WEB_APP."
        )
    elif integration_type is not XeroIntegrationType.WEB_APP:
        problems.append(
            f"integration_type is {integration_type.value!r}, but Codat needs a Web app: "
            f"{_WHY_NOT[integration_type]}. Use integration_type=XeroIntegrationType.WEB_APP "
            "(create a new Web app in the portal if this one is another type)."
        )

    if not isinstance(tier, XeroTier):
        choices = ", ".join(f"XeroTier.{t.name}" for t in XeroTier)
        problems.append(f"tier must be a XeroTier (got {tier!r}): use one of {choices}.")
    partner = tier is XeroTier.APP_PARTNER
    for prop, value, what in (
        ("privacy_policy_url", privacy_policy_url, "privacy policy"),
        ("terms_url", terms_url, "terms and conditions"),
    ):
        shared = _url_rules(prop, value)
        if shared:
            problems += shared
        elif value is None:
            if partner:
                problems.append(
                    f"{prop} is required for tier=XeroTier.APP_PARTNER (Xero asks partners for it): "
                    f'give your {what} page, e.g. {prop}="https://example.com/{prop.split("_")[0]}".'
                )
        elif not _https(value):
            problems.append(f"{prop} must be an https:// URL (got {value!r}): give the https:// address of your "
                            f"{what} page.")
    return problems


class XeroApp(Construct):
    """The Xero app that Codat uses to connect your customers' Xero organisations.

    Xero has no API for app configuration, so this creates no Terraform resource: it validates the
    declaration at synth (raising `XeroAppConfigError` with every problem at once) and writes
    `cdktf.out/stacks/<stack>/RUNBOOK.md`, the portal steps with these values filled in.

    Props:
      app_name: the app's name as your customers see it in Xero's consent screen; at most 100
        characters, and without the word "Xero" if you want to certify.
      company_url: "Company or application URL": your company's or product's https:// site.
      client_id: the app's "Client id" from its Configuration page: 32 hexadecimal characters.
      redirect_uris: the app's redirect URIs; must contain exactly `CODAT_XERO_REDIRECT_URI`
        (https://xero.codat.io/oauth2/callback); https:// only, except http://localhost; no
        wildcards; at most 50; no duplicates. Default: `(CODAT_XERO_REDIRECT_URI,)`.
      integration_type: Default: `XeroIntegrationType.WEB_APP`, the only type Codat can use (a Mobile
        or desktop app has no client secret; a Custom connection serves one organisation).
      privacy_policy_url: your privacy policy's https:// URL. Default: None. Required when `tier`
        is `XeroTier.APP_PARTNER`.
      terms_url: your terms and conditions' https:// URL. Default: None. Required when `tier` is
        `XeroTier.APP_PARTNER`.
      tier: the app's Xero pricing tier, which sets its connection cap. Default: `XeroTier.STARTER`
        (5 connections), where an app starts under Xero's tiered pricing from 2 March 2026; Codat's
        older docs say 25 connections for an uncertified app, which no longer holds.

    Attributes: the props as given, plus `connection_cap` (int, or None for unlimited) and
    `needs_partner_terms` (True only for `XeroTier.APP_PARTNER`: partner status is what lifts the cap
    and what requires the privacy policy and terms URLs; no other tier needs them).
    The construct has no children.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        company_url: str,
        client_id: str,
        redirect_uris: Sequence[str] = (CODAT_XERO_REDIRECT_URI,),
        integration_type: XeroIntegrationType = XeroIntegrationType.WEB_APP,
        privacy_policy_url: Optional[str] = None,
        terms_url: Optional[str] = None,
        tier: XeroTier = XeroTier.STARTER,
    ) -> None:
        # Validate before joining the tree, so a rejected declaration leaves nothing behind.
        problems = _check(
            app_name=app_name,
            company_url=company_url,
            client_id=client_id,
            redirect_uris=redirect_uris,
            integration_type=integration_type,
            privacy_policy_url=privacy_policy_url,
            terms_url=terms_url,
            tier=tier,
        )
        if problems:
            raise XeroAppConfigError(f"{scope.node.path}/{id}".lstrip("/"), problems)
        super().__init__(scope, id)
        self.app_name = app_name
        self.company_url = company_url
        self.client_id = client_id
        self.redirect_uris: tuple[str, ...] = tuple(redirect_uris)
        self.integration_type = integration_type
        self.privacy_policy_url = privacy_policy_url
        self.terms_url = terms_url
        self.tier = tier
        self._integrations: list[CodatSideFacts] = []
        if "xero" in app_name.lower():
            cdk.Annotations.of(self).add_warning(
                f"app_name {app_name!r} contains the word Xero; Xero's certification (checkpoint 1: app name) "
                "rejects it, so rename the app before you apply to become an App Partner."
            )
        after_synth(cdk.TerraformStack.of(self), "runbook", _write_runbook)

    @property
    def connection_cap(self) -> Optional[int]:
        """How many Xero organisations may connect under the app's tier; None means unlimited."""
        return self.tier.connection_cap

    @property
    def needs_partner_terms(self) -> bool:
        """True when the tier needs App Partner status, which needs privacy policy and terms URLs."""
        return self.tier is XeroTier.APP_PARTNER

    def facts(self) -> XeroAppFacts:
        """The validated values, for the runbook."""
        codat_first = (CODAT_XERO_REDIRECT_URI,) + tuple(u for u in self.redirect_uris if u != CODAT_XERO_REDIRECT_URI)
        return XeroAppFacts(
            construct_path=self.node.path,
            app_name=self.app_name,
            integration_type=self.integration_type.value,
            company_url=self.company_url,
            redirect_uris=codat_first,
            client_id=self.client_id,
            tier=self.tier.label,
            connection_cap=self.connection_cap,
            needs_partner_terms=self.needs_partner_terms,
            privacy_policy_url=self.privacy_policy_url,
            terms_url=self.terms_url,
        )

    def runbook(self) -> str:
        """This app's section of the stack's RUNBOOK.md."""
        return render_runbook(cdk.TerraformStack.of(self).node.id, [(self.facts(), list(self._integrations))],
                              command=_command())

    def _used_by(self, facts: CodatSideFacts) -> None:
        """Called by `CodatXeroIntegration`: the runbook's Codat side lists it."""
        self._integrations.append(facts)


def _command() -> str:
    """How the runbook tells a person to run codat-iac: as codat-iac named it for this project, if it did."""
    return os.environ.get(COMMAND_ENV, "").strip() or DEFAULT_COMMAND


def _write_runbook(stack: cdk.TerraformStack, output: SynthOutput) -> None:
    """After the stack's Terraform file is written, write RUNBOOK.md beside it (one section per XeroApp)."""
    apps = [node for node in stack.node.find_all() if isinstance(node, XeroApp)]
    if not apps:
        return
    text = render_runbook(stack.node.id, [(app.facts(), list(app._integrations)) for app in apps], command=_command())
    with open(os.path.join(output.folder, RUNBOOK_FILE), "w", encoding="utf-8") as out:
        out.write(text)
