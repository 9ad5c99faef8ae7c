"""R-1.4 masked forms shown by default."""

from __future__ import annotations

import pytest

from chengxin.identity.masking import mask_id_number, mask_name


def test_r1_4_id_number_keeps_first_six_and_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # a two-character name is surname 欧 and given name 阳
        ("阿依古丽·买买提", "阿*******"),
        ("李", "*"),
        ("John Smith", "J*********"),
    ],
)
def test_r1_4_names_keep_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked
