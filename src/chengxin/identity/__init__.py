"""Identity: the real-name basis (R-1.1 to R-1.4) — ID numbers, USCCs, subjects, links."""
