"""checker: compliance review of national firearms laws against the UN Firearms Protocol and UNTOC.

The pipeline is one module per stage: `ingest` -> `segment` -> `match` -> `assess` -> `report`.
The public verbs are re-exported here; the CLI and the app are thin layers over them.
"""

from checker.assess import assess
from checker.checklist import Checklist, available_checklists, load_checklist
from checker.errors import CheckerError, Code, Diagnostic
from checker.ingest import ingest, ingest_bytes
from checker.match import find_hits
from checker.models import Document, Finding, Report, Structure
from checker.review import Review, review, review_documents, run_review
from checker.segment import segment

__all__ = [
    "CheckerError",
    "Checklist",
    "Code",
    "Diagnostic",
    "Document",
    "Finding",
    "Report",
    "Review",
    "Structure",
    "assess",
    "available_checklists",
    "find_hits",
    "ingest",
    "ingest_bytes",
    "load_checklist",
    "review",
    "review_documents",
    "run_review",
    "segment",
]
