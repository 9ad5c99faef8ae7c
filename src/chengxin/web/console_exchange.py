"""The console's exchange page (数据共享交换, R-4.4, R-5.2): this node as its peers know it, each
peer with its outbox (what waits, the last error, the next attempt), its acks (回执: what the peer
acknowledged and what awaits its ack) and inbox, and the change events not acknowledged by their
due day of three working days — the overdue deliveries issue H asks to flag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.exchange.nodes import own_node
from chengxin.exchange.outbox import overdue
from chengxin.exchange.status import peer_statuses
from chengxin.web.console_times import beijing
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
Staff = Annotated[Principal, allowed(Permission.CONSOLE_READ)]
OVERDUE_SHOWN = 50


@router.get("/console/exchange", response_class=HTMLResponse)
def exchange(page: GuardedPage, _staff: Staff) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        peers = peer_statuses(session, page.today)
        late, oldest = overdue(session, page.today, limit=OVERDUE_SHOWN)
    return page.render("console_exchange.html", own=own_node(rt.settings, rt.keys),
                       peers=peers, late=late, oldest=oldest, beijing=beijing)  # fmt: skip
