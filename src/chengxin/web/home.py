"""The landing page of a node: what it is, in Chinese by default and English on request."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from chengxin.clock import china_today
from chengxin.collection.models import Source
from chengxin.identity.models import Subject, SubjectKind
from chengxin.records.models import Record, RecordStatus
from chengxin.runtime import Runtime

router = APIRouter(include_in_schema=False)

TEXT = {
    "zh": {
        "title": "诚信 · 个人公共信用信息平台",
        "lead": "本节点归集、保存并依法提供个人公共信用信息。",
        "node": "节点行政区划代码",
        "items": "现行目录事项",
        "people": "已登记自然人",
        "orgs": "已登记组织",
        "records": "现行信用记录",
        "sources": "数据提供单位",
        "links": "接口",
        "catalog": "公共信用信息目录（JSON）",
        "api": "接口说明（OpenAPI）",
        "switch": "English",
    },
    "en": {
        "title": "chengxin · personal public credit information platform",
        "lead": (
            "This node collects, keeps and lawfully provides personal public credit information."
        ),
        "node": "Node region code",
        "items": "Catalog items in force",
        "people": "Registered natural persons",
        "orgs": "Registered organisations",
        "records": "Records in force",
        "sources": "Data-providing units",
        "links": "Interfaces",
        "catalog": "Public credit information catalog (JSON)",
        "api": "API description (OpenAPI)",
        "switch": "中文",
    },
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: Literal["zh", "en"] = "zh") -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    today: dt.date = china_today(runtime.clock())
    with runtime.sessions() as session:
        found = session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all()
        records = session.scalar(
            select(func.count()).select_from(Record).where(Record.status == RecordStatus.ACTIVE)
        )
        source_count = session.scalar(select(func.count()).select_from(Source))
    counts: dict[SubjectKind, int] = dict(found)
    t = TEXT[lang]
    other = "en" if lang == "zh" else "zh"
    rows = [
        (t["node"], runtime.settings.region_code),
        (t["items"], str(len(runtime.catalog.items(today)))),
        (t["people"], str(counts.get(SubjectKind.PERSON, 0))),
        (t["orgs"], str(counts.get(SubjectKind.ORGANISATION, 0))),
        (t["records"], str(records or 0)),
        (t["sources"], str(source_count or 0)),
    ]
    table = "".join(
        f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows
    )
    page = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t["title"])}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:48rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a;line-height:1.6}}th{{text-align:left;padding-right:2rem}}
a{{color:#0b4f9c}}</style></head>
<body><header><h1>{escape(t["title"])}</h1>
<p><a href="/?lang={other}" lang="{other}">{t["switch"]}</a></p></header>
<main><p>{escape(t["lead"])}</p><table>{table}</table>
<h2>{escape(t["links"])}</h2><ul>
<li><a href="/api/v1/catalog/items">{escape(t["catalog"])}</a></li>
<li><a href="/openapi.json">{escape(t["api"])}</a></li></ul></main></body></html>"""
    return HTMLResponse(page)
