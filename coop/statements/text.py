"""Free text beside the log: long wording (a resolution, a revocation's reason) is kept in `log_text`
and the log carries only its SHA-256, so text that turns out to hold personal data can be erased
without touching the log (DESIGN.md, invariant 8)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from coop.kernel.db import utcnow
from coop.kernel.errors import Refused
from coop.statements.fields import MAX_TEXT
from provenance.models import LogText


def store_text(session: Session, text: str, clock: Callable[[], datetime] = utcnow) -> str:
    """Keep `text` beside the log (table log_text) and return the SHA-256 hex the log carries."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Refused(f"a text kept beside the log is at most {MAX_TEXT} characters")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if session.get(LogText, digest) is None:
        session.add(LogText(sha256=digest, text=text, stored_at=clock()))
        session.flush()
    return digest


def text_of(session: Session, digest: str) -> str | None:
    """The text a log entry's SHA-256 names, or None if it was never stored (or has been erased)."""
    row = session.get(LogText, digest)
    return row.text if row else None
