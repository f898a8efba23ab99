"""What this provider process knows is secret, and the scrubber and value finder tfplugin applies with it.

Installed when the process starts (before the first RPC), so everything it hands Terraform is covered: every
diagnostic, log line and stderr write is scrubbed, and every value of state and plan screened. It knows every
secret it can without sending anything: CODAT_API_KEY and the stack's TF_VAR_ secrets (``secrets_from_environment``),
the provider block's api_key and every write-only value of a configuration (tfplugin hands them to
``CodatProvider.learn_secrets``). So plan, refresh and import, which never send the client secret, still withhold
it when Codat quotes it back.

Text is scrubbed of everything the process-wide ``REGISTRY`` holds. Values are screened for the secrets proper,
held in a registry of their own (same core): the client also holds the client ids it sends, to keep them out of
its logs, but ``client_id`` is an ordinary attribute that state must hold as configured.

``codat_settings.secrets`` and the patterns it compiles load on first use (a text to scrub, a value to check, the
client being built): a schema or validate start with nothing to scrub never pays for them (~4 ms a start).
"""

from __future__ import annotations

import threading

from tfplugin import set_scrubber

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from collections.abc import Iterable

    from codat_settings.secrets import SecretHold, SecretRegistry


_process: ProcessSecrets | None = None
_process_lock = threading.Lock()


def process_secrets() -> ProcessSecrets:
    """The one ProcessSecrets of this process, (re)installed as tfplugin's scrubber. A warm server gives each
    connection a provider instance of its own, and all of them share it: a secret one connection learns is
    withheld from what every connection sends (they serve one run, with one environment), and the scrubber is
    never replaced by one that knows less."""
    global _process
    with _process_lock:
        if _process is None:
            _process = ProcessSecrets()
        _process.install()
        return _process


class ProcessSecrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._learned: set[str] = set()
        self._pending: list[str] = []  # learned before the first use
        self._held: tuple[SecretHold, SecretRegistry] | None = None

    def install(self) -> None:
        """Put the scrubber and the finder on everything this process hands Terraform from now on (again: the
        same functions, and the marker once the secrets are loaded)."""
        marker = None
        if self._held is not None:
            from codat_settings.secrets import WITHHELD

            marker = WITHHELD
        set_scrubber(self.scrub, contains=self.contains, marker=marker)

    def learn(self, values: Iterable[str]) -> None:
        """Hold ``values`` (secrets) for the rest of the process."""
        with self._lock:
            fresh = [v for v in values if v not in self._learned]
            self._learned.update(fresh)
            if self._held is None:
                self._pending += fresh
                return
            text, values_only = self._held
        if fresh:
            text.add(fresh)
            values_only.hold(fresh)

    def load(self) -> None:
        """Hold the environment's secrets and those learned so far, now (before the first request)."""
        self._registries()

    def scrub(self, text: str) -> str:
        self._registries()
        from codat_settings.secrets import scrub

        return scrub(text)

    def contains(self, text: str) -> bool:
        return self._registries()[1].contains(text)

    def _registries(self) -> tuple[SecretHold, SecretRegistry]:
        held = self._held
        if held is not None:
            return held
        with self._lock:
            if self._held is None:
                from codat_settings.secrets import WITHHELD, SecretHold, SecretRegistry, secrets_from_environment

                values = [v for v in secrets_from_environment() if v not in self._learned] + self._pending
                self._learned.update(values)
                text, values_only = SecretHold(), SecretRegistry()
                text.add(values)
                values_only.hold(values)
                self._pending = []
                set_scrubber(self.scrub, contains=self.contains, marker=WITHHELD)
                self._held = (text, values_only)
            return self._held
