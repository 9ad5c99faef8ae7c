"""The person's notices about their commitments (inbox, and e-mail if they gave an address). The
texts carry the department, the letter's number, the matter and dates — never the person's name
or number (anything shaped like an ID number is masked)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from chengxin.commitments.models import Commitment
from chengxin.keys import KeyRing
from chengxin.logs import redact
from chengxin.notifications.service import notify

SHOWN_MATTER = 200

_OBJECT_ZH = ("如认为记录有误，可在“我的记录”中对该记录提出异议（异议申请）；处理期间该记录标注"
              "“异议处理中”。")  # fmt: skip
_OBJECT_EN = ("If you think the record is wrong, you may object to it under 'my records' (异议); "
              "while the objection is open the record is marked as under objection.")  # fmt: skip


def _short(text: str) -> str:
    text = " ".join(text.split())
    return redact(text if len(text) <= SHOWN_MATTER else text[: SHOWN_MATTER - 1] + "…")


def _tell(
    session: Session, keys: KeyRing, now: dt.datetime, commitment: Commitment, *, topic: str,
    title: tuple[str, str], body: tuple[str, str],
) -> None:  # fmt: skip
    notify(
        session, keys, now, subject_id=commitment.subject_id, topic=topic, title_zh=title[0],
        title_en=title[1], body_zh=f"{body[0]}\n承诺记录编号 {commitment.id}。",
        body_en=f"{body[1]}\nCommitment {commitment.id}.", ref=str(commitment.id),
    )  # fmt: skip


def tell_made(
    session: Session, keys: KeyRing, now: dt.datetime, commitment: Commitment, *,
    department: str, matter: str,
) -> None:  # fmt: skip
    dept, doc, what, by = (_short(department), redact(commitment.document_number),
                           _short(matter), commitment.deadline)  # fmt: skip
    _tell(session, keys, now, commitment, topic="commitment.recorded",
          title=("您的信用承诺已记录", "Your credit commitment was recorded"),
          body=(f"{dept}已记录您作出的信用承诺（承诺书编号 {doc}）：{what}。请于 {by}（含当日）"
                "前履行；逾期未履行的，将记入违背信用承诺信息（失信信息）。",
                f"{dept} recorded the credit commitment you made (letter {doc}): {what}. Fulfil "
                f"it by {by} (inclusive); if it is not kept by then, a broken-commitment record "
                "(a bad record) is made."))  # fmt: skip


def tell_breached(
    session: Session, keys: KeyRing, now: dt.datetime, commitment: Commitment, *,
    department: str, matter: str, by_deadline: bool,
) -> None:  # fmt: skip
    dept, doc, what = _short(department), redact(commitment.document_number), _short(matter)
    if by_deadline:
        why_zh = f"未在 {commitment.deadline}（含当日）前履行"
        why_en = f"was not kept by {commitment.deadline}"
    else:
        why_zh, why_en = "经承诺受理单位认定未履行", "was found not kept by the accepting body"
    _tell(session, keys, now, commitment, topic="commitment.breached",
          title=("信用承诺未履行，已记入失信信息", "A credit commitment was not kept"),
          body=(f"您向{dept}作出的信用承诺（承诺书编号 {doc}）：{what}，{why_zh}，已记入违背信用"
                f"承诺信息，可在“我的记录”中查看。{_OBJECT_ZH}",
                f"The credit commitment you made to {dept} (letter {doc}): {what}, {why_en}. "
                f"It is now recorded as a broken commitment, shown under 'my records'. "
                f"{_OBJECT_EN}"))  # fmt: skip


def tell_closed(
    session: Session, keys: KeyRing, now: dt.datetime, commitment: Commitment, *,
    department: str, fulfilled: bool,
) -> None:  # fmt: skip
    dept, doc = _short(department), redact(commitment.document_number)
    if fulfilled:
        title = ("您的信用承诺已履行", "Your credit commitment was kept")
        body = (f"{dept}确认您已于 {commitment.closed_on} 履行信用承诺（承诺书编号 {doc}）。",
                f"{dept} confirmed that you kept your commitment (letter {doc}) on "
                f"{commitment.closed_on}.")  # fmt: skip
    else:
        title = ("您的信用承诺已撤销", "Your credit commitment was cancelled")
        body = (
            f"{dept}撤销了信用承诺（承诺书编号 {doc}），相关信用承诺信息已撤回。",
            f"{dept} cancelled the commitment (letter {doc}); its record was withdrawn.",
        )
    topic = "commitment.fulfilled" if fulfilled else "commitment.cancelled"
    _tell(session, keys, now, commitment, topic=topic, title=title, body=body)
