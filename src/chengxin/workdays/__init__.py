"""Working days (工作日): statutory holidays (法定节假日) and adjusted working days (调休上班).

Rules are data: chinese-calendar gives the years it knows, and holiday files (YAML, one per
year, shipped in `data/` or put by the operator in CHENGXIN_HOLIDAYS_DIR) replace a year's data
when the State Council publishes its schedule. Use:

* `loader.load_calendar(extra_dir)` → `rules.Calendar` (raises `loader.HolidayFileError`);
* `Calendar.add_workdays(start, n)` → `DayResult(date, provisional)`, the n-th working day
  after `start` (start not counted);
* `Calendar.between(a, b)` → `CountResult(count, provisional)`, working days in (a, b];
* `Calendar.is_workday(day)`, `Calendar.provisional(day)`, `Calendar.known_until`.

A day in a year without data is counted weekends-only and the answer is marked provisional.
Modules are imported where they are used, so that importing this package stays cheap.
"""
