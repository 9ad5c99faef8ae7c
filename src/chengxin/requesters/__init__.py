"""Requesters (查询机构) and implementing departments (实施部门): who may query people, their staff,
violations and the violation blacklist (违规经营黑名单, R-3.5)."""
