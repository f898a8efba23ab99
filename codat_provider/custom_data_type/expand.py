"""Configuration -> the body of PUT .../dataTypes/custom/{identifier} for `codat_custom_data_type`."""

from __future__ import annotations

# attribute -> Codat's field
FIELDS = {"data_source": "dataSource", "key_by": "keyBy", "required_data": "requiredData",
          "source_modified_date": "sourceModifiedDate"}
ATTRIBUTES = {field: attribute for attribute, field in FIELDS.items()}


def configuration_args(planned: dict) -> dict:
    """Keyword arguments of `codat_client.CustomDataTypeConfiguration` (left-out attributes are not sent)."""
    return {attribute: planned[attribute] for attribute in FIELDS if planned.get(attribute) is not None}
