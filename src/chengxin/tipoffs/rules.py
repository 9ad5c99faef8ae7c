"""Tip-offs (举报, R-6.5) as a pure state machine, their tracking numbers and the checks of what
the public sends. No database, no clock, no randomness: the caller passes the random bits.

    received ─accept→ accepted ─refer→ referred ─close→ closed
        │                 └────────close→ closed
        └──reject→ rejected

A tracking number is `JB-` and 12 Crockford base32 characters: 11 random (55 bits) and a check
character (Luhn mod 32), so a mistyped number is told apart from an unknown one without asking
the database. Only an HMAC of it is stored.
"""

from __future__ import annotations

from enum import StrEnum

from chengxin.errors import Conflict, InvalidInput
from chengxin.identity.numbers import region_of
from chengxin.texts import clean_text

PREFIX = "JB-"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RANDOM_CHARS = 11
RANDOM_BITS = 5 * RANDOM_CHARS
MAX_TRACKING_INPUT = 40  # what a person may type, with spaces and hyphens
MAX_SUBJECT = 500  # who or what is reported (被举报人或单位)
MAX_TEXT = 5000  # the facts (举报内容)
MIN_TEXT = 10
MAX_CONTACT = 200  # the reporter's telephone or e-mail, optional
MAX_REASON = 2000
FILINGS_PER_HOUR = 5  # per client address
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # Crockford's reading of look-alikes


class TipoffCategory(StrEnum):
    """The four kinds of serious dishonesty (国发〔2016〕33号), key supervision, other."""

    HEALTH_SAFETY = "health_safety"  # 严重损害人民群众身体健康和生命安全
    MARKET_ORDER = "market_order"  # 严重破坏市场公平竞争秩序和社会正常秩序
    EVADING_OBLIGATIONS = "evading_obligations"  # 有履行能力但拒不履行、逃避执行法定义务
    NATIONAL_DEFENCE = "national_defence"  # 拒不履行国防义务
    # 重点关注对象: 恶意逃废债务、非法集资、电信诈骗、网络欺诈、交通违法、不依法诚信纳税
    KEY_SUPERVISION = "key_supervision"
    OTHER = "other"  # 其他失信行为


CATEGORY_ZH = {
    TipoffCategory.HEALTH_SAFETY: "危害人民群众身体健康和生命安全",
    TipoffCategory.MARKET_ORDER: "破坏市场公平竞争秩序和社会正常秩序",
    TipoffCategory.EVADING_OBLIGATIONS: "有履行能力但拒不履行、逃避执行法定义务",
    TipoffCategory.NATIONAL_DEFENCE: "拒不履行国防义务",
    TipoffCategory.KEY_SUPERVISION: "重点关注对象",
    TipoffCategory.OTHER: "其他失信行为",
}


class TipoffState(StrEnum):
    RECEIVED = "received"  # 已收到: waits for triage
    ACCEPTED = "accepted"  # 已受理
    REJECTED = "rejected"  # 不予受理
    REFERRED = "referred"  # 已移交认定单位
    CLOSED = "closed"  # 已办结


class TipoffEvent(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REFER = "refer"
    CLOSE = "close"


_S = TipoffState
_E = TipoffEvent
OPEN = frozenset({_S.RECEIVED, _S.ACCEPTED, _S.REFERRED})
TRANSITIONS: dict[tuple[TipoffState, TipoffEvent], TipoffState] = {
    (_S.RECEIVED, _E.ACCEPT): _S.ACCEPTED,
    (_S.RECEIVED, _E.REJECT): _S.REJECTED,
    (_S.ACCEPTED, _E.REFER): _S.REFERRED,
    (_S.ACCEPTED, _E.CLOSE): _S.CLOSED,  # handled without referral (e.g. already on record)
    (_S.REFERRED, _E.CLOSE): _S.CLOSED,  # the source's handling is known
}


def next_state(state: TipoffState, event: TipoffEvent) -> TipoffState:
    found = TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(f"a tip-off that is {state} cannot be given '{event}'", field="state",
                       rule="tipoff-transition")  # fmt: skip
    return found


# --- tracking numbers -------------------------------------------------------------------------


def _check_char(payload: str) -> str:
    """Luhn mod 32: catches every single wrong character and most swaps of neighbours."""
    total, factor, n = 0, 2, len(ALPHABET)
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 3 - factor
    return ALPHABET[(n - total % n) % n]


def make_tracking(random_bits: int) -> str:
    """The tracking number for 55 random bits (the service draws them from `secrets`)."""
    if not 0 <= random_bits < 1 << RANDOM_BITS:
        raise ValueError(f"give {RANDOM_BITS} random bits")
    payload = "".join(ALPHABET[(random_bits >> (5 * i)) & 31] for i in range(RANDOM_CHARS))
    return PREFIX + payload + _check_char(payload)


def parse_tracking(raw: str, field: str = "tracking") -> str:
    """The number in its one spelling (`JB-` and 12 upper-case characters), read leniently —
    lower case, spaces, hyphens, O for 0 and I or L for 1 — or a refusal naming the rule."""
    if len(raw) > MAX_TRACKING_INPUT:
        raise InvalidInput(f"must be at most {MAX_TRACKING_INPUT} characters", field=field,
                           rule="max-length")  # fmt: skip
    text = "".join(raw.split()).upper().replace("-", "")
    if not text.startswith("JB"):
        raise InvalidInput("must start with JB-", field=field, rule="tracking-prefix")
    body = text[2:].translate(_READ_AS)
    if len(body) != RANDOM_CHARS + 1 or any(c not in ALPHABET for c in body):
        raise InvalidInput(f"must be JB- and {RANDOM_CHARS + 1} letters and digits", field=field,
                           rule="tracking-format")  # fmt: skip
    if _check_char(body[:-1]) != body[-1]:
        raise InvalidInput("does not add up (a typing error?)", field=field,
                           rule="tracking-check")  # fmt: skip
    return PREFIX + body


# --- what the public sends --------------------------------------------------------------------


def clean_contact(raw: str | None) -> str | None:
    """A telephone number or e-mail address to reach the reporter; blank: anonymous."""
    if raw is None or not raw.strip():
        return None
    return clean_text(raw, "contact", limit=MAX_CONTACT)


def check_region(code: str) -> str:
    """A six-digit administrative division code (GB/T 2260) that exists."""
    if region_of(code) is None:
        raise InvalidInput("is not an administrative division code (6 digits)",
                           field="region_code", rule="region")  # fmt: skip
    return code


def region_prefix(code: str) -> str:
    """What a region filter matches: a province (`110000`) takes in its cities and counties, a
    city (`110100`) its counties, a county only itself."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput("must be 6 digits", field="region_code", rule="region")
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code
