"""Côté Soin partner knowledge: database models, CSV import, queries and vocabulary."""
