"""The emulator's copies of Codat's tables equal the ones the project checks configuration against.

The emulator imports nothing of ours (it is an independent implementation of the contract), so it keeps its own
copies of the data types, schedules and defaults that `codat_settings.configuration` holds for the provider, the
constructs and the environments file, and of the platform keys `codat_provider.platforms` knows. This test
imports both sides: a table changed on one side only fails here, naming the difference.
"""

from __future__ import annotations

import pytest

from codat_emulator import configuration as emulator_configuration, seed
from codat_provider.platforms import KNOWN_PLATFORMS
from codat_settings import configuration as settings

# The emulator speaks Codat's JSON names; the settings rules use the provider's attribute names.
ATTRIBUTE_OF = {
    "fetchOnFirstLink": "fetch_on_first_link",
    "syncSchedule": "sync_schedule",
    "monthsToSync": "months_to_sync",
    "isLocked": "is_locked",
}


TABLES = ("SYNC_DATA_TYPES", "REPORT_DATA_TYPES", "DEFAULT_MONTHS_TO_SYNC", "SYNC_SCHEDULES", "SUPPLEMENTAL_DATA_TYPES")


@pytest.mark.parametrize("name", TABLES)
def test_each_table_is_the_same_on_both_sides_in_the_same_order(name):
    emulator, ours = getattr(seed, name), getattr(settings, name)
    if isinstance(ours, tuple):
        assert [v for v in emulator if v not in ours] == [], f"{name}: only in the emulator (codat_emulator/seed.py)"
        assert [v for v in ours if v not in emulator] == [], f"{name}: only in codat_settings/configuration.py"
    assert emulator == ours, f"{name} differs between codat_emulator/seed.py and codat_settings/configuration.py"


def test_a_custom_data_type_identifier_is_the_same_rule_on_both_sides():
    assert emulator_configuration.CUSTOM_IDENTIFIER.pattern == settings.CUSTOM_IDENTIFIER.pattern
    assert emulator_configuration.CUSTOM_IDENTIFIER.flags == settings.CUSTOM_IDENTIFIER.flags


@pytest.mark.parametrize("data_type", settings.SYNC_DATA_TYPES)
def test_codat_s_default_sync_setting_is_the_same_on_both_sides(data_type):
    """A fresh instance's setting for each data type (the emulator's seed) is what the settings rules take as
    Codat's default (what `on_destroy = "reset"` restores and plans compare with)."""
    emulator = seed.default_sync_setting(data_type, order=0)
    assert emulator.pop("dataType") == data_type and emulator.pop("syncOrder") == 0
    unknown = set(emulator) - set(ATTRIBUTE_OF)
    assert not unknown, f"a field the comparison does not know: {unknown}"
    assert {ATTRIBUTE_OF[name]: value for name, value in emulator.items()} == settings.default_sync_setting(data_type)


def test_the_emulator_serves_every_platform_the_provider_knows_and_no_other():
    assert sorted(seed.ACCOUNTING_PLATFORMS) == sorted(KNOWN_PLATFORMS)

