"""Languages of the pages: Simplified Chinese by default, English on request (Babel).

The choice is `?lang=` (remembered in the `lang` cookie), then that cookie, then the browser's
Accept-Language. Message ids are the English text; `locale/zh/LC_MESSAGES/messages.po` holds the
Chinese. The .po files are compiled in memory at first use, so no binary .mo is committed and an
edited .po takes effect on the next start."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from babel.dates import format_date
from babel.messages import mofile, pofile
from babel.support import NullTranslations, Translations

from chengxin.clock import china_date

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT: Lang = "zh"
COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALE: dict[Lang, str] = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}
MAX_ACCEPT_CHARS = 500  # an Accept-Language header longer than this is read no further
MAX_ACCEPT_ITEMS = 20


def N_(message: str) -> str:  # noqa: N802  (gettext's name for "mark for extraction only")
    """Marks a message id in Python code; the template translates it when it is shown."""
    return message


def as_lang(value: str | None) -> Lang | None:
    return value if value in LANGS else None


def from_accept_language(header: str) -> Lang | None:
    """The first supported language by quality (`zh-TW;q=0.8, en` → en); None if none is."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate(header[:MAX_ACCEPT_CHARS].split(",")[:MAX_ACCEPT_ITEMS]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        lang = as_lang(tag.strip().lower().split("-")[0])
        if lang is not None and 0 < quality <= 1:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    return (
        as_lang(query) or as_lang(cookie) or from_accept_language(accept_language or "") or DEFAULT
    )


@cache
def translations(lang: Lang) -> NullTranslations:
    """The compiled catalog of `lang` (English, the message ids' language, needs none)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = pofile.read_po(source, locale=BABEL_LOCALE[lang])
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled)


def long_date(day: dt.date | dt.datetime | None, lang: Lang) -> str:
    """`2026年11月2日` / `November 2, 2026`; empty for no date. An instant is shown as its date
    in Beijing (where the node's days are counted), not its UTC date."""
    if day is None:
        return ""
    shown = china_date(day) if isinstance(day, dt.datetime) else day
    return format_date(shown, format="long", locale=BABEL_LOCALE[lang])
