"""Rendering a page: one Jinja environment per language (autoescaped, gettext installed), the
`Page` dependency that picks the language and counts the caller against the rate limit, and the
headers every page carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from chengxin import __version__
from chengxin.access.permissions import Role
from chengxin.access.ratelimit import RateLimiter
from chengxin.clock import china_today
from chengxin.errors import TooManyRequests
from chengxin.runtime import Runtime
from chengxin.web.i18n import COOKIE, HTML_LANG, Lang, as_lang, choose, long_date, translations
from chengxin.web.navigation import may_open
from chengxin.web.viewer import viewer_of

TEMPLATES = Path(__file__).parent / "templates"
COOKIE_DAYS = 365
# The language switch carries over the query parameters the page declares (filters, a record's
# id, a page number: never a name or an ID number, which travel in POST bodies), up to this many;
# anything else in the address is dropped rather than reflected.
KEPT_PARAMS = 10
HEADERS = {
    # No script runs on these pages; forms post only here; no page is framed elsewhere.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Vary": "Accept-Language, Cookie",
}


@cache
def environment(lang: Lang) -> Environment:
    """Templates shared by every request in `lang`: one environment a language, so that no
    request installs translations into another's."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    other: Lang = "en" if lang == "zh" else "zh"
    env.globals.update(
        lang=lang, html_lang=HTML_LANG[lang], other_html_lang=HTML_LANG[other], version=__version__
    )
    env.filters["date"] = lambda day: long_date(day, lang)
    env.filters["pick"] = lambda text: text.zh if lang == "zh" else text.en  # a Bilingual
    return env


def _query_names(dependant: Dependant) -> set[str]:
    names, stack = set(), [dependant]
    while stack:
        found = stack.pop()
        names |= {param.alias for param in found.query_params}
        stack.extend(found.dependencies)
    return names


def switch_href(request: Request, to: Lang, *, keep: bool) -> str:
    route = request.scope.get("route")
    declared = _query_names(route.dependant) if keep and isinstance(route, APIRoute) else set()
    items = request.query_params.multi_items()
    kept = [(k, v) for k, v in items if k in declared and k != "lang"][:KEPT_PARAMS]
    return f"{request.url.path}?{urlencode([*kept, ('lang', to)])}"


def render(
    request: Request,
    lang: Lang,
    template: str,
    *,
    status: int = 200,
    remember: bool = False,
    **context: Any,
) -> HTMLResponse:
    """The page `template` in `lang`; `remember` sets the language cookie (an explicit choice).
    The language switch keeps the page's filters, except on an error page (they were refused)."""
    other: Lang = "en" if lang == "zh" else "zh"
    switch = switch_href(request, other, keep=status < 400)
    page = environment(lang).get_template(template)
    viewer = viewer_of(request)
    role = viewer.role if viewer else Role.PUBLIC
    html = page.render(
        path=request.url.path, switch_href=switch, viewer=viewer,
        may_open=lambda href: may_open(request.app, role, href), **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    if remember:
        runtime: Runtime = request.app.state.runtime
        response.set_cookie(
            COOKIE, lang, max_age=COOKIE_DAYS * 86400, path="/", httponly=True,
            samesite="lax", secure=runtime.settings.cookie_secure,
        )  # fmt: skip
    return response


def page_lang(request: Request) -> Lang:
    """The language for a page whose parameters may not have been validated (error pages)."""
    return choose(
        as_lang(request.query_params.get("lang")),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def count_hit(request: Request, limiter: RateLimiter) -> None:
    """The public caller's share of `limiter`, by address (as the API counts the public)."""
    wait = limiter.hit(f"client:{request.client.host if request.client else '-'}")
    if wait is not None:
        raise TooManyRequests(
            f"more than {limiter.per_minute} requests a minute", retry_after=wait,
            field="rate", rule="rate-limit",
        )  # fmt: skip


@dataclass(frozen=True)
class PageRequest:
    request: Request
    runtime: Runtime
    lang: Lang
    remember: bool  # `?lang=` was given: set the cookie

    @property
    def today(self) -> dt.date:
        return china_today(self.runtime.clock())

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        return render(
            self.request, self.lang, template, status=status, remember=self.remember, **context
        )


def page_request(
    request: Request,
    lang: Annotated[Lang | None, Query(description="zh (default) or en; remembered")] = None,
) -> PageRequest:
    count_hit(request, request.app.state.rate_limiter)
    return guarded_page_request(request, lang)


def guarded_page_request(
    request: Request,
    lang: Annotated[Lang | None, Query(description="zh (default) or en; remembered")] = None,
) -> PageRequest:
    chosen = choose(lang, request.cookies.get(COOKIE), request.headers.get("accept-language"))
    # Who is looking is read now, before the route opens a session of its own: on SQLite a
    # second session opened while the route's holds a write transaction would wait for it.
    viewer_of(request)
    return PageRequest(request, request.app.state.runtime, chosen, remember=lang is not None)


Page = Annotated[PageRequest, Depends(page_request)]
# For a route guarded by `allowed(...)`, which counts the caller against the rate limit itself.
GuardedPage = Annotated[PageRequest, Depends(guarded_page_request)]
