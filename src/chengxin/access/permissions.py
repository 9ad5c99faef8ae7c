"""Who may do what (R-3.1): roles, permissions `scope:resource:action`, and the one table between
them. Pure. The FastAPI dependency in `deps.py` enforces this table and nothing else does."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"  # 社会公众: anyone, unauthenticated
    CITIZEN = "citizen"  # 信息主体: a person, bound to their own subject
    REQUESTER = "requester"  # 查询机构: credit agency, bank, employer, landlord … (needs consent)
    DEPARTMENT = "department"  # 实施部门: a government department querying on a legal basis
    SOURCE = "source"  # 数据提供单位: sends records
    REVIEWER = "reviewer"  # 审核员: identity cases, the query register
    OPERATOR = "operator"  # 运营人员: registries, accounts, keys, blacklist
    AUDITOR = "auditor"  # 审计员: the full ledger, the query register, read only
    NODE = "node"  # 其他节点: another chengxin node (issue H)


class Permission(StrEnum):
    """`scope:resource:action`. The scope says whose data: `public`, `own` (the caller's own subject
    or organisation), `person` (any person, through the one door), `admin`, `audit`, `node`
    (between peer nodes)."""

    SESSIONS_USE = "public:sessions:write"  # sign up, log in, log out, who am I
    CATALOG_READ = "public:catalog:read"
    REPORTS_VERIFY = "public:reports:verify"  # check a credit report's code and signature
    MEASURES_READ = "public:measures:read"  # the published list of measures and scenarios
    TIPOFFS_FILE = "public:tipoffs:write"  # file a tip-off (举报), follow it by tracking number
    LEDGER_READ = "public:ledger:read"  # checkpoints, proofs, entries as the caller may see them
    LEDGER_READ_FULL = "audit:ledger:read"  # entries unredacted
    OWN_RECORDS_READ = "own:records:read"  # a citizen's self-query (本人查询)
    OWN_QUERIES_READ = "own:queries:read"  # who looked at me
    OWN_CONSENTS_WRITE = "own:consents:write"  # grant and withdraw consents
    OWN_NOTIFICATIONS = "own:notifications:write"  # read the inbox, set the e-mail address
    OWN_DISPUTES_WRITE = "own:disputes:write"  # file objections and repair applications
    SOURCE_DISPUTES_WRITE = "own:verifications:write"  # a source answers objections and repairs
    DISPUTES_MANAGE = "admin:disputes:write"  # accept or reject filings, enter outcomes
    DISPUTES_READ = "admin:disputes:read"
    STAFF_NOTICES = "own:notices:read"  # a staff account's inbox (overdue deadlines …)
    OWN_LISTING_ANSWER = "own:listing-notices:write"  # answer a notice of listing (陈述申辩)
    SOURCE_LISTINGS = "own:listings:write"  # a designating source proposes and removes listings
    LISTS_MANAGE = "admin:lists:write"  # the platform's side of listing and removal
    LISTS_READ = "admin:lists:read"
    OWN_SCORE = "own:score:write"  # opt in or out of the integrity score, see its breakdown
    OWN_CASES = "own:cases:write"  # consent to, decline or withdraw a typical case about me
    OWN_RECORDS_WRITE = "own:records:write"  # a source sends its records
    OWN_QUALITY_READ = "own:quality:read"  # a source's own data-quality figures
    PERSON_RECORDS_QUERY = "person:records:query"  # read a person's records with consent or basis
    PERSON_IDENTITY_FULL = "person:identity:read"  # unmasked names and ID numbers in answers
    PERSON_MEASURES_CHECK = "person:measures:check"  # which measures apply, and feedback
    OWN_COMMITMENTS_WRITE = "own:commitments:write"  # record commitments, report fulfilment
    MEASURES_STATS = "admin:measures:read"  # every department's checks and feedback figures
    COMMITMENTS_READ = "admin:commitments:read"
    TIPOFFS_MANAGE = "admin:tipoffs:write"  # accept, reject, refer and close tip-offs
    TIPOFFS_READ = "admin:tipoffs:read"  # the triage queue, a tip-off's texts and evidence
    REGISTER_READ = "audit:queries:read"  # review the query register and its flags
    CONSOLE_READ = "admin:console:read"  # the operator console's pages and dashboard
    CASES_MANAGE = "admin:cases:write"  # write typical cases, ask consent, publish, retire
    IDENTITY_REVIEW = "admin:identity:decide"
    SOURCES_MANAGE = "admin:sources:write"
    CATALOG_RELOAD = "admin:catalog:write"  # load the catalog and measures again (console)
    REQUESTERS_READ = "admin:requesters:read"
    REQUESTERS_MANAGE = "admin:requesters:write"  # registry, staff, keys, violations, blacklist
    ACCOUNTS_MANAGE = "admin:accounts:write"
    CONSENTS_READ = "admin:consents:read"
    QUALITY_READ = "admin:quality:read"
    EXCHANGE_HELLO = "node:exchange:read"  # a peer node's signed ping (issue H)
    EXCHANGE_WRITE = "node:exchange:write"  # a peer node sends exchange packages (issue H)
    EXCHANGE_QUERY = "node:exchange:query"  # a regional node's cross-region query (互查, R-5.2)


_PUBLIC = frozenset(
    {
        Permission.SESSIONS_USE,
        Permission.CATALOG_READ,
        Permission.LEDGER_READ,
        Permission.REPORTS_VERIFY,
        Permission.MEASURES_READ,
        Permission.TIPOFFS_FILE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PUBLIC: _PUBLIC,
    Role.CITIZEN: _PUBLIC
    | {
        Permission.OWN_RECORDS_READ,
        Permission.OWN_QUERIES_READ,
        Permission.OWN_CONSENTS_WRITE,
        Permission.OWN_NOTIFICATIONS,
        Permission.OWN_DISPUTES_WRITE,
        Permission.OWN_LISTING_ANSWER,
        Permission.OWN_SCORE,
        Permission.OWN_CASES,
    },
    Role.REQUESTER: _PUBLIC | {Permission.PERSON_RECORDS_QUERY},
    Role.DEPARTMENT: _PUBLIC
    | {
        Permission.PERSON_RECORDS_QUERY,
        Permission.PERSON_IDENTITY_FULL,
        Permission.PERSON_MEASURES_CHECK,
        Permission.OWN_COMMITMENTS_WRITE,
    },
    Role.SOURCE: _PUBLIC
    | {
        Permission.OWN_RECORDS_WRITE,
        Permission.OWN_QUALITY_READ,
        Permission.SOURCE_DISPUTES_WRITE,
        Permission.SOURCE_LISTINGS,
    },
    Role.REVIEWER: _PUBLIC
    | {
        Permission.CONSOLE_READ,
        Permission.IDENTITY_REVIEW,
        Permission.LISTS_READ,
        Permission.STAFF_NOTICES,
        Permission.DISPUTES_MANAGE,
        Permission.DISPUTES_READ,
        Permission.REGISTER_READ,
        Permission.REQUESTERS_READ,
        Permission.CONSENTS_READ,
        Permission.QUALITY_READ,
        Permission.MEASURES_STATS,
        Permission.COMMITMENTS_READ,
        Permission.TIPOFFS_MANAGE,
        Permission.TIPOFFS_READ,
        Permission.CASES_MANAGE,
    },
    Role.OPERATOR: _PUBLIC
    | {
        Permission.CONSOLE_READ,
        Permission.SOURCES_MANAGE,
        Permission.CATALOG_RELOAD,
        Permission.LISTS_MANAGE,
        Permission.LISTS_READ,
        Permission.STAFF_NOTICES,
        Permission.DISPUTES_READ,
        Permission.REQUESTERS_READ,
        Permission.REQUESTERS_MANAGE,
        Permission.ACCOUNTS_MANAGE,
        Permission.REGISTER_READ,
        Permission.CONSENTS_READ,
        Permission.QUALITY_READ,
        Permission.MEASURES_STATS,
        Permission.COMMITMENTS_READ,
        Permission.TIPOFFS_MANAGE,
        Permission.TIPOFFS_READ,
        Permission.CASES_MANAGE,
    },
    Role.AUDITOR: _PUBLIC
    | {
        Permission.CONSOLE_READ,
        Permission.LEDGER_READ_FULL,
        Permission.REGISTER_READ,
        Permission.CONSENTS_READ,
        Permission.LISTS_READ,
        Permission.MEASURES_STATS,
        Permission.COMMITMENTS_READ,
        Permission.TIPOFFS_READ,
    },
    Role.NODE: _PUBLIC
    | {Permission.EXCHANGE_HELLO, Permission.EXCHANGE_WRITE, Permission.EXCHANGE_QUERY},
}

# Roles a person logs in with (password + session); the others call with API keys.
ACCOUNT_ROLES = frozenset({Role.CITIZEN, Role.REQUESTER, Role.DEPARTMENT, Role.REVIEWER,
                           Role.OPERATOR, Role.AUDITOR})  # fmt: skip


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
