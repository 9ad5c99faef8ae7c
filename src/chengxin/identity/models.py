"""Tables of the identity domain. Per-person tables carry the subject key (distribution column)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.sealed import sealed_columns


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class OrgRole(StrEnum):
    """§6.2: an organisation's punishment reaches these people (落实到人)."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    RESPONSIBLE_PERSON = "responsible_person"  # 主要负责人 / 直接责任人


class OccupationGroup(StrEnum):
    """The key occupational groups of §3.2 (R-2.4)."""

    CIVIL_SERVANT = "civil_servant"  # 公务员
    ENTERPRISE_LEADER = "enterprise_leader"  # 企业法定代表人及相关责任人员
    LAWYER = "lawyer"  # 律师
    TEACHER = "teacher"  # 教师
    PHYSICIAN = "physician"  # 医师
    PHARMACIST = "pharmacist"  # 执业药师
    APPRAISER = "appraiser"  # 评估师
    TAX_AGENT = "tax_agent"  # 税务师
    FIRE_ENGINEER = "fire_engineer"  # 注册消防工程师
    ACCOUNTANT_AUDITOR = "accountant_auditor"  # 会计审计人员
    REAL_ESTATE_AGENT = "real_estate_agent"  # 房地产中介从业人员
    CERTIFICATION_STAFF = "certification_staff"  # 认证人员
    FINANCIAL_PRACTITIONER = "financial_practitioner"  # 金融从业人员
    TOUR_GUIDE = "tour_guide"  # 导游


class ReviewState(StrEnum):
    PENDING = "pending"
    NAME_CHANGED = "name_changed"  # the person's name on file is updated (a new name version)
    REJECTED = "rejected"  # the incoming name was wrong: the waiting data is refused


class Subject(Base):
    """Whom records are about. Found through `lookup`, a blind index of the ID number or USCC."""

    __tablename__ = "subjects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind, "subject_kind"))
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """A natural person; ID number and current name sealed, history in PersonName."""

    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    id_number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    name_version: Mapped[int] = mapped_column(Integer, default=1)
    sex: Mapped[str] = mapped_column(String(1), CheckConstraint("sex IN ('M', 'F')", name="sex"))


class PersonName(Base):
    """Every name a person has had on file, append-only (nothing is overwritten)."""

    __tablename__ = "person_names"
    __table_args__ = (UniqueConstraint("subject_id", "version", name="uq_person_names_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    version: Mapped[int] = mapped_column(Integer)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Organisation(Base):
    """An organisation keyed by its USCC (public information, stored in clear)."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class OrganisationRole(Base):
    """Person → organisation as legal representative or responsible person, over a period."""

    __tablename__ = "organisation_roles"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
        Index("ix_organisation_roles_org", "organisation_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    role: Mapped[OrgRole] = mapped_column(str_enum(OrgRole, "org_role"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Occupation(Base):
    """A person's membership of a key occupational group (R-2.4), with licence details."""

    __tablename__ = "occupations"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    group: Mapped[OccupationGroup] = mapped_column(str_enum(OccupationGroup, "occupation_group"))
    licence_number: Mapped[str | None] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IdentityReview(Base):
    """A known ID number arrived with another name (R-1.2): an operator decides; data waits."""

    __tablename__ = "identity_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    state: Mapped[ReviewState] = mapped_column(str_enum(ReviewState, "review_state"), index=True)
    incoming_name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    submitted_by: Mapped[str] = mapped_column(String(100))
    payload_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)


sealed_columns(Person, "id_number_enc", "name_enc")
sealed_columns(PersonName, "name_enc")
sealed_columns(IdentityReview, "incoming_name_enc", "payload_enc")
