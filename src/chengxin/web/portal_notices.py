"""My notices (站内信) on the portal: the inbox, newest first, with a button to mark a notice read
and one to mark them all read; and the e-mail address notices are also sent to — shown masked,
set or removed. Through the API's verbs (`notifications.service`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import ChengxinError
from chengxin.notifications import service
from chengxin.web import portal_reads
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.portal_forms import Checks, Messages, raw, see_other

router = APIRouter(include_in_schema=False)
Citizen = Annotated[Principal, allowed(Permission.OWN_NOTIFICATIONS)]
MESSAGES: Messages = {
    ("email", "required"): N_("Enter an e-mail address"),
    ("email", "max-length"): N_("An e-mail address has at most 254 characters"),
    ("email", "ascii"): N_("Write the address in Latin letters (a domain in Chinese as xn--…)"),
    ("email", None): N_("Enter an e-mail address like name@example.com"),
}
DONE = {
    "read": N_("The notices were marked as read."),
    "email": N_("Your e-mail address was saved. Notices are now also sent to it."),
    "no-email": N_("Your e-mail address was removed. Notices are no longer sent by e-mail."),
}


def _page(page: PageRequest, principal: Principal, status: int = 200, **context: Any) -> Response:
    rt = page.runtime
    subject_id = own_subject(principal, "notices")
    with rt.reads() as session:
        notices = portal_reads.inbox(session, subject_id)
        contact = service.contact_view(session, rt.keys, subject_id=subject_id)
    shown = {"email": "", "errors": {}, "done": None} | context
    return page.render("me_notifications.html", status=status, notices=notices, contact=contact,
                       **shown)  # fmt: skip


@router.get("/me/notifications", response_class=HTMLResponse)
def my_notifications(
    page: GuardedPage, principal: Citizen, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return _page(page, principal, done=DONE.get(done))


@router.post("/me/notifications/{notification_id}/read", response_class=HTMLResponse)
def mark_read(page: GuardedPage, principal: Citizen, notification_id: uuid.UUID) -> Response:
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        service.mark_read(session, rt.clock(), notification_id=notification_id,
                          subject_id=own_subject(principal, "notices"))  # fmt: skip
    return see_other(f"/me/notifications#notice-{notification_id}")


@router.post("/me/notifications/read-all", response_class=HTMLResponse)
def mark_all_read(page: GuardedPage, principal: Citizen) -> Response:
    """Every unread notice the inbox can show, one verb call each (the first reading counts)."""
    rt = page.runtime
    subject_id = own_subject(principal, "notices")
    now = rt.clock()
    with rt.sessions() as session, session.begin():
        unread = service.inbox(session, subject_id=subject_id, unread_only=True,
                               limit=service.MAX_INBOX)  # fmt: skip
        for notice in unread:
            service.mark_read(session, now, notification_id=notice.id, subject_id=subject_id)
    return see_other("/me/notifications?done=read")


@router.post("/me/contact", response_class=HTMLResponse)
def set_contact(
    page: GuardedPage, principal: Citizen, email: Annotated[str, raw(1000)] = ""
) -> Response:
    rt = page.runtime
    checks = Checks(MESSAGES)
    try:
        with rt.sessions() as session, session.begin():
            service.set_contact(session, rt.keys, rt.clock(), email=email.strip(),
                                subject_id=own_subject(principal, "notices"))  # fmt: skip
        return see_other("/me/notifications?done=email")
    except ChengxinError as refused:
        checks.refuse(refused)
    return _page(page, principal, 422, email=email, errors=checks.errors)


@router.post("/me/contact/delete", response_class=HTMLResponse)
def delete_contact(page: GuardedPage, principal: Citizen) -> Response:
    rt = page.runtime
    with rt.sessions() as session, session.begin():
        service.clear_contact(session, subject_id=own_subject(principal, "notices"))
    return see_other("/me/notifications?done=no-email")
