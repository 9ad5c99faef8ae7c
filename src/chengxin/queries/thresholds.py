"""When a caller's queries look unusual enough to flag (R-3.2), from the node's settings."""

from __future__ import annotations

from dataclasses import dataclass

from chengxin.settings import Settings


@dataclass(frozen=True)
class Thresholds:
    subjects_per_hour: int
    refusals_per_hour: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.flag_subjects_per_hour, settings.flag_refusals_per_hour)
