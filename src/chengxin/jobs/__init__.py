"""Scheduled work: expiry of display periods, overdue deadlines, e-mail delivery, checkpoints."""
