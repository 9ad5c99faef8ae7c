"""Access: API keys now; roles, sessions, consent and the query register with issue C."""
