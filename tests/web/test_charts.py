"""Charts drawn on the server for the console's dashboard (R-7.3): well-formed SVG that names
itself to screen readers, every label escaped, nothing drawn from nothing, and the numbers of the
table beside each chart the same as the chart's."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chengxin.web.charts import PALETTE, Chart, Series, fold, nice_top, number

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&'


def chart(kind: str = "stacked", **kw: object) -> Chart:
    given: dict[str, object] = {
        "ident": "c", "kind": kind, "title": "Records", "desc": "Over time", "axis": "Day",
        "categories": ("2026-11-01", "2026-11-02"), "empty": "Nothing in this period.",
        "series": (Series("tax", (2.0, 0.0)), Series("traffic", (1.0, 3.0))),
    } | kw  # fmt: skip
    return Chart(**given)  # type: ignore[arg-type]


def parsed(c: Chart) -> ET.Element:
    return ET.fromstring(str(c.svg()).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))  # noqa: S314


@pytest.mark.parametrize("kind", ["stacked", "lines", "hbars"])
def test_r7_3_a_chart_is_an_image_with_a_title_and_a_description(kind: str) -> None:
    root = parsed(chart(kind))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-t c-d"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == "Records"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Over time"  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["stacked", "lines", "hbars"])
def test_r7_3_hostile_labels_are_escaped_everywhere(kind: str) -> None:
    c = chart(kind, title=HOSTILE, desc=HOSTILE, categories=(HOSTILE, "b"), ticks=(HOSTILE, "b"),
              series=(Series(HOSTILE, (1.0, 2.0)), Series("x", (1.0, 1.0))))  # fmt: skip
    for markup in (str(c.svg()), str(c.legend())):
        assert "<script" not in markup
        assert "&lt;script&gt;" in markup
    root = parsed(c)  # still well-formed
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]


def test_r7_3_the_table_holds_the_numbers_the_chart_draws() -> None:
    c = chart()
    assert c.headings == ["Day", "tax", "traffic"]
    assert c.rows == [["2026-11-01", "2", "1"], ["2026-11-02", "0", "3"]]
    root = parsed(c)
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 3  # a zero draws nothing
    assert [b.find(f"{SVG}title").text for b in bars] == [  # type: ignore[union-attr]
        "2026-11-01 · tax: 2",
        "2026-11-01 · traffic: 1",
        "2026-11-02 · traffic: 3",
    ]
    heights = [float(b.get("height", 0)) for b in bars]
    assert heights[2] == pytest.approx(3 * heights[1], abs=0.2)  # one scale for every bar
    assert {b.get("fill") for b in bars} == set(PALETTE[:2])


def test_r7_3_shares_show_as_percentages_and_a_missing_share_is_a_dash() -> None:
    c = chart("lines", percent=True, series=(Series("on time", (50.0, None)),))
    assert c.rows == [["2026-11-01", "50.0%"], ["2026-11-02", "–"]]
    root = parsed(c)
    assert len(root.findall(f"{SVG}circle")) == 1  # the missing one is left out
    assert root.findall(f"{SVG}path") == []  # one point draws no line
    assert not chart("lines", percent=True, series=(Series("x", (0.0, None)),)).is_empty  # 0%


def test_r7_3_an_empty_chart_says_so_and_draws_no_marks() -> None:
    for c in (chart(series=(Series("tax", (0.0, 0.0)),)), chart("hbars", categories=(), series=()),
              chart("lines", percent=True, series=(Series("x", (None, None)),))):  # fmt: skip
        root = parsed(c)
        assert c.is_empty
        assert [t.text for t in root.findall(f"{SVG}text")] == ["Nothing in this period."]
        assert root.findall(f"{SVG}rect") == root.findall(f"{SVG}circle") == []
        assert str(c.legend()) == ""


def test_r7_3_the_legend_names_each_series_once_with_its_colour() -> None:
    legend = str(chart().legend())
    assert legend.count("<li>") == 2
    assert "tax" in legend
    assert "traffic" in legend
    assert PALETTE[0] in legend
    assert PALETTE[1] in legend
    assert 'aria-hidden="true"' in legend
    assert str(chart(series=(Series("tax", (1.0, 1.0)),)).legend()) == ""  # the title says it


def test_r7_3_many_series_fold_into_other_and_long_labels_are_clipped() -> None:
    many = [Series(f"s{i}", (float(i), 1.0)) for i in range(10)]
    folded = fold(many, 3, "Other")
    assert [s.label for s in folded] == ["s9", "s8", "s7", "Other"]
    assert folded[-1].values == (sum(range(7)), 7.0)
    assert len(fold(many[:4], 3, "Other")) == 4  # no "Other" of one series
    long = "很长的名单名称" * 10
    c = chart("hbars", categories=(long, "b"))
    assert long not in str(parsed(c).find(f"{SVG}text").text)  # type: ignore[union-attr]
    assert c.rows[0][0] == long  # the table keeps it whole


def test_r7_3_round_axes_and_plain_numbers() -> None:
    assert nice_top(0) == (1.0, 1.0)
    assert nice_top(3) == (3.0, 1.0)
    assert nice_top(87) == (100.0, 50.0)
    assert nice_top(1234) == (1500.0, 500.0)
    assert (number(3.0), number(2.5), number(None), number(12.345, percent=True)) == (
        "3", "2.5", "–", "12.3%")  # fmt: skip


def test_a_chart_refuses_series_that_do_not_fit_it() -> None:
    with pytest.raises(ValueError, match="one value per category"):
        chart(series=(Series("x", (1.0,)),))
    with pytest.raises(ValueError, match="ident"):
        chart(ident='x" onload="')
    with pytest.raises(ValueError, match="tick"):
        chart(ticks=("a",))
