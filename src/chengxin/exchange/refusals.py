"""Why a package is refused (R-5.1). Each refusal names where — the line and, inside it, the JSON
path — and the rule, and never quotes the offending value: a package carries ID numbers."""

from __future__ import annotations

from chengxin.errors import InvalidInput


class PackageRefused(InvalidInput):
    """A package that is not applied at all. `field` reads like "line 3 $.subject.id_number";
    `line` is 1-based (the header is line 1), None for the package as a whole."""

    title = "Package refused"
    type_slug = "package-refused"

    def __init__(
        self, message: str, *, rule: str, line: int | None = None, path: str | None = None
    ) -> None:
        where = [f"line {line}"] if line is not None else []
        where += [path] if path else []
        super().__init__(message, field=" ".join(where) or "package", rule=rule)
        self.line = line
        self.path = path


class PackageTooLarge(PackageRefused):
    """Over a size or count limit (HTTP 413)."""

    status = 413
    title = "Package too large"
    type_slug = "package-too-large"
