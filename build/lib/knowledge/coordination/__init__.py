"""What the coordinators do, and the records they answer for.

Requests for a coordinator (the hand-over, its spool and office hours), coordinators' accounts,
privacy (right of access, erasure, retention), and the records a person leaves that the
coordination follows up and erases: applications with their CV files, job alerts, installation
plans, the mail settings they are sent with. The assistant writes these records; the coordinators
read, answer and erase them in the console, so they belong here rather than with the partner data.
The transcripts (a person's conversation as the console shows it and privacy exports and erases
it) are here too: privacy needs them, and this package never imports `conversations`.
Imports the partner data and the root of `knowledge/` only: tests/test_layering.py checks it.
"""
