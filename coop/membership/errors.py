"""Errors the membership services raise; the web edge maps them to 400, 403, 404, 409 and 429."""


class MembershipError(ValueError):
    """Bad input: the message says what to change."""


class NotAllowed(PermissionError):
    """The caller may not do this."""


class NoSuchRecord(LookupError):
    pass


class Conflict(ValueError):
    """The request contradicts the current state (e.g. an email already registered)."""


class TooManyAttempts(PermissionError):
    def __init__(self, message: str, retry_after_seconds: int):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
