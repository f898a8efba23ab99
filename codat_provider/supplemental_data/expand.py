"""Configuration -> the body of PUT .../supplementalDataConfig for `codat_supplemental_data`."""

from __future__ import annotations

# attribute of a source configuration -> Codat's field
FIELDS = {"data_source": "dataSource", "pull_data": "pullData", "push_data": "pushData"}
ATTRIBUTES = {field: attribute for attribute, field in FIELDS.items()}


def sources_args(configurations: dict) -> dict[str, dict]:
    """Keyword arguments of `codat_client.SupplementalDataSource` per name (a left-out map is not sent)."""
    return {
        name: {attribute: (dict(value) if isinstance(value, dict) else value)
               for attribute, value in (source or {}).items() if value is not None}
        for name, source in configurations.items()
    }
