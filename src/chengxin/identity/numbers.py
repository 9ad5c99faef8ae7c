"""Citizen identity numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

Pure functions. python-stdnum does the check-character arithmetic and the region table; this
module adds what it leaves out: the part that failed is named, birth dates before 1900 or after
`today` are refused, legacy 15-digit numbers are upgraded, and a lower-case x is normalised.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum import numdb
from stdnum.cn import ric, uscc

from chengxin.errors import InvalidInput

EARLIEST_BIRTH = dt.date(1900, 1, 1)
_ID_ALPHABET = re.compile(r"^[0-9X]*$")
_ID_CHARS = re.compile(r"^[0-9]{17}[0-9X]$")


class IdPart(StrEnum):
    """The part of an ID number that a refusal names."""

    LENGTH = "length"
    CHARACTERS = "characters"
    REGION = "region code"
    BIRTH_DATE = "birth date"
    CHECK = "check character"


class InvalidIdNumber(InvalidInput):
    def __init__(self, part: IdPart, message: str, field: str = "id_number") -> None:
        super().__init__(f"{part.value}: {message}", field=field, rule=f"GB 11643 {part.value}")
        self.part = part


@dataclass(frozen=True)
class Region:
    code: str
    province: str
    city: str | None
    county: str | None

    @property
    def label(self) -> str:
        parts = [self.province, self.city, self.county]
        out: list[str] = []
        for p in parts:
            if p and p not in out:
                out.append(p)
        return " ".join(out)


@dataclass(frozen=True)
class IdNumber:
    normalized: str
    region: Region
    birth_date: dt.date
    sex: str  # "M" or "F": odd/even sequence digit (GB 11643 §5.4)
    upgraded_from: str | None = None

    @property
    def masked(self) -> str:
        from chengxin.identity.masking import mask_id_number  # noqa: PLC0415 (pure sibling)

        return mask_id_number(self.normalized)


_NOT_A_PLACE = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "省直辖县级行政单位", "自治区直辖县级行政区划"}
)


def _clean(name: str | None) -> str | None:
    """The current name from stdnum's history notation: "南头区办事处,[1990-]南山区" → "南山区"."""
    if not name:
        return None
    latest = name.split(",")[-1]
    return latest.split("]", 1)[1] if latest.startswith("[") else latest


def _names(db: numdb.NumDB, code: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for _part, props in db.info(code):
        found.update(props)
    return found


@functools.lru_cache(maxsize=8192)  # about 6,900 codes exist; the table never changes at run time
def _region_names(code: str) -> Region | None:
    db = numdb.get("cn/loc")
    found = _names(db, code)
    province = _clean(found.get("province"))
    if province is None or "county" not in found:
        return None
    city = _clean(_names(db, code[:4] + "00").get("county"))
    if city in _NOT_A_PLACE or city is None:
        # Municipalities and directly administered counties have no prefecture level.
        city = province
    county = _clean(found["county"])
    if code[4:] == "00" or county in _NOT_A_PLACE:
        county = None
    return Region(code, province, city, county)


def _birth_date(digits: str) -> dt.date:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber(IdPart.BIRTH_DATE, f"{digits} is not a calendar date") from None


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return str(ric.calc_check_digit(first17 + "0"))


def parse_id_number(raw: str, today: dt.date, field: str = "id_number") -> IdNumber:
    """Validate and normalise a citizen ID number; raise InvalidIdNumber naming the failed part."""
    text = raw.strip().replace(" ", "").upper()
    if not _ID_ALPHABET.match(text):
        raise InvalidIdNumber(IdPart.CHARACTERS, "may contain the digits 0-9 and X only", field)
    if len(text) not in (15, 18):
        raise InvalidIdNumber(
            IdPart.LENGTH, f"must be 18 characters (or 15 legacy), got {len(text)}", field
        )
    upgraded_from: str | None = None
    if len(text) == 15:
        if not text.isdigit():
            raise InvalidIdNumber(
                IdPart.CHARACTERS, "a 15-digit legacy number has digits only", field
            )
        upgraded_from = text
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_character(first17)
    elif not _ID_CHARS.match(text):
        raise InvalidIdNumber(
            IdPart.CHARACTERS, "must be 17 digits followed by a digit or X", field
        )
    region = _region_names(text[:6])
    if region is None:
        raise InvalidIdNumber(
            IdPart.REGION, f"{text[:6]} is not an administrative division code", field
        )
    birth = _birth_date(text[6:14])
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(IdPart.BIRTH_DATE, "is before 1900-01-01", field)
    if birth > today:
        raise InvalidIdNumber(IdPart.BIRTH_DATE, "is in the future", field)
    expected = check_character(text[:17])
    if upgraded_from is None and text[17] != expected:
        raise InvalidIdNumber(IdPart.CHECK, "does not match the first 17 digits", field)
    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return IdNumber(text, region, birth, sex, upgraded_from)


@dataclass(frozen=True)
class Uscc:
    normalized: str
    registration_authority: str
    region_code: str

    @property
    def masked(self) -> str:
        from chengxin.identity.masking import mask_uscc  # noqa: PLC0415 (pure sibling)

        return mask_uscc(self.normalized)


# GB 32100-2015 table 1: registration authority (first character) → organisation categories.
USCC_AUTHORITIES: dict[str, str] = {
    "1": "1239",  # 机构编制: organs, public institutions, central-level establishments, other
    "2": "19",  # 外交
    "3": "1239",  # 司法行政: law firms, notaries, judicial appraisal, other
    "4": "19",  # 文化
    "5": "1239",  # 民政: social organisations, private non-enterprise units, foundations
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 / 市场监管: enterprises, individual businesses, farmers' cooperatives
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def _uscc_error(part: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(f"{part}: {message}", field=field, rule=f"GB 32100 {part}")


def parse_uscc(raw: str, field: str = "uscc") -> Uscc:
    """Validate a unified social credit code; the error names the failed part.

    stdnum's check-character arithmetic is used; the authority and category table is checked
    here because stdnum accepts only digits in the first eight places (it would refuse the
    N- and Y- codes that agricultural and other authorities issue).
    """
    text = raw.strip().replace(" ", "").replace("-", "").upper()
    if len(text) != 18:
        raise _uscc_error("length", f"must be 18 characters, got {len(text)}", field)
    if any(c not in _USCC_ALPHABET for c in text):
        raise _uscc_error(
            "characters", "may use digits and capital letters except I, O, S, V, Z", field
        )
    categories = USCC_AUTHORITIES.get(text[0])
    if categories is None:
        raise _uscc_error("registration authority", f"{text[0]} is not an authority code", field)
    if text[1] not in categories:
        raise _uscc_error(
            "organisation category", f"{text[1]} is not used by authority {text[0]}", field
        )
    if not text[2:8].isdigit():
        raise _uscc_error("region code", "must be 6 digits", field)
    if text[17] != uscc.calc_check_digit(text[:17]):
        raise _uscc_error("check character", "does not match the first 17 characters", field)
    return Uscc(text, text[0:2], text[2:8])


def region_of(code: str) -> Region | None:
    """The administrative division of a six-digit code, or None if there is none."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    return _region_names(code)
