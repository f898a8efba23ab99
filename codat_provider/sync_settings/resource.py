"""`codat_sync_settings`: adopt, update, read, import and destroy the instance's sync settings.

Codat's POST replaces the whole object, so create, update and destroy are read-modify-write: GET, change the
declared data types (expand.py), POST, then GET again (the POST answers 204) to record what Codat stored. What
is recorded is checked against the plan (confirm.py): Codat holding anything else, after an acknowledged POST or
one Codat did not acknowledge, is an error naming what differs, never an apply result Terraform calls
inconsistent.
`codat_client` is imported inside the methods that call Codat, so schema and validate starts stay light.
"""

from __future__ import annotations

from codat_provider.confirm import confirmed, unacknowledged
from codat_provider.reporting import reported
from codat_provider.sync_settings.expand import ATTRIBUTES, changed_data_types, overlay, reset
from codat_provider.sync_settings.flatten import flatten_sync_settings
from codat_provider.sync_settings.schema import SCHEMA, SYNC_SETTINGS_ID
from codat_provider.sync_settings.validate import parse_import_id, validate_config
from codat_provider.validation import split_validation_error
from tfplugin import Diagnostics, ProviderError, Resource

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing on every provider start
if TYPE_CHECKING:
    from codat_provider.provider import CodatProvider

WRITTEN = ("The sync settings were written, and Terraform was interrupted while reading them back: state does not "
           "record the change, so the next plan compares the configuration with what Codat holds.")


class SyncSettingsResource(Resource):
    provider: CodatProvider  # the instance for this connection: its client, caches and stop state
    type_name = "codat_sync_settings"
    schema = SCHEMA

    def validate(self, config: dict, diags: Diagnostics) -> None:
        validate_config(config, diags)

    def create(self, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        return self._write("adopt the Codat sync settings", planned, config, diags, adopting=True)

    def update(self, prior: dict, planned: dict, config: dict, diags: Diagnostics) -> dict | None:
        return self._write("update the Codat sync settings", planned, config, diags, adopting=False)

    def read(self, state: dict, diags: Diagnostics) -> dict:
        # A singleton never disappears: read never answers None.
        held = state.get("data_types") or {}
        with reported("read the Codat sync settings"):
            return flatten_sync_settings(self._current(), held, held)

    def delete(self, prior: dict, diags: Diagnostics) -> None:
        managed = list(prior.get("data_types") or {})
        if prior.get("on_destroy") != "reset":
            diags.warning(
                "The Codat sync settings were left as they are",
                "Terraform forgot the sync settings (on_destroy = \"keep\"); Codat keeps them. Set on_destroy = "
                "\"reset\" (and apply) before destroying to put the declared data types back to Codat's defaults.",
            )
            return
        with reported("reset the Codat sync settings"):
            self._post(reset(self._current(), managed), diags)

    def import_state(self, id: str, diags: Diagnostics) -> dict | None:
        data_types = parse_import_id(id, diags)
        if data_types is None:
            return None
        if not data_types:  # `all`: every data type Codat holds
            with reported("import the Codat sync settings"):
                data_types = [s["dataType"] for s in self._current().get("settings") or []]
        return {"id": SYNC_SETTINGS_ID, "on_destroy": "keep", "data_types": {d: {} for d in data_types}}

    # ------------------------------------------------------------------ helpers

    def _current(self) -> dict:
        """Codat's sync settings in Codat's field names (syncFromUtc as Codat's UTC text)."""
        return self.provider.client.get_sync_settings().model_dump(mode="json", by_alias=True, exclude_none=True)

    def _write(self, what: str, planned: dict, config: dict, diags: Diagnostics, adopting: bool) -> dict | None:
        declared = config.get("data_types") or {}
        answer = None
        with reported(what):
            current = self._current()
            body = overlay(current, declared, planned["overrides_defaults"])
            try:
                if not self._post(body, diags):
                    return None
            except unacknowledged() as exc:
                answer = exc  # whether the POST arrived is known only from the read back
        # Codat answers the POST with 204: read back what it stored.
        with reported("read back the Codat sync settings", stopped_detail=WRITTEN):
            stored = self._current()
        state = confirmed(what, SCHEMA, planned, flatten_sync_settings(stored, declared, planned.get("data_types")),
                          diags, answer)
        if adopting:
            changed = changed_data_types(current, stored, declared)
            others = len({s.get("dataType") for s in current.get("settings") or []} - set(declared))
            diags.warning(
                "Adopted the Codat sync settings",
                f"Codat's sync settings now hold the declared setting for {len(declared)} data type(s) "
                f"({', '.join(changed) or 'none'} changed). The other {others} data type(s) Codat holds keep their "
                "settings: this resource manages only the data types it lists, and does not check the others for "
                "drift.",
            )
        return state

    def _post(self, body: dict, diags: Diagnostics) -> bool:
        """POST the whole object; Codat's 400s become errors on the data type and attribute they name."""
        from codat_client import BadRequestError, SyncSettings

        try:
            self.provider.client.set_sync_settings(SyncSettings.model_validate(body))
        except BadRequestError as exc:
            if not exc.validation_errors:
                raise ProviderError("Codat rejected the sync settings", str(exc)) from exc
            settings = body.get("settings") or []
            for text in exc.validation_errors:
                diags.error("Codat rejected the sync settings", f"{text} ({exc})", path=_attribute_path(text, settings))
            return False
        return True


def _attribute_path(validation_error: str, settings: list[dict]) -> tuple:
    """The attribute a Codat `itemId` names: `settings[2].syncSchedule` -> data_types[<its data type>].sync_schedule."""
    steps, _ = split_validation_error(validation_error)
    if steps[:1] == ("overridesDefaults",):
        return ("overrides_defaults",)
    path: tuple = ("data_types",)
    if len(steps) >= 2 and steps[0] == "settings" and isinstance(steps[1], int) and steps[1] < len(settings):
        path += (settings[steps[1]].get("dataType"),)
        if len(steps) > 2 and steps[2] in ATTRIBUTES:
            path += (ATTRIBUTES[steps[2]],)
    return path
