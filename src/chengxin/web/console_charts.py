"""The dashboard's charts (R-7.3), made from its figures in the reader's language: figures over
time bucketed by day, week, month or year (Beijing dates), the rest by region, delay, unit, list
type and measure. Pure: no database, no request."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from chengxin.web.charts import Chart, Kind, Series, fold
from chengxin.web.console_figures import Dashboard
from chengxin.web.console_period import Grain, bucket_of, buckets, grain_of, label
from chengxin.web.console_series import Day
from chengxin.web.i18n import N_

Gettext = Callable[[str], str]
SHOWN = 6  # series drawn before the rest are summed into "Other" (the tables keep every one)
AXES = {Grain.DAY: N_("Day"), Grain.WEEK: N_("Week from"), Grain.MONTH: N_("Month"),
        Grain.YEAR: N_("Year")}  # fmt: skip
DELAY_BANDS = ((7, N_("within 7 days")), (30, N_("8 to 30 days")), (90, N_("31 to 90 days")),
               (365, N_("91 days to a year")), (None, N_("over a year")))  # fmt: skip


class Grid:
    """The time buckets of the period and where each day falls."""

    def __init__(self, dash: Dashboard, gettext: Gettext) -> None:
        self.grain = grain_of(dash.first_day, dash.scope.end)
        self.starts = buckets(dash.first_day, dash.scope.end, self.grain)
        self.first = dash.first_day  # the first bucket may start before the period
        self.gettext = gettext

    def sums(self, days: Iterable[Day], at: int, key: Callable[[Day], str]) -> list[Series]:
        """Counts (`at` of each day's counts) per bucket, a series for each `key`."""
        position = {start: i for i, start in enumerate(self.starts)}
        found: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(self.starts))
        for d in days:
            i = position.get(bucket_of(d.day, self.grain))
            if i is not None:
                found[key(d)][i] += d.counts[at]
        return [Series(k, tuple(v)) for k, v in sorted(found.items())]

    def total(self, days: Iterable[Day], at: int) -> tuple[float, ...]:
        found = self.sums(days, at, lambda _: "")
        return tuple(v or 0.0 for v in found[0].values) if found else (0.0,) * len(self.starts)

    def chart(self, ident: str, kind: Kind, title: str, series: Iterable[Series], *,
              percent: bool = False) -> Chart:  # fmt: skip
        labels = [label(max(s, self.first), self.grain) for s in self.starts]
        return Chart(
            ident=ident, kind=kind, title=title, axis=self.gettext(AXES[self.grain]),
            series=tuple(series), percent=percent,
            desc=self.gettext("Over time; the numbers are in the table that follows."),
            categories=tuple(full for full, _ in labels), ticks=tuple(t for _, t in labels),
            empty=self.gettext("Nothing in this period."),
        )  # fmt: skip


def rate(part: Iterable[float], whole: Iterable[float]) -> tuple[float | None, ...]:
    """Percentages; none where there is nothing to divide by."""
    return tuple(100 * p / w if w else None for p, w in zip(part, whole, strict=True))


def over_time(dash: Dashboard, gettext: Gettext, name: Callable[[str], str]) -> dict[str, Chart]:
    grid = Grid(dash, gettext)
    other = gettext("Other")
    by_domain = [Series(name(s.label), s.values) for s in grid.sums(dash.records, 0, _key)]
    charts = {
        "by_domain": grid.chart("records-domain", "stacked", gettext("Records received by domain"),
                                fold(by_domain, SHOWN, other)),
        "by_unit": grid.chart("records-unit", "stacked", gettext("Records received by unit"),
                              fold(grid.sums(dash.records, 0, _unit), SHOWN, other)),
        "refusals": grid.chart("refusals-time", "lines", gettext("Share of rows refused"),
                               [Series(gettext("Refusal rate"),
                                       rate(grid.total(dash.batches, 2),
                                            grid.total(dash.batches, 1)))], percent=True),
    }  # fmt: skip
    filed, on_time = [], []
    for kind, (opened, decided) in ((gettext("Objections"), dash.objections),
                                    (gettext("Repairs"), dash.repairs)):  # fmt: skip
        filed.append(Series(kind, grid.total(opened, 0)))
        on_time.append(Series(kind, rate(grid.total(decided, 1), grid.total(decided, 0))))
    charts["cases"] = grid.chart("cases-filed", "lines", gettext("Objections and repairs filed"),
                                 filed)  # fmt: skip
    charts["on_time"] = grid.chart("cases-on-time", "lines",
                                   gettext("Share of decisions made on time"), on_time,
                                   percent=True)  # fmt: skip
    return charts


def _key(d: Day) -> str:
    return d.key


def _unit(d: Day) -> str:
    return d.source


def _bars(ident: str, title: str, axis: str, counts: dict[str, list[float]], *,
          series: list[str], gettext: Gettext, percent: bool = False) -> Chart:  # fmt: skip
    keys = sorted(counts)
    return Chart(
        ident=ident, kind="hbars", title=title, axis=axis, percent=percent,
        desc=gettext("The numbers are in the table that follows."), categories=tuple(keys),
        series=tuple(Series(s, tuple(counts[k][i] for k in keys)) for i, s in enumerate(series)),
        empty=gettext("Nothing in this period."),
    )  # fmt: skip


def snapshots(dash: Dashboard, gettext: Gettext, name: Callable[[str], str]) -> dict[str, Chart]:
    """Charts of the period as a whole, or of its last day (list sizes)."""
    level = dash.scope.region_level()
    regions: Counter[str] = Counter()
    for d in dash.records:
        regions[d.region[:level]] += d.counts[0]
    bands: Counter[str] = Counter()
    for _region, _unit, days, n in dash.delays:
        bands[next(b for top, b in DELAY_BANDS if top is None or days <= top)] += n
    rows: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for d in dash.batches:
        rows[d.source] += d.counts[1]
        refused[d.source] += d.counts[2]
    lists: Counter[str] = Counter()
    for f in dash.lists:
        lists[name(f.list_type)] += f.in_effect
    measures: dict[str, list[float]] = defaultdict(lambda: [0.0] * 4)
    for _region, m in dash.measures:
        for i, n in enumerate((m.applied, m.skipped, m.overridden, m.awaiting)):
            measures[m.measure][i] += n  # codes: the names are long (the table has them)
    one = gettext("Records")
    return {
        "regions": _bars("records-region", gettext("Records received by region"),
                         gettext("Region"), {k: [v] for k, v in regions.items()},
                         series=[one], gettext=gettext),
        "delays": Chart(
            ident="arrival-delay", kind="hbars", title=gettext("Time from decision to arrival"),
            desc=gettext("The numbers are in the table that follows."), axis=gettext("Time"),
            categories=tuple(gettext(band) for _, band in DELAY_BANDS),
            series=(Series(one, tuple(float(bands[band]) for _, band in DELAY_BANDS)),),
            empty=gettext("Nothing in this period."),
        ),
        "refusal_rates": _bars(
            "refusals-unit", gettext("Share of rows refused, by unit"), gettext("Unit"),
            {u: [100 * refused[u] / n] for u, n in rows.items() if n},
            series=[gettext("Refusal rate")], gettext=gettext, percent=True,
        ),
        "lists": _bars("lists-type", gettext("Listings in effect on the period's last day"),
                       gettext("List type"), {k: [v] for k, v in lists.items() if v},
                       series=[gettext("Listings in effect")], gettext=gettext),
        "measures": _bars(
            "measures-applied", gettext("Measures returned by checks, and what was done"),
            gettext("Measure"), measures,
            series=[gettext("Applied"), gettext("Skipped"), gettext("Overridden"),
                    gettext("Awaiting feedback")], gettext=gettext,
        ),
    }  # fmt: skip
