"""Notifications (通知): an in-platform inbox (站内信) for citizens and staff, and e-mail to a
citizen's address through the operator's SMTP server, sent from an outbox so that a notice commits
together with the state change it reports."""
