"""Coded errors and warnings, in one place.

Every problem the tool can report has a stable code so that reports, the batch index and the
app can filter and count them without parsing messages. Ingest and review never raise these
through the caller for bad input: they return a `Diagnostic` inside the result. `CheckerError` is
raised only for mistakes of the caller (an unknown checklist, an invalid option).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning", "info"]


class Code(StrEnum):
    """Stable diagnostic codes. Never renumber or reuse one: reports and gold files cite them."""

    # Input could not be read at all (error).
    NOT_FOUND = "E101"
    NOT_SUPPORTED = "E102"
    NOT_PDF = "E103"
    PASSWORD_REQUIRED = "E104"
    DAMAGED = "E105"
    EMPTY = "E106"
    NO_TEXT_LAYER = "E107"
    TOO_COMPLEX = "E108"
    DECODE_FAILED = "E109"
    # Input read with losses or doubts (warning).
    PAGE_FAILED = "W201"
    PAGE_NO_TEXT = "W202"
    ENGINE_FALLBACK = "W203"
    ENCRYPTED_OPENED = "W204"
    LOW_TEXT_QUALITY = "W205"
    OCR_USED = "W206"
    OCR_LOW_CONFIDENCE = "W207"
    OCR_LIMITED = "W208"
    LANGUAGE_UNSUPPORTED = "W301"
    LANGUAGE_UNCERTAIN = "W302"
    NO_STRUCTURE = "W401"
    NO_INDICATORS_FOR_LANGUAGE = "W501"
    # Caller mistakes (raised as CheckerError).
    CHECKLIST_UNKNOWN = "E601"
    CHECKLIST_INVALID = "E602"
    OPTION_INVALID = "E603"


class Diagnostic(BaseModel):
    """One coded problem, attached to a document (and a page when it concerns one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Code
    severity: Severity
    message: str
    page: int | None = None


def error(code: Code, message: str, *, page: int | None = None) -> Diagnostic:
    return Diagnostic(code=code, severity="error", message=message, page=page)


def warning(code: Code, message: str, *, page: int | None = None) -> Diagnostic:
    return Diagnostic(code=code, severity="warning", message=message, page=page)


class CheckerError(Exception):
    """A caller mistake the tool cannot work around; carries a code for the CLI's exit message."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
