"""The dashboard's tables (R-7.3): every figure by region and by unit, beside the charts that
draw them. Rows are tuples of cells as shown; pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from chengxin.web.charts import number
from chengxin.web.console_figures import Dashboard
from chengxin.web.console_series import Day

Row = tuple[str | int, ...]


def share(part: int, whole: int) -> str:
    return number(100 * part / whole if whole else None, percent=True)


def nearest_rank(counted: Iterable[tuple[int, int]], fraction: float) -> int:
    """The value at `fraction` of a distribution given as (value, how often), nearest-rank."""
    ordered = sorted(counted)
    total = sum(n for _, n in ordered)
    seen = 0
    for value, n in ordered:
        seen += n
        if seen >= fraction * total:
            return value
    raise ValueError("an empty distribution has no rank")


def _summed(days: Iterable[Day], key: Callable[[Day], str], width: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(lambda: [0] * width)
    for d in days:
        for i, n in enumerate(d.counts):
            found[key(d)][i] += n
    return found


def regions(dash: Dashboard) -> list[Row]:
    """One row a region one level below the one in focus (all: provinces)."""
    level = dash.scope.region_level()

    def at(d: Day) -> str:
        return d.region[:level]

    records = _summed(dash.records, at, 1)
    batches = _summed(dash.batches, at, 3)
    cases = [_summed([*dash.objections[0], *dash.repairs[0]], at, 2),
             _summed([*dash.objections[1], *dash.repairs[1]], at, 2)]  # fmt: skip
    lists: Counter[str] = Counter()
    for f in dash.lists:
        lists[f.region[:level]] += f.in_effect
    tipoffs: Counter[str] = Counter()
    for region, _state, n in dash.tipoffs:
        tipoffs[region[:level]] += n
    applied: Counter[str] = Counter()
    for region, m in dash.measures:
        applied[region[:level]] += m.applied
    keys = {*records, *batches, *cases[0], *cases[1], *lists, *tipoffs, *applied}
    rows: list[Row] = []
    for key in sorted(keys):
        _n, total, refused = batches[key]
        filed, decided = cases[0][key][0], cases[1][key]
        rows.append((key, records[key][0], total, refused, share(refused, total), filed,
                     decided[0], share(decided[1], decided[0]), lists[key], applied[key],
                     tipoffs[key]))  # fmt: skip
    return rows


def batches(dash: Dashboard) -> list[Row]:
    found = _summed(dash.batches, lambda d: f"{d.region} {d.source}", 3)
    rows: list[Row] = []
    for key, (n, total, refused) in sorted(found.items()):
        region, unit = key.split(" ")
        rows.append((region, unit, dash.units.get(unit, ""), n, total, refused,
                     share(refused, total)))  # fmt: skip
    return rows


def cases(which: tuple[list[Day], list[Day]]) -> list[Row]:
    """Filed in the period (and still open), decided in it (and on time), by unit."""
    filed = _summed(which[0], lambda d: f"{d.region} {d.source}", 2)
    decided = _summed(which[1], lambda d: f"{d.region} {d.source}", 2)
    rows: list[Row] = []
    for key in sorted({*filed, *decided}):
        region, unit = key.split(" ")
        done, on_time = decided[key]
        rows.append((region, unit, *filed[key], done, on_time, share(on_time, done)))
    return rows


def delays(dash: Dashboard) -> list[Row]:
    """Records that arrived in the period by unit, with the median and 90th percentile of the
    days from their decision to their arrival."""
    found: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for region, unit, days, n in dash.delays:
        found[(region, unit)].append((days, n))
    return [(region, unit, sum(n for _, n in counted), nearest_rank(counted, 0.5),
             nearest_rank(counted, 0.9))
            for (region, unit), counted in sorted(found.items())]  # fmt: skip


def lists(dash: Dashboard, name: Callable[[str], str]) -> list[Row]:
    return [(f.region, name(f.list_type), f.in_effect, f.took_effect, f.removed)
            for f in dash.lists]  # fmt: skip


def measures(dash: Dashboard, name: Callable[[str], str]) -> list[Row]:
    return [(m.measure, name(m.measure), m.department, region, m.returned, m.applied, m.skipped,
             m.overridden, m.awaiting) for region, m in dash.measures]  # fmt: skip
