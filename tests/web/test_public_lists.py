"""R-6.5 publicity on the public site: serious-dishonesty and red lists in effect today, masked;
key-supervision, pending, removed and ended listings never shown; search by name and region."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest

from chengxin.identity.masking import mask_id_number, mask_name, mask_uscc
from chengxin.web import publicity
from tests.measures.world import USCC
from tests.web.conftest import HIDDEN, ORG_NAME, PEOPLE, PUBLISHED, Published

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:httpx.*")


def entry_links(html: str) -> set[str]:
    return set(re.findall(r'href="/public/lists/([0-9a-f-]{36})"', html))


def ids(site: Published, *keys: str) -> set[str]:
    return {str(site.entries[k]) for k in keys}


def assert_no_identity_in_clear(html: str) -> None:
    for number, name, _ in PEOPLE.values():
        assert number not in html
        assert name not in html


def search(site: Published, **form: str) -> str:
    answer = site.client.post("/public/lists", data=form, follow_redirects=False)
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r6_5_published_lists_show_masked_entries_and_nothing_else(
    site: Published, lang: str
) -> None:
    html = site.html_of(f"/public/lists?lang={lang}")
    assert entry_links(html) == ids(site, *PUBLISHED)
    assert_no_identity_in_clear(html)
    debtor_number, debtor_name, _ = PEOPLE["debtor"]
    assert mask_name(debtor_name) in html  # 王**
    assert mask_id_number(debtor_number) in html
    assert mask_name("欧阳晓明") == "欧阳**"
    assert "欧阳**" in html
    assert ORG_NAME in html
    assert mask_uscc(USCC) in html
    assert USCC not in html
    assert mask_id_number(PEOPLE["fraud"][0]) not in html  # key supervision is never published
    assert "（2026）京0105执88号" in html  # the decision document
    if lang == "zh":
        assert '<html lang="zh-CN">' in html
        assert "严重失信" in html
        assert "2026年11月2日" in html
        assert "法定代表人" in html  # the representative reached through the enterprise
    else:
        assert '<html lang="en">' in html
        assert "Serious dishonesty" in html
        assert "November 2, 2026" in html
        assert "legal representative" in html


def test_r6_5_an_entry_page_shows_the_basis_and_decision_masked(site: Published) -> None:
    html = site.html_of(f"/public/lists/{site.entries['debtor']}")
    assert_no_identity_in_clear(html)
    assert mask_name("王大明") in html
    assert mask_id_number(PEOPLE["debtor"][0]) in html
    assert "最高人民法院关于公布失信被执行人名单信息的若干规定" in html  # legal basis
    assert "（2026）京0105执88号" in html
    assert "S-COURT 认定单位" in html
    assert "2028年11月2日" in html  # term: 24 months from the day it took effect
    rep = site.html_of(f"/public/lists/{site.entries['rep']}?lang=en")
    assert ORG_NAME in rep
    assert "legal representative" in rep
    assert "周法人" not in rep


@pytest.mark.parametrize("key", HIDDEN)
def test_r6_5_key_supervision_and_unconfirmed_entries_have_no_page(
    site: Published, key: str
) -> None:
    answer = site.client.get(f"/public/lists/{site.entries[key]}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert_no_identity_in_clear(answer.text)


def test_r6_5_removed_and_ended_listings_leave_the_site(fresh: Published) -> None:
    client = fresh.node.client
    fresh.remove(fresh.entries["debtor"])
    html = client.get("/public/lists").text
    assert str(fresh.entries["debtor"]) not in html
    assert client.get(f"/public/lists/{fresh.entries['debtor']}").status_code == 404
    # The debtor list's 24 months end on 2028-11-02 (the Shanghai entry); the wage-arrears
    # entries run 36 months and the moral model has no term. No expiry job has run: the page
    # judges by the dates, as the measures check does.
    fresh.node.clock.now = dt.datetime(2028, 11, 3, 2, tzinfo=dt.UTC)
    later = client.get("/public/lists").text
    assert entry_links(later) == ids(fresh, "model", "org", "rep")


def test_r6_5_search_by_full_name_finds_only_that_person(site: Published) -> None:
    assert entry_links(search(site, name="王大明")) == ids(site, "debtor")
    assert entry_links(search(site, name=" 王 大明 ")) == ids(site, "debtor")  # spaces ignored
    assert entry_links(search(site, name="王大")) == set()  # no partial names of people
    assert entry_links(search(site, name="王")) == set()
    assert entry_links(search(site, name="赵小刚")) == set()  # key supervision
    assert entry_links(search(site, name="孙未定")) == set()  # not confirmed
    assert entry_links(search(site, name="周法人")) == ids(site, "rep")


def test_r6_5_search_by_part_of_an_organisations_name(site: Published) -> None:
    # The enterprise and the person who answers for it (§6.2 落实到人).
    assert entry_links(search(site, name="建筑劳务")) == ids(site, "org", "rep")
    assert entry_links(search(site, name="建筑劳务", kind="red")) == set()


def test_r6_5_search_by_region_prefix(site: Published) -> None:
    beijing = ids(site, "debtor", "model", "org", "rep")
    assert entry_links(site.html_of("/public/lists?region=31")) == ids(site, "shanghai")
    assert entry_links(site.html_of("/public/lists?region=310000")) == ids(site, "shanghai")
    assert entry_links(site.html_of("/public/lists?region=110000")) == beijing
    # The enterprise's code says 110000 (registered at the city level): not within 1101.
    assert entry_links(site.html_of("/public/lists?region=1101")) == beijing - ids(site, "org")
    assert entry_links(site.html_of("/public/lists?region=440300")) == set()
    found = search(site, name="欧阳晓明", region="11")
    assert entry_links(found) == set()
    assert entry_links(search(site, name="欧阳晓明", region="3101")) == ids(site, "shanghai")


def test_r6_5_filter_by_list(site: Published) -> None:
    assert entry_links(site.html_of("/public/lists?kind=red")) == ids(site, "model")
    serious = ids(site, "debtor", "shanghai", "org", "rep")
    assert entry_links(site.html_of("/public/lists?kind=serious_dishonesty")) == serious
    refused = site.client.get("/public/lists?kind=key_supervision")
    assert refused.status_code == 422
    assert "重点关注对象名单不公示" in refused.text
    assert 'href="#field-kind"' in refused.text  # the message links to its field
    assert entry_links(refused.text) == set()


@pytest.mark.parametrize(
    ("region", "rule"),
    [("11010", "2、4 或 6 位"), ("abc", "2、4 或 6 位"), ("１１", "2、4 或 6 位"),
     ("11%", "2、4 或 6 位"), ("' OR 1=1 --", "2、4 或 6 位")],
)  # fmt: skip
def test_bad_region_codes_are_refused_at_the_field(site: Published, region: str, rule: str) -> None:
    answer = site.client.get("/public/lists", params={"region": region})
    assert answer.status_code == 422
    assert rule in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert entry_links(answer.text) == set()


@pytest.mark.parametrize(
    ("path", "params"),
    [("/public/lists", {"region": "9" * 5000}), ("/public/lists", {"kind": "x" * 5000}),
     ("/public/lists", {"page": "9" * 5000}), ("/public/lists", {"lang": "fr"}),
     ("/public/lists/not-a-uuid", {}), (f"/public/lists/{'0' * 5000}", {}),
     ("/public/lists/5ec49b66-a4a0-4372-9444-e5e8499674ca", {}), ("/public/nothing-here", {})],
)  # fmt: skip
def test_hostile_input_gets_an_html_error_page_not_a_server_error(
    site: Published, path: str, params: dict[str, str]
) -> None:
    answer = site.client.get(path, params=params)
    assert answer.status_code in {404, 422}
    assert answer.headers["content-type"].startswith("text/html")
    assert "<main" in answer.text
    assert "9" * 100 not in answer.text


def test_an_overlong_or_odd_name_search_is_refused_or_empty(site: Published) -> None:
    long = site.client.post("/public/lists", data={"name": "张" * 51})
    assert long.status_code == 422
    assert "最多 50 个字" in long.text
    huge = site.client.post("/public/lists", data={"name": "张" * 5000})
    assert huge.status_code == 422
    assert huge.headers["content-type"].startswith("text/html")
    for odd in ("%", "_", "' OR '1'='1", "<script>alert(1)</script>", "\x00"):
        html = search(site, name=odd)
        assert entry_links(html) == set()
        assert "<script>alert" not in html


def test_pages_are_bounded(site: Published, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publicity, "PAGE_SIZE", 2)
    seen: set[str] = set()
    for page in (1, 2, 3):
        html = site.html_of(f"/public/lists?page={page}&lang=en")
        assert f"page {page} of 3" in html
        seen |= entry_links(html)
    assert seen == ids(site, *PUBLISHED)
    assert site.client.get("/public/lists?page=4").status_code == 404
    for bad in ("0", "-1", "1.5", "abc", "1001", "²"):
        assert site.client.get("/public/lists", params={"page": bad}).status_code == 422
    # Name-search pages travel in forms, not links: the name never enters a URL.
    monkeypatch.setattr(publicity, "PAGE_SIZE", 1)
    found = search(site, name="建筑劳务", page="1")
    assert len(entry_links(found)) == 1
    assert 'name="page" value="2"' in found
    assert entry_links(search(site, name="建筑劳务", page="2")) | entry_links(found) == ids(
        site, "org", "rep"
    )


def test_no_personal_information_in_urls(site: Published) -> None:
    name = "王大明"
    answer = site.client.post("/public/lists", data={"name": name}, follow_redirects=False)
    assert answer.status_code == 200
    assert name not in str(answer.url)
    urls = re.findall(r'(?:href|action)="([^"]*)"', answer.text)
    assert urls
    assert all(name not in u and quote(name) not in u for u in urls)
    # A search without a name goes to the bookmarkable address of its filters.
    plain = site.client.post("/public/lists", data={"region": "11", "kind": "red"},
                             follow_redirects=False)  # fmt: skip
    assert plain.status_code == 303
    assert plain.headers["location"] == "/public/lists?kind=red&region=11&page=1"
    for key in PUBLISHED:
        page = site.html_of(f"/public/lists/{site.entries[key]}")
        for url in re.findall(r'(?:href|action|src)="([^"]*)"', page):
            assert all(n not in url and i not in url for i, n, _ in PEOPLE.values())


def test_name_searches_have_their_own_rate_limit(site: Published) -> None:
    for _ in range(20):
        search(site, name="王大明")
    refused = site.client.post("/public/lists", data={"name": "王大明"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("text/html")
    assert site.client.get("/public/lists").status_code == 200  # browsing goes on


def test_a_name_search_over_too_many_entries_asks_to_narrow_first(
    site: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publicity, "MAX_NAME_SEARCH", 3)
    html = search(site, name="王大明")
    assert "条目过多" in html
    assert entry_links(html) == set()
    assert entry_links(search(site, name="王大明", kind="serious_dishonesty",
                              region="110105")) == ids(site, "debtor")  # fmt: skip
