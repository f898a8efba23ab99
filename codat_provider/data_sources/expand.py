"""Configuration -> Codat API arguments for the data sources."""

from __future__ import annotations


def integrations_query(source_type: str | None, enabled: bool | None) -> str | None:
    """Codat's query language for GET /integrations, e.g. `sourceType=Accounting&&enabled=true`.

    `source_type` is checked to be a single word first (see validate.py), so it cannot break out of
    its clause.
    """
    clauses = []
    if source_type is not None:
        clauses.append(f"sourceType={source_type}")
    if enabled is not None:
        clauses.append(f"enabled={'true' if enabled else 'false'}")
    return "&&".join(clauses) or None
