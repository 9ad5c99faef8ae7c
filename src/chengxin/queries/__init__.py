"""The one door for reading people (R-3.2): checks, the query register (查询使用登记), flags."""
