"""The one error vocabulary of every layer. The web edge maps each to its status in one place
(web/errors.py): refused → 400, not allowed → 403, not found → 404, conflict → 409, too many
attempts → 429. A more specific refusal (a formula's, a currency's, the books') subclasses one of
these, so it maps as its base; anything else that escapes a service is a bug (a logged 500)."""


class Refused(ValueError):
    """Bad input or a broken co-op rule: the message says what to change (and carries the numbers)."""


class NotAllowed(PermissionError):
    """The caller may not do this."""


class NotFound(LookupError):
    """No such record (or none the caller may see)."""


class Conflict(ValueError):
    """The request contradicts the current state (e.g. an email already registered)."""


class TooManyAttempts(PermissionError):
    """Throttled: try again after `retry_after_seconds` (deliberately not a NotAllowed: it is never a
    wrong password, and no handler of NotAllowed may swallow it)."""

    def __init__(self, message: str, retry_after_seconds: int):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
