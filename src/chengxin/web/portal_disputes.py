"""My objections (异议) and repair applications (信用修复申请) on the portal (R-4.1, R-4.3): each
case's state, what is due next and by which day, its steps with their reasons and outcome, and a
withdraw button while the rules allow one. Read and changed through the API's verbs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import china_today
from chengxin.disputes import objections, repairs
from chengxin.disputes.cases import cases_of
from chengxin.disputes.models import CaseKind
from chengxin.disputes.rules import (
    OBJECTION_TRANSITIONS,
    REPAIR_TRANSITIONS,
    ObjectionEvent,
    ObjectionState,
    RepairEvent,
    RepairState,
)
from chengxin.disputes.views import CaseOut, case_view
from chengxin.web import portal_reads
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage
from chengxin.web.portal_filing import EVIDENCE_LABELS
from chengxin.web.portal_forms import see_other

router = APIRouter(include_in_schema=False)
Person = Annotated[Principal, allowed(Permission.OWN_DISPUTES_WRITE)]
STATES = {
    CaseKind.OBJECTION: {
        ObjectionState.FILED: N_("Filed: the platform decides whether to accept it"),
        ObjectionState.VERIFYING: N_("Accepted: the data-providing unit is verifying the record"),
        ObjectionState.REJECTED: N_("Not accepted"),
        ObjectionState.CORRECTED: N_("Decided: the record was corrected"),
        ObjectionState.REVOKED: N_("Decided: the record was revoked"),
        ObjectionState.UPHELD: N_("Decided: the record stands"),
        ObjectionState.WITHDRAWN: N_("Withdrawn by you"),
    },
    CaseKind.REPAIR: {
        RepairState.APPLIED: N_("Applied: the platform is checking the application"),
        RepairState.FORWARDED: N_("With the unit that made the decision"),
        RepairState.APPROVED: N_("Repair approved: the record is no longer shown to others"),
        RepairState.REJECTED: N_("Repair refused"),
        RepairState.WITHDRAWN: N_("Withdrawn by you"),
    },
}
EVENTS = {
    CaseKind.OBJECTION: {
        "file": N_("Objection filed"),
        "accept": N_("Accepted and sent for verification"),
        "reject": N_("Not accepted"),
        "withdraw": N_("Withdrawn"),
        "correct": N_("Record corrected"),
        "revoke": N_("Record revoked"),
        "uphold": N_("Record kept as it is"),
        "reopen": N_("Reopened after reconsideration or a court decision"),
        "review-uphold": N_("Decision upheld on reconsideration or in court"),
    },
    CaseKind.REPAIR: {
        "apply": N_("Application filed"),
        "forward": N_("Sent to the unit that made the decision"),
        "approve": N_("Repair approved"),
        "reject": N_("Repair refused"),
        "withdraw": N_("Withdrawn"),
    },
}
DUE = {  # what the deadline is for (`disputes.rules.Deadline.step`)
    "accept": N_("The platform accepts or rejects the objection"),
    "source-answer": N_("The data-providing unit answers"),
    "decide": N_("The objection is decided (the overall time limit)"),
    "forward": N_("The platform forwards or refuses the application"),
    "source-decision": N_("The unit that made the decision decides"),
}
DONE = {
    "objection": N_(
        "Your objection was filed. The record is marked as under objection on My records."
    ),
    "repair": N_("Your repair application was filed."),
    "withdrawn": N_("The case was withdrawn."),
}


def withdrawable(case: CaseOut) -> bool:
    """Whether the rules let the person withdraw the case in its state."""
    if case.kind is CaseKind.OBJECTION:
        return (ObjectionState(case.state), ObjectionEvent.WITHDRAW) in OBJECTION_TRANSITIONS
    return (RepairState(case.state), RepairEvent.WITHDRAW) in REPAIR_TRANSITIONS


@router.get("/me/disputes", response_class=HTMLResponse)
def my_cases(
    page: GuardedPage, principal: Person, done: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    rt = page.runtime
    subject_id = own_subject(principal, "objections and repairs")
    with rt.reads() as session:
        cases = [case_view(session, rt.keys, c, page.today) for c in cases_of(session, subject_id)]
        names = portal_reads.item_names(session, rt.catalog, [c.record_id for c in cases])
    return page.render(
        "me_disputes.html", cases=cases, names=names, states=STATES, events=EVENTS, due=DUE,
        evidence_kinds=EVIDENCE_LABELS, withdrawable=withdrawable, day=china_today,
        done=DONE.get(done),
    )  # fmt: skip


@router.post("/me/objections/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw_objection(page: GuardedPage, principal: Person, case_id: uuid.UUID) -> Response:
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        objections.withdraw_objection(
            session, rt.disputes, rt.clock(), case_id=case_id,
            subject_id=own_subject(principal, "objections"), actor=principal.actor,
        )  # fmt: skip
    return see_other("/me/disputes?done=withdrawn")


@router.post("/me/repairs/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw_repair(page: GuardedPage, principal: Person, case_id: uuid.UUID) -> Response:
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        repairs.withdraw_repair(
            session, rt.disputes, rt.clock(), case_id=case_id,
            subject_id=own_subject(principal, "repair applications"), actor=principal.actor,
        )  # fmt: skip
    return see_other("/me/disputes?done=withdrawn")
