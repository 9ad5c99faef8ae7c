"""Credit agencies (征信机构): agreements, and the scheduled exports made under them (R-5.5)."""
