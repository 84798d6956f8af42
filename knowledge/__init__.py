"""Côté Soin knowledge: the one place that knows the databases.

Three packages, arrows one way: `partners/` (the partner data) ← `coordination/` (what the
coordinators do) ← `conversations/` (figures read from the conversations). Below them, here:
the database plumbing (`db`, `models`' Base, `schema`, `migrate`, `settings`), masking, the audit
trail, the texts and the message cues.
"""
