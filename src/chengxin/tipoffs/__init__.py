"""Tip-offs (举报, R-6.5): the public reports serious dishonest conduct, follows the report by its
tracking number, and the platform's staff triage it and refer it to the designating source."""
