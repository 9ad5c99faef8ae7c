"""Knowledge pages (R-7.1) as Markdown files: `content/<lang>/<slug>.md` shipped with the package,
and an operator's folder (`CHENGXIN_CONTENT_DIR`) of the same layout whose files take the place
of shipped ones with the same slug or add new ones. Files are read at each request, so an edit
shows at once. A slug is `[a-z0-9-]`, which keeps every path inside its folder; raw HTML in a
file is shown as text, never run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from chengxin.web.i18n import DEFAULT, LANGS, Lang

SHIPPED = Path(__file__).parent / "content"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_BYTES = 256 * 1024  # a larger file is left out (a page, not a book)
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class ContentPage:
    slug: str
    lang: Lang  # the language the text is in (English falls back to Chinese)
    title: str
    html: str


def _roots(operator_dir: Path | None) -> list[Path]:
    return [operator_dir, SHIPPED] if operator_dir is not None else [SHIPPED]


def _file(root: Path, lang: Lang, slug: str) -> Path | None:
    path = root / lang / f"{slug}.md"
    try:
        inside = path.resolve().is_relative_to(root.resolve())
        usable = inside and path.is_file() and path.stat().st_size <= MAX_BYTES
    except OSError:
        return None
    return path if usable else None


def find(slug: str, lang: Lang, operator_dir: Path | None) -> tuple[Path, Lang] | None:
    """The file for `slug`: the first folder that has the page decides (the operator's before the
    shipped one), in `lang` if it has it there, else in Chinese."""
    if not SLUG.fullmatch(slug):
        return None
    for root in _roots(operator_dir):
        for candidate in dict.fromkeys((lang, DEFAULT)):
            path = _file(root, candidate, slug)
            if path is not None:
                return path, candidate
    return None


def _title(text: str, slug: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or slug
    return slug


def load(slug: str, lang: Lang, operator_dir: Path | None) -> ContentPage | None:
    found = find(slug, lang, operator_dir)
    if found is None:
        return None
    path, written_in = found
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return ContentPage(slug, written_in, _title(text, slug), _MARKDOWN.render(text))


def index(lang: Lang, operator_dir: Path | None) -> list[ContentPage]:
    """Every page, by slug (operators order pages by naming them)."""
    slugs: set[str] = set()
    for root in _roots(operator_dir):
        for code in LANGS:
            folder = root / code
            if folder.is_dir():
                slugs.update(p.stem for p in folder.glob("*.md") if SLUG.fullmatch(p.stem))
    pages = (load(slug, lang, operator_dir) for slug in sorted(slugs))
    return [p for p in pages if p is not None]
