"""A report as HTML (Jinja2, autoescaped) and as PDF (WeasyPrint, with the CJK font the set-up
command installs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from chengxin.reports.signing import VERIFICATION_KEY

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_html(report: dict[str, Any]) -> str:
    return _ENV.get_template("report.html").render(r=report, v=report[VERIFICATION_KEY])


def to_pdf(report: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415  (slow import)

    pdf: bytes = HTML(string=to_html(report)).write_pdf()
    return pdf
