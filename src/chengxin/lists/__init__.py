"""Lists (名单): the red list, serious-dishonesty lists and key-supervision lists (R-6.1, R-6.3)."""
