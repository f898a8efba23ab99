"""Diagnostics: the errors and warnings a provider reports to Terraform."""
from __future__ import annotations

__all__ = ["Diagnostic", "Diagnostics", "ProviderError", "ERROR", "WARNING"]

ERROR = 1
WARNING = 2

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import TypeAlias

    # An attribute path: attribute names (str), list/set/tuple indexes (int) and map keys (str).
    Path: TypeAlias = tuple[str | int, ...]


class Diagnostic:
    __slots__ = ("severity", "summary", "detail", "path")

    def __init__(self, severity: int, summary: str, detail: str = "", path: Iterable[str | int] | None = None) -> None:
        self.severity = severity
        self.summary = str(summary)
        self.detail = str(detail or "")
        self.path: Path | None = tuple(path) if path else None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __repr__(self) -> str:
        sev = "error" if self.severity == ERROR else "warning"
        at = f" at {self.path!r}" if self.path else ""
        return f"<Diagnostic {sev}: {self.summary!r}{at}>"


class Diagnostics:
    """A list of diagnostics collected while handling one request.

    ``path`` is an attribute path: a tuple of attribute names (str), list/set/tuple
    indexes (int) and map keys (str), e.g. ``("tags", "env")`` or ``("rule", 0, "port")``.
    The layer turns it into Terraform's AttributePath using the schema, so Terraform
    points at the right line of the configuration.
    """

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, summary: str, detail: str = "", path: Iterable[str | int] | None = None) -> None:
        self.items.append(Diagnostic(ERROR, summary, detail, path))

    def warning(self, summary: str, detail: str = "", path: Iterable[str | int] | None = None) -> None:
        self.items.append(Diagnostic(WARNING, summary, detail, path))

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == WARNING]

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __repr__(self) -> str:
        return f"Diagnostics({self.items!r})"


class ProviderError(Exception):
    """Raise from provider/resource code to report one clean error diagnostic."""

    def __init__(self, summary: str, detail: str = "", path: Iterable[str | int] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.path: Path | None = tuple(path) if path else None

    def __str__(self) -> str:
        return f"{self.summary}: {self.detail}" if self.detail else self.summary
