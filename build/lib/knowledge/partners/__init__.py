"""The partner data: what the territory offers, as the partners send it.

Tables of communes, professions, structures, openings, housing, childcare, mobility and events
(`models.py`); the spreadsheet import, export and template; the queries the assistant and the
console ask; the console's data editing; the controlled vocabulary, the professions' referential,
the territory and the demo data. Imports only the root of `knowledge/` (database, masking, audit
trail): tests/test_layering.py checks it.
"""
