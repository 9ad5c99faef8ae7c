"""The citizen's forms about one of their records (R-4.1, R-4.3): object to it (异议), apply for
its repair (信用修复), explain it (自主解释). Each form starts from the record on /me, files through
the verb the API uses, shows every refusal at its field, and answers a filing with a redirect to
the case on /me/disputes. Evidence files are PDF, JPEG or PNG by content, as in the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.disputes import objections, repairs
from chengxin.disputes.api import UPLOAD_LIMIT
from chengxin.disputes.attachments import MAX_FILES
from chengxin.disputes.cases import MAX_TEXT
from chengxin.disputes.rules import Evidence as EvidenceKind
from chengxin.errors import ChengxinError
from chengxin.web import portal_reads
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.portal_forms import FILE_MESSAGES, Checks, Messages, raw, see_other
from chengxin.web.portal_reads import MyRecord

router = APIRouter(include_in_schema=False)
Person = Annotated[Principal, allowed(Permission.OWN_DISPUTES_WRITE)]
Files = Annotated[list[UploadFile | str], File()]  # an empty file input may come as ""
UPLOADS = dict.fromkeys(("/me/objections/new", "/me/repairs/new"), UPLOAD_LIMIT)  # as the API's
LIMITS = {"max_files": MAX_FILES, "max_text": MAX_TEXT}
EVIDENCE_LABELS = {
    EvidenceKind.PERFORMED_AFTER: N_("I have since performed the obligations (事后履行)"),
    EvidenceKind.EXTENSION_APPROVED: N_("An extension of the time to perform was approved"),
    EvidenceKind.WRITTEN_EXPLANATION: N_("A written explanation of the circumstances"),
    EvidenceKind.ON_TIME_PERFORMANCE: N_("I have performed my obligations on time since"),
    EvidenceKind.VOLUNTEER_SERVICE: N_("Volunteer service"),
    EvidenceKind.CHARITABLE_DONATION: N_("Charitable donation"),
}
# Why a record cannot be repaired now, by the rule of `disputes.rules.unmet_conditions`.
UNMET = {
    "not-dishonesty": N_("Only records of dishonesty (bad or serious) can be repaired."),
    "not-displayed": N_("The record is no longer shown to others (expired, repaired or revoked)."),
    "min-period": N_("The shortest display period of this record has not passed yet."),
    "obligations": N_("The obligations must be performed first."),
    "commitment": N_("A signed credit commitment (信用承诺书) is required."),
    "legal-bar": N_("Another law bars the repair of this record."),
}
HELD_ELSEWHERE = N_(
    "This record comes from another region's platform, which alone may change it: file your "
    "objection or repair application there"
)
OBJECTION_MESSAGES: Messages = {
    ("reason", None): N_("Write your reasons in 5 to 2000 characters"),
    ("record_id", "open-objection"): N_(
        "An objection to this record is already open: follow it under Objections and repairs"
    ),
    ("record_id", "revoked"): N_("This record was revoked: there is nothing to object to"),
    ("record_id", "record-held-elsewhere"): HELD_ELSEWHERE,
    **FILE_MESSAGES,
}
REPAIR_MESSAGES: Messages = {
    ("evidence", "required"): N_("Choose at least one corrective action"),
    ("evidence", None): N_("Choose among the corrective actions shown"),
    ("statement", None): N_("Describe what you have done in 5 to 2000 characters"),
    ("commitment", None): N_("Write your credit commitment in 10 to 2000 characters"),
    ("record_id", "open-repair"): N_(
        "A repair application for this record is already open: follow it under Objections and "
        "repairs"
    ),
    **{("record_id", rule): message for rule, message in UNMET.items()},
    ("record_id", "record-held-elsewhere"): HELD_ELSEWHERE,
    **FILE_MESSAGES,
}
EXPLANATION_MESSAGES: Messages = {
    ("text", None): N_("Write your explanation in 5 to 2000 characters")
}


def _text(typed: str) -> str:
    return typed.replace("\r\n", "\n")  # browsers send CRLF line ends


def _record(page: PageRequest, principal: Principal, record_id: uuid.UUID) -> MyRecord:
    rt = page.runtime
    subject_id = own_subject(principal, "records")
    with rt.reads() as session:
        return portal_reads.my_record(session, rt.disputes, subject_id, record_id, page.today)


def _form(page: PageRequest, template: str, record: MyRecord, status: int = 200,
          **context: Any) -> HTMLResponse:  # fmt: skip
    shown = {"values": {}, "errors": {}} | context
    return page.render(template, status=status, record=record, unmet=UNMET,
                       limits=page.runtime.disputes.rules.objections,
                       evidence_kinds=EVIDENCE_LABELS, **LIMITS, **shown)  # fmt: skip


@router.get("/me/objections/new", response_class=HTMLResponse)
def objection_form(
    page: GuardedPage, principal: Person, record: Annotated[uuid.UUID, Query()]
) -> HTMLResponse:
    return _form(page, "me_objection_new.html", _record(page, principal, record))


@router.post("/me/objections/new", response_class=HTMLResponse)
def file_objection(
    page: GuardedPage, principal: Person, record_id: Annotated[uuid.UUID, Form()],
    reason: Annotated[str, raw()] = "", files: Files = [],  # noqa: B006  (FastAPI copies it)
) -> Response:  # fmt: skip
    record = _record(page, principal, record_id)
    values = {"reason": _text(reason)}
    checks = Checks(OBJECTION_MESSAGES)
    checks.run(lambda: objections.check_reason(values["reason"]))
    evidence = checks.evidence(files)
    if not checks.errors:
        rt = page.runtime
        try:
            with rt.sessions() as session, session.begin():
                objections.file_objection(
                    session, rt.disputes, rt.clock(), subject_id=own_subject(principal, "records"),
                    record_id=record.record_id, reason=values["reason"], files=evidence,
                    actor=principal.actor,
                )  # fmt: skip
            return see_other("/me/disputes?done=objection")
        except ChengxinError as refused:
            checks.refuse(refused)
    return _form(page, "me_objection_new.html", record, 422, values=values, errors=checks.errors)


@router.get("/me/repairs/new", response_class=HTMLResponse)
def repair_form(
    page: GuardedPage, principal: Person, record: Annotated[uuid.UUID, Query()]
) -> HTMLResponse:
    return _form(page, "me_repair_new.html", _record(page, principal, record),
                 values={"evidence": []})  # fmt: skip


@router.post("/me/repairs/new", response_class=HTMLResponse)
def apply_repair(  # noqa: PLR0917  (form fields are parameters)
    page: GuardedPage, principal: Person, record_id: Annotated[uuid.UUID, Form()],
    evidence: Annotated[list[str], Form()] = [],  # noqa: B006
    statement: Annotated[str, raw()] = "", commitment: Annotated[str, raw()] = "",
    files: Files = [],  # noqa: B006
) -> Response:  # fmt: skip
    record = _record(page, principal, record_id)
    values: dict[str, Any] = {"evidence": evidence, "statement": _text(statement),
                              "commitment": _text(commitment)}  # fmt: skip
    checks = Checks(REPAIR_MESSAGES)
    checks.run(lambda: repairs.evidence_kinds(evidence))
    checks.run(lambda: repairs.check_statement(values["statement"]))
    checks.run(lambda: repairs.check_commitment(values["commitment"]))
    proof = checks.evidence(files)
    if not checks.errors:
        rt = page.runtime
        try:
            with rt.sessions() as session, session.begin():
                repairs.apply_repair(
                    session, rt.disputes, rt.clock(), subject_id=own_subject(principal, "records"),
                    record_id=record.record_id, evidence=evidence, statement=values["statement"],
                    commitment=values["commitment"], files=proof, actor=principal.actor,
                )  # fmt: skip
            return see_other("/me/disputes?done=repair")
        except ChengxinError as refused:
            checks.refuse(refused)
    return _form(page, "me_repair_new.html", record, 422, values=values, errors=checks.errors)


@router.get("/me/records/{record_id}/explanation", response_class=HTMLResponse)
def explanation_form(page: GuardedPage, principal: Person, record_id: uuid.UUID) -> HTMLResponse:
    record = _record(page, principal, record_id)
    return _form(page, "me_explanation.html", record, values={"text": record.explanation or ""})


@router.post("/me/records/{record_id}/explanation", response_class=HTMLResponse)
def explain(
    page: GuardedPage, principal: Person, record_id: uuid.UUID,
    text: Annotated[str, raw()] = "",
) -> Response:  # fmt: skip
    record = _record(page, principal, record_id)
    values = {"text": _text(text)}
    checks = Checks(EXPLANATION_MESSAGES)
    rt = page.runtime
    try:
        with rt.sessions() as session, session.begin():
            repairs.explain_record(
                session, rt.keys, rt.clock(), subject_id=own_subject(principal, "records"),
                record_id=record.record_id, text=values["text"],
            )  # fmt: skip
        return see_other(f"/me?done=explanation#record-{record.record_id}")
    except ChengxinError as refused:
        checks.refuse(refused)
    return _form(page, "me_explanation.html", record, 422, values=values, errors=checks.errors)
