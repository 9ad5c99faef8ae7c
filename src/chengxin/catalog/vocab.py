"""The closed vocabularies of the catalog (R-2.1): every value a catalog file may use.

Each enum value is the spelling used in YAML files, the API and the database. Chinese labels sit
beside them so that screens and documents can show the legal term.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """Kind of information (信息性质)."""

    BASIC = "basic"  # 基础信息
    GOOD = "good"  # 守信（优良）信息
    BAD = "bad"  # 失信（不良）信息
    SERIOUS = "serious"  # 严重失信信息


class Domain(StrEnum):
    """The 16 key domains of §3.2 of 国办发〔2016〕98号, education (§2.4), and `general`.

    `general` (综合) is for items that belong to no single key domain: registration basics,
    credit commitments, credit evaluations, honours and penalties of other domains.
    """

    FOOD_DRUGS = "food_drugs"  # 食品药品
    WORK_SAFETY = "work_safety"  # 安全生产
    FIRE_SAFETY = "fire_safety"  # 消防安全
    TRAFFIC_SAFETY = "traffic_safety"  # 交通安全
    ENVIRONMENT = "environment"  # 环境保护
    BIOSAFETY = "biosafety"  # 生物安全
    PRODUCT_QUALITY = "product_quality"  # 产品质量
    TAX = "tax"  # 税收缴纳
    HEALTH_CARE = "health_care"  # 医疗卫生
    LABOUR_SOCIAL_SECURITY = "labour_social_security"  # 劳动保障
    CONSTRUCTION = "construction"  # 工程建设
    FINANCIAL_SERVICES = "financial_services"  # 金融服务
    INTELLECTUAL_PROPERTY = "intellectual_property"  # 知识产权
    JUDICIAL_LITIGATION = "judicial_litigation"  # 司法诉讼
    E_COMMERCE = "e_commerce"  # 电子商务
    VOLUNTEER_SERVICE = "volunteer_service"  # 志愿服务
    EDUCATION = "education"  # 教育（学生诚信档案）
    GENERAL = "general"  # 综合


KEY_DOMAINS: frozenset[Domain] = frozenset(Domain) - {Domain.EDUCATION, Domain.GENERAL}
"""The 16 key domains named in §3.2."""


class InfoClass(StrEnum):
    """Class of information after the national basic catalog of public credit information
    (全国公共信用信息基础目录, 2024 edition), limited to what concerns natural persons, plus the
    volunteer-service and donation records of §2 of the 2016 opinions."""

    REGISTRATION = "registration"  # 登记注册基本信息
    JUDICIAL = "judicial"  # 司法裁判及执行信息
    ADMINISTRATIVE_LICENCE = "administrative_licence"  # 行政许可信息
    ADMINISTRATIVE_PENALTY = "administrative_penalty"  # 行政处罚信息
    QUALIFICATION = "qualification"  # 职称和职业资格信息
    SERIOUS_DISHONESTY_LIST = "serious_dishonesty_list"  # 严重失信主体名单信息
    CONTRACT_PERFORMANCE = "contract_performance"  # 合同履行信息
    CREDIT_COMMITMENT = "credit_commitment"  # 信用承诺及履行情况信息
    CREDIT_EVALUATION = "credit_evaluation"  # 信用评价结果信息
    COMPLIANCE = "compliance"  # 遵守法律法规情况信息
    HONOUR = "honour"  # 诚实守信相关荣誉信息
    VOLUNTEER_SERVICE = "volunteer_service"  # 志愿服务信息
    CHARITABLE_DONATION = "charitable_donation"  # 慈善捐赠信息


class DisclosureLevel(StrEnum):
    """Who may see a record (公开属性)."""

    PUBLIC = "public"  # 社会公开
    AUTHORISED = "authorised"  # 授权查询
    GOVERNMENT = "government"  # 政务共享


class SourceKind(StrEnum):
    """Kinds of body allowed to supply an item (信息提供单位类型)."""

    GOVERNMENT_DEPARTMENT = "government_department"  # 行政机关
    COURT = "court"  # 人民法院
    INDUSTRY_ASSOCIATION = "industry_association"  # 行业协会商会
    PROFESSIONAL_REGISTRY = "professional_registry"  # 执业注册机构
    FINANCIAL_CREDIT_DATABASE = "financial_credit_database"  # 金融信用信息基础数据库
    CREDIT_AGENCY = "credit_agency"  # 征信机构
    PLATFORM = "platform"  # 本平台


class Severity(StrEnum):
    """Tier of dishonest conduct in a penalty decision (失信程度), NDRC Order 36."""

    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重


class PenaltyType(StrEnum):
    """Types of administrative penalty, 《中华人民共和国行政处罚法》第九条."""

    WARNING = "warning"  # 警告
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATION_OF_ILLEGAL_GAINS = "confiscation_of_illegal_gains"  # 没收违法所得
    CONFISCATION_OF_ILLEGAL_PROPERTY = "confiscation_of_illegal_property"  # 没收非法财物
    LICENCE_SUSPENSION = "licence_suspension"  # 暂扣许可证件
    QUALIFICATION_DOWNGRADE = "qualification_downgrade"  # 降低资质等级
    LICENCE_REVOCATION = "licence_revocation"  # 吊销许可证件
    BUSINESS_RESTRICTION = "business_restriction"  # 限制开展生产经营活动
    SUSPENSION_OF_BUSINESS = "suspension_of_business"  # 责令停产停业
    CLOSURE = "closure"  # 责令关闭
    PRACTICE_RESTRICTION = "practice_restriction"  # 限制从业
    DETENTION = "detention"  # 行政拘留
    OTHER = "other"  # 法律、行政法规规定的其他行政处罚


class UpdateFrequency(StrEnum):
    """How often a source is expected to send an item (更新频率)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ON_EVENT = "on_event"  # 实时（随产生随报送）


class FieldType(StrEnum):
    """Types of a record field."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"
    ENUM = "enum"


class DisplayKind(StrEnum):
    """How a display rule computes a record's display period (展示期限)."""

    PENALTY_REGIME = "penalty_regime"  # by the penalty regime in force on the decision date
    FIXED_TERM = "fixed_term"  # a fixed number of months from a start date
    WHILE_VALID = "while_valid"  # from a start date until the record's own end date, if any
    UNTIL_REMOVED = "until_removed"  # list entries: until removal, capped by a term if any
    NOT_DISPLAYED = "not_displayed"  # kept and shared as the level allows, never displayed


VOCABULARIES: dict[str, tuple[str, ...]] = {
    "penalty_type": tuple(PenaltyType),
    "severity": tuple(Severity),
}
"""Named value lists an enum field may take with `values_from:` instead of listing values."""
