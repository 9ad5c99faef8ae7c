"""Masked forms shown by default (R-1.4): ID numbers keep the first 6 and last 4 characters,
names keep the surname. Pure functions."""

from __future__ import annotations

# Two-character surnames (复姓) whose given name starts at the third character.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒
    令狐 夏侯 轩辕 端木 独孤 南宫 西门 百里 呼延 歐陽 司空 申屠
    太史 闻人 澹台 公冶 濮阳 淳于 单于 钟离 赫连 拓跋 万俟
    """.split()
)


def mask_id_number(number: str) -> str:
    """`110105********123X`: region and last four visible, birth date and sequence hidden."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """`张*`, `欧阳**`: the surname stays, every character of the given name is starred."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if " " in name or name.isascii():
        # Latin-script names (e.g. foreign residents): keep the first letter of the first word.
        return name[0] + "*" * (len(name) - 1)
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_uscc(code: str) -> str:
    """USCCs are public for organisations, but a person's sole-proprietorship code is not shown
    whole in contexts that mask by default: keep the authority and region, hide the body."""
    if len(code) != 18:
        return "*" * len(code)
    return code[:8] + "*" * 6 + code[-4:]
