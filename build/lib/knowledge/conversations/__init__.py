"""What the conversations say, read afterwards: the observatory's figures (Rasa's events, requests,
applications, alerts, plans), the review of misunderstood questions, the marker of a search that
found nothing. Read-only over Rasa's store.

Imports the root of `knowledge/` and the partner data; the coordination only where a figure is
about its records (the observatory's hand-over and plan figures, the application figures):
tests/test_layering.py lists those imports, and any other one fails.
"""
