"""Secret values scrubbed from text and log records (kept apart from ``http.py``, so that setting up
logging for a command that makes no request imports no HTTP client)."""

from __future__ import annotations

import logging
from collections.abc import Iterable


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` with ``***``, also as it appears escaped inside a
    ``repr`` (a header value with a stray CR/LF shows up that way in an httpx error)."""
    forms = {s for s in secrets if s and len(s) >= 4}
    forms |= {escaped for s in forms if (escaped := repr(s)[1:-1]) != s}
    for secret in sorted(forms, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secret values from every record it sees."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        return True
