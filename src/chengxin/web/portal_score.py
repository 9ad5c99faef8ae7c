"""My integrity score (诚信分, R-5.4) on the portal: what it is and an opt-in button for a person
who has not opted in; the score with its explanation, line by line, and an opt-out button (the
score is deleted) for one who has. Through the API's verbs; the score is informational."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.scoring import service
from chengxin.scoring.views import NOTICE
from chengxin.web import portal_reads
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage
from chengxin.web.portal_forms import see_other

router = APIRouter(include_in_schema=False)
Person = Annotated[Principal, allowed(Permission.OWN_SCORE)]
CAPS = {  # what cut a line (`scoring.rules.Line.caps`)
    "record": N_("the rule's limit per record"),
    "rule": N_("the rule's limit in all"),
    "category": N_("the category's limit"),
    "bounds": N_("the scale's lowest or highest score"),
}
CATEGORIES = {
    "good": N_("Good records (守信)"),
    "bad": N_("Records of dishonesty (失信)"),
    "serious": N_("Records of serious dishonesty (严重失信)"),
}
DONE = {
    "in": N_("You opted in: your score was computed."),
    "out": N_("You opted out: your score was deleted."),
}


@router.get("/me/score", response_class=HTMLResponse)
def my_score(
    page: GuardedPage, principal: Person, done: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    rt = page.runtime
    now = rt.clock()
    model = service.model_for(rt, now)
    subject_id = own_subject(principal, "a score")
    breakdown, names = None, {}
    try:
        # As the API's GET: the stored score is brought up to date when it differs.
        with rt.sessions() as session, session.begin():
            breakdown = service.current_score(session, model, now, subject_id)[1]
            names = portal_reads.item_names(
                session, rt.catalog, [line.record_id for line in breakdown.lines]
            )
    except service.NotOptedIn:
        pass
    return page.render(
        "me_score.html", model=model, breakdown=breakdown, names=names, caps=CAPS,
        categories=CATEGORIES, notice=NOTICE[page.lang], done=DONE.get(done),
    )  # fmt: skip


@router.post("/me/score/opt-in", response_class=HTMLResponse)
def opt_in(page: GuardedPage, principal: Person) -> Response:
    """The person's authorisation (PIPL art. 24); the score is computed at once."""
    rt = page.runtime
    now = rt.clock()
    model = service.model_for(rt, now)
    with rt.sessions() as session, session.begin():
        service.opt_in(session, now, subject_id=own_subject(principal, "a score"), model=model,
                       actor=principal.actor)  # fmt: skip
    return see_other("/me/score?done=in")


@router.post("/me/score/opt-out", response_class=HTMLResponse)
def opt_out(page: GuardedPage, principal: Person) -> Response:
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        service.opt_out(session, rt.clock(), subject_id=own_subject(principal, "a score"),
                        actor=principal.actor)  # fmt: skip
    return see_other("/me/score?done=out")
