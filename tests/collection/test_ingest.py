"""Ingestion end to end on SQLite and PostgreSQL (R-2.2, R-2.3, R-2.5, R-2.6, R-1.2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from chengxin.collection import service
from chengxin.collection.models import Batch, BatchError
from chengxin.collection.readers import Limits
from chengxin.errors import ChengxinError, Forbidden, InvalidInput
from chengxin.identity import service as identity
from chengxin.identity.models import IdentityReview, Subject
from chengxin.records import service as records
from chengxin.records.models import Record, RecordStatus, RecordVersion
from tests.collection.conftest import (
    PENALTY_HEADERS,
    Node,
    penalty_row,
    person,
    write_csv,
    write_jsonl,
)

MakeFile = Callable[..., Path]


def count(node: Node, model: type) -> int:
    with node.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def errors_of(node: Node, batch_id: object) -> list[tuple[int, str | None, str | None]]:
    with node.sessions() as session:
        return [(e.row_number, e.field, e.rule) for e in service.batch_errors(session, batch_id)]  # type: ignore[arg-type]


def test_r2_2_a_csv_batch_is_accepted_with_display_windows(node: Node, penalties: MakeFile) -> None:
    receipt = node.ingest(penalties([penalty_row(i) for i in range(5)]))
    assert (receipt.rows_total, receipt.accepted, receipt.refused) == (5, 5, 0)
    assert receipt.encoding == "utf-8"
    with node.sessions() as session:
        record = session.scalars(select(Record).where(Record.source_record_id == "R1")).one()
    # A general-severity penalty of 2026-05-10 under NDRC Order 36: 3 months to 1 year.
    assert record.publicised
    assert (record.display_start.isoformat(), record.display_earliest_end.isoformat(),
            record.display_latest_end.isoformat()) == ("2026-05-10", "2026-08-10", "2027-05-10")  # type: ignore[union-attr]  # fmt: skip
    assert record.document_number == "京税罚〔2026〕1号"
    assert json.loads(record.content)["fine_amount"] == "5000"
    assert count(node, RecordVersion) == 5


def test_r2_2_re_sending_the_same_file_changes_nothing(node: Node, penalties: MakeFile) -> None:
    path = penalties([penalty_row(i) for i in range(3)])
    first = node.ingest(path)
    again = node.ingest(path)
    assert (first.accepted, again.accepted, again.duplicate) == (3, 0, 3)
    # The second sending gets its own receipt; no record or version is added.
    assert (count(node, Batch), count(node, Record), count(node, RecordVersion)) == (2, 3, 3)


def test_r2_3_returning_to_an_earlier_content_is_a_correction(
    node: Node, penalties: MakeFile
) -> None:
    original = penalties([penalty_row(1)], "a.csv")
    node.ingest(original)
    node.ingest(penalties([penalty_row(1, fine="9000")], "b.csv"))
    back = node.ingest(original)
    assert back.corrected == 1
    with node.sessions() as session:
        record = session.scalars(select(Record)).one()
    assert (record.version, json.loads(record.content)["fine_amount"]) == (3, "5000")


def test_r2_3_correction_and_revocation_make_versions_with_history(
    node: Node, penalties: MakeFile, tmp_path: Path
) -> None:
    node.ingest(penalties([penalty_row(1), penalty_row(2)], "first.csv"))
    second = node.ingest(penalties([penalty_row(1, fine="8000"), penalty_row(2)], "second.csv"))
    assert (second.corrected, second.duplicate, second.accepted) == (1, 1, 0)
    revoke = write_csv(tmp_path / "revoke.csv", [*PENALTY_HEADERS, "操作"],
                       [[*penalty_row(1, fine="8000"), "撤销"]])  # fmt: skip
    assert node.ingest(revoke).revoked == 1
    with node.sessions() as session:
        record = session.scalars(select(Record).where(Record.source_record_id == "R1")).one()
        versions = records.history(session, record.id)
    assert record.status is RecordStatus.REVOKED
    assert record.version == 3
    assert [(v.version, v.change.value, v.status.value) for v in versions] == [
        (1, "created", "active"), (2, "corrected", "active"), (3, "revoked", "revoked")]  # fmt: skip
    assert [json.loads(v.content)["fine_amount"] for v in versions] == ["5000", "8000", "8000"]
    assert all(v.actor == "source:TAX-BJ" for v in versions)


def test_r2_2_each_refusal_names_row_field_and_rule(node: Node, tmp_path: Path) -> None:
    rows = [
        penalty_row(1),  # good: line 2
        penalty_row(2, number="110105198001011230"),  # bad check character
        penalty_row(3, decided="2027-01-01"),  # a decision in the future
        [*penalty_row(4)[:9], "caning", *penalty_row(4)[10:]],  # not an allowed penalty type
        [*penalty_row(5)[:3], "", *penalty_row(5)[4:]],  # required decision number missing
        penalty_row(6, name="张3"),  # digits in a name
        penalty_row(7, record="R" * 101),  # record id too long
    ]
    receipt = node.ingest(write_csv(tmp_path / "mixed.csv", PENALTY_HEADERS, rows))
    assert (receipt.accepted, receipt.refused) == (1, 6)
    assert errors_of(node, receipt.batch_id) == [
        (3, "id_number", "GB 11643 check character"),
        (4, "decision_date", "future-date"),
        (5, "penalty_types", "enum"),
        (6, "decision_number", "required"),
        (7, "name", "name-characters"),
        (8, "record_id", "max-length"),
    ]
    with node.sessions() as session:
        csv_text = service.errors_csv(service.batch_errors(session, receipt.batch_id))
    assert csv_text.startswith("\ufeffrow,field,rule,message")
    assert "110105198001011230" not in csv_text  # refusals never echo the number


def test_r2_2_unknown_and_ungranted_items_are_refused(node: Node, tmp_path: Path) -> None:
    headers = ["身份证号", "姓名", "记录编号", "事项代码", "处理决定日期"]
    with pytest.raises(InvalidInput) as unknown:
        node.ingest(write_csv(tmp_path / "a.csv", headers, []), item="NO-SUCH-ITEM")
    assert unknown.value.rule == "unknown-item"
    with pytest.raises(Forbidden) as ungranted:
        node.ingest(write_csv(tmp_path / "b.csv", headers, []), item="STUDENT-EXAM-CHEATING")
    assert ungranted.value.rule == "not-granted"
    # Per row, with an item column: an item of another source and an uncatalogued one.
    mixed = write_jsonl(tmp_path / "c.jsonl", [
        {"id_number": person(1), "name": "王五", "record_id": "X1", "item": "STUDENT-EXAM-CHEATING"},
        {"id_number": person(2), "name": "王六", "record_id": "X2", "item": "NOPE"},
    ])  # fmt: skip
    receipt = node.ingest(mixed, item=None)
    assert [r for _, _, r in errors_of(node, receipt.batch_id)] == ["not-granted", "unknown-item"]
    assert count(node, Subject) == 0  # refused rows register no one


def test_r2_6_a_minors_student_record_is_refused(node: Node, tmp_path: Path) -> None:
    headers = ["身份证号", "姓名", "记录编号", "考试名称", "考试日期", "违规情形", "处理机构",
               "处理决定日期", "处理结果"]  # fmt: skip
    common = ["2026年普通高等学校招生全国统一考试", "2026-06-07", "cheating", "北京教育考试院",
              "2026-06-20", "当次考试各科成绩无效"]  # fmt: skip
    rows = [
        [person(1, "20080608"), "李小明", "E1", *common],  # 17 on the exam day
        [person(2, "20080607"), "李小红", "E2", *common],  # 18 on the exam day
    ]
    receipt = node.ingest(write_csv(tmp_path / "exam.csv", headers, rows), source="EDU-BJ",
                          item="STUDENT-EXAM-CHEATING")  # fmt: skip
    assert (receipt.accepted, receipt.refused) == (1, 1)
    assert errors_of(node, receipt.batch_id) == [(2, "conduct_date", "min_age_at_conduct")]


def test_r1_2_a_name_mismatch_waits_in_an_identity_review(node: Node, penalties: MakeFile) -> None:
    node.ingest(penalties([penalty_row(1, name="张三")], "a.csv"))
    receipt = node.ingest(penalties([penalty_row(1, name="张叁", record="R9")], "b.csv"))
    assert (receipt.waiting, receipt.accepted) == (1, 0)
    with node.sessions() as session:
        (case,) = identity.list_reviews(session, node.keys)
    assert (case.name_on_file, case.incoming_name) == ("张三", "张叁")
    assert case.payload is not None
    assert case.payload["values"]["record_id"] == "R9"
    assert case.payload["source"] == "TAX-BJ"
    assert count(node, Record) == 1


@pytest.mark.parametrize(
    ("decision", "outcome"), [("name_changed", "created"), ("rejected", "refused")]
)
def test_r1_2_the_held_row_is_settled_when_the_review_is_decided(
    node: Node, penalties: MakeFile, decision: str, outcome: str
) -> None:
    from chengxin.collection.waiting import decide_review  # noqa: PLC0415
    from chengxin.identity.models import ReviewState  # noqa: PLC0415

    node.ingest(penalties([penalty_row(1, name="张三")], "a.csv"))
    receipt = node.ingest(penalties([penalty_row(1, name="张叁", record="R9")], "b.csv"))
    with node.sessions() as session:
        (case,) = identity.list_reviews(session, node.keys)
    with node.sessions() as session, session.begin():
        _, held = decide_review(session, node.keys, node.catalog, node.now, review_id=case.id,
                                decision=ReviewState(decision), actor="op", reason="核实")  # fmt: skip
    assert held == outcome
    with node.sessions() as session:
        after = service.batch_receipt(session, receipt.batch_id, None)
        held_records = session.scalars(select(Record).where(Record.source_record_id == "R9")).all()
    assert after.waiting == 0
    if decision == "name_changed":
        assert (after.accepted, len(held_records)) == (1, 1)
        assert held_records[0].batch_id == receipt.batch_id
    else:
        assert (after.refused, held_records) == (1, [])
        assert errors_of(node, receipt.batch_id) == [(2, "name", "identity-rejected")]


def test_r2_2_gb18030_csv_with_chinese_headers(node: Node, penalties: MakeFile) -> None:
    receipt = node.ingest(
        penalties([penalty_row(1, name="欧阳娜娜")], "gbk.csv", encoding="gb18030")
    )
    assert (receipt.encoding, receipt.accepted) == ("gb18030", 1)
    with node.sessions() as session:
        subject = session.scalars(select(Subject)).one()
        assert identity.reveal_person(session, node.keys, subject.id).name == "欧阳娜娜"


def test_r2_2_xlsx_with_english_headers(node: Node, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID number", "name", "record_id", "Penalty decision document number",
                  "Date of the penalty decision", "Deciding authority", "Type of violation",
                  "Main facts of the violation", "Provisions applied", "Penalty types",
                  "Penalty imposed"])  # fmt: skip
    import datetime as dt  # noqa: PLC0415

    sheet.append([person(4), "赵四", "X-1", "京税罚〔2026〕9号", dt.date(2026, 3, 2), "税务局",
                  "逃税", "少缴税款", "税收征收管理法第六十三条", "warning", "警告"])  # fmt: skip
    book.save(tmp_path / "b.xlsx")
    receipt = node.ingest(tmp_path / "b.xlsx")
    assert (receipt.file_format, receipt.accepted) == ("xlsx", 1)
    with node.sessions() as session:
        record = session.scalars(select(Record)).one()
    # A warning only, decided before 2026-04-01 (Order 58): kept, but not publicised.
    assert (record.decision_date.isoformat(), record.publicised) == ("2026-03-02", False)


def test_r2_5_an_association_sends_only_about_its_members(node: Node, tmp_path: Path) -> None:
    from chengxin.collection import sources  # noqa: PLC0415

    with node.sessions() as session, session.begin():
        member = identity.register_person(
            session, node.keys, node.now, person(1), "周一", actor="t"
        )
        lawyers = sources.source_by_code(session, "LAWYERS")
        sources.add_member(session, node.now, source=lawyers, subject_id=member.subject_id,
                           since=node.now.date().replace(year=2020))  # fmt: skip
        identity.register_person(session, node.keys, node.now, person(2), "周二", actor="t")
    qual = {"certificate_number": "11101201510000001", "qualification_name": "律师执业证",
            "issuing_authority": "北京市司法局", "valid_from": "2021-03-01", "status": "valid"}  # fmt: skip
    path = write_jsonl(tmp_path / "q.jsonl", [
        {"id_number": person(1), "name": "周一", "record_id": "L1", **qual},
        {"id_number": person(2), "name": "周二", "record_id": "L2", **qual},
        {"id_number": person(3), "name": "周三", "record_id": "L3", **qual},
        {"id_number": person(2), "name": "周贰", "record_id": "L4", **qual},  # another name
    ])  # fmt: skip
    receipt = node.ingest(path, source="LAWYERS", item="QUAL-LAWYER")
    assert errors_of(node, receipt.batch_id) == [
        (2, "id_number", "not-a-member"), (3, "id_number", "not-a-member"),
        (4, "id_number", "not-a-member")]  # fmt: skip
    assert (receipt.accepted, receipt.refused, receipt.waiting) == (1, 3, 0)
    assert count(node, IdentityReview) == 0  # no case is opened about a non-member
    assert {r for _, _, r in errors_of(node, receipt.batch_id)} == {"not-a-member"}
    assert count(node, Subject) == 2  # an association registers no one


def test_r2_2_a_bad_file_is_refused_whole_with_no_effect(
    node: Node, penalties: MakeFile, tmp_path: Path
) -> None:
    good = [penalty_row(i) for i in range(20)]
    with pytest.raises(ChengxinError) as too_many:
        node.ingest(penalties(good), limits=Limits(max_rows=10))
    assert too_many.value.rule == "max-rows"
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        "".join(json.dumps({"id_number": person(i), "name": "王五", "record_id": f"J{i}"}) + "\n"
                for i in range(10)) + "{not json\n", "utf-8")  # fmt: skip
    with pytest.raises(ChengxinError) as bad_json:
        node.ingest(broken)
    assert bad_json.value.rule == "json"
    with pytest.raises(ChengxinError) as unknown_column:
        node.ingest(write_csv(tmp_path / "cols.csv", [*PENALTY_HEADERS, "备注x"], []))
    assert unknown_column.value.rule == "unknown-column"
    assert (
        count(node, Batch),
        count(node, Subject),
        count(node, Record),
        count(node, BatchError),
    ) == (0, 0, 0, 0)


def test_r2_2_correcting_or_revoking_an_unknown_record_is_refused(
    node: Node, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", [*PENALTY_HEADERS, "操作"],
                     [[*penalty_row(1), "更正"], [*penalty_row(2), "撤销"]])  # fmt: skip
    receipt = node.ingest(path)
    assert receipt.refused == 2
    assert {r for _, _, r in errors_of(node, receipt.batch_id)} == {"unknown-record"}


@pytest.mark.slow
def test_r2_2_a_100000_row_file(node: Node, penalties: MakeFile) -> None:
    rows = [penalty_row(i, record=f"B{i}", number=person(i, f"19{50 + i // 1000 % 50:02d}{1 + i // 50_000:02d}01"))
            for i in range(100_000)]  # fmt: skip
    receipt = node.ingest(penalties(rows, "big.csv"))
    assert (receipt.rows_total, receipt.accepted, receipt.refused) == (100_000, 100_000, 0)
    assert count(node, Record) == 100_000


def test_r2_4_qualification_records_record_occupations_and_filter_records(
    node: Node, tmp_path: Path
) -> None:
    import datetime as dt  # noqa: PLC0415

    from chengxin.collection import sources  # noqa: PLC0415
    from chengxin.collection.occupations import records_by_occupation  # noqa: PLC0415
    from chengxin.identity.models import Occupation, OccupationGroup  # noqa: PLC0415

    with node.sessions() as session, session.begin():
        source = sources.source_by_code(session, "TAX-BJ")
        sources.grant_item(session, node.catalog, node.now, source, "QUAL-LAWYER", actor="t")
    qual = {"qualification_name": "律师执业证", "issuing_authority": "北京市司法局",
            "valid_from": "2021-03-01", "valid_until": "2026-02-28"}  # fmt: skip
    path = write_jsonl(tmp_path / "q.jsonl", [
        {"id_number": person(1), "name": "周一", "record_id": "L1", "certificate_number": "A1", "status": "valid", **qual},
        {"id_number": person(2), "name": "周二", "record_id": "L2", "certificate_number": "A2", "status": "revoked", **qual},
    ])  # fmt: skip
    assert node.ingest(path, item="QUAL-LAWYER").accepted == 2
    node.ingest(
        penalties_file(tmp_path, [penalty_row(1, name="周一"), penalty_row(2, name="周二")])
    )
    with node.sessions() as session:
        (occupation,) = session.scalars(select(Occupation)).all()
        lawyers = records_by_occupation(
            session, OccupationGroup.LAWYER, dt.date(2025, 1, 1), "PENALTY-TAX"
        )
        later = records_by_occupation(session, OccupationGroup.LAWYER, dt.date(2026, 6, 1))
    assert (occupation.licence_number, occupation.issuer) == ("A1", "北京市司法局")
    assert [r.source_record_id for r in lawyers] == ["R1"]  # only the valid lawyer's penalty
    assert later == []  # the licence ran out on 2026-02-28


def penalties_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    return write_csv(tmp_path / "p.csv", PENALTY_HEADERS, rows)


def test_r1_2_two_sources_racing_to_register_one_person_both_land(
    committing_sessions: object, keys: object, catalog: object
) -> None:
    """On PostgreSQL the later transaction hits the unique key and is retried as a whole; the
    retry must see its row again (SQLite queues the two writers instead)."""
    import threading  # noqa: PLC0415
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    node = Node(committing_sessions, keys, catalog)  # type: ignore[arg-type]
    with node.sessions() as session:
        from chengxin.collection import sources  # noqa: PLC0415

        source_id = sources.source_by_code(session, "TAX-BJ").id
    fields = dict(zip(["decision_number", "decision_date", "authority", "violation_type", "facts",
                       "legal_provisions", "penalty_types", "penalty_content", "fine_amount", "severity"],
                      penalty_row(1)[3:], strict=True))  # fmt: skip
    barrier = threading.Barrier(2)

    def send(record_id: str) -> int:
        barrier.wait()
        receipt = service.ingest_record(
            node.sessions, node.keys, node.catalog, lambda: node.now, source_id=source_id, actor="t",
            record={"id_number": person(7), "name": "吴七", "item": "PENALTY-TAX",
                    "record_id": record_id, "action": "add", "fields": fields},
        )  # fmt: skip
        return receipt.accepted

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(send, ["A", "B"])) == [1, 1]
    assert (count(node, Subject), count(node, Record)) == (1, 2)


def test_r2_3_a_revocation_in_the_same_batch_repeats_the_latest_content(
    node: Node, tmp_path: Path
) -> None:
    headers = [*PENALTY_HEADERS, "操作"]
    node.ingest(write_csv(tmp_path / "a.csv", headers, [[*penalty_row(2), "新增"]]))
    rows = [
        [*penalty_row(1), "新增"], [*penalty_row(1, fine="7000"), "更正"], [*penalty_row(1, fine="7000"), "撤销"],
        [*penalty_row(2, fine="9000"), "更正"], [*penalty_row(2, fine="9000"), "撤销"],
    ]  # fmt: skip
    receipt = node.ingest(write_csv(tmp_path / "b.csv", headers, rows))
    assert (receipt.accepted, receipt.corrected, receipt.revoked) == (1, 2, 2)
    with node.sessions() as session:
        for record in session.scalars(select(Record)):
            versions = records.history(session, record.id)
            assert versions[-1].status is RecordStatus.REVOKED
            expected = "7000" if record.source_record_id == "R1" else "9000"
            assert json.loads(versions[-1].content)["fine_amount"] == expected
            assert versions[-1].content == versions[-2].content
