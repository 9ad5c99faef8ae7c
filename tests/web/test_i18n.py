"""Languages: the choice of language (pure), and catalogs that cover every message the pages
show — extracted with Babel from the templates and the N_() marks in Python."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.messages.extract import extract_from_dir

from chengxin.web import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-TW", "zh"),
     ("fr, en;q=0.5, zh;q=0.6", "zh"), ("en;q=0, zh;q=0.1", "zh"), ("*", None), ("", None),
     ("de-DE", None), ("en;q=abc, zh", "zh"), ("en;q=2", None), ("EN", "en"),
     ("x" * 10_000 + ",en", None), (",".join(["fr"] * 50 + ["en"]), None)],
)  # fmt: skip
def test_accept_language_is_read_by_quality(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_the_query_wins_then_the_cookie_then_the_header() -> None:
    assert i18n.choose("en", "zh", "zh") == "en"
    assert i18n.choose(None, "en", "zh") == "en"
    assert i18n.choose(None, "fr", "en") == "en"
    assert i18n.choose(None, None, None) == "zh"  # Simplified Chinese by default


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    day = dt.date(2026, 11, 2)
    assert i18n.long_date(day, "zh") == "2026年11月2日"
    assert i18n.long_date(day, "en") == "November 2, 2026"
    assert i18n.long_date(None, "zh") == ""
    evening = dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)  # already the 27th in Beijing
    assert i18n.long_date(evening, "zh") == "2026年11月27日"
    assert i18n.long_date(evening.replace(tzinfo=None), "en") == "November 27, 2026"  # naive: UTC


def _messages() -> set[str | tuple[str, str]]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(i18n.LOCALE_DIR.parent), method_map, options, keywords={
            "_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):  # fmt: skip
        found.add(message)
    return found


def test_every_message_has_a_chinese_translation_and_none_is_stale() -> None:
    translations = i18n.translations("zh")
    catalog = translations._catalog  # type: ignore[attr-defined]
    known = {k if isinstance(k, str) else k[0] for k in catalog if k}
    messages = _messages()
    assert len(messages) > 50
    missing = []
    for message in messages:
        singular = message if isinstance(message, str) else message[0]
        translated = translations.gettext(singular)
        if translated == singular:
            missing.append(singular)
    assert missing == []
    wanted = {m if isinstance(m, str) else m[0] for m in messages}
    assert known - wanted == set(), "entries in messages.po that no page uses"


def test_english_needs_no_catalog_its_ids_are_english() -> None:
    assert i18n.translations("en").gettext("Credit publicity") == "Credit publicity"
    assert i18n.translations("zh").gettext("Credit publicity") == "信用公示"
    assert (
        i18n.translations("zh").ngettext("%(num)d entry", "%(num)d entries", 5) == "共 %(num)d 条"
    )
