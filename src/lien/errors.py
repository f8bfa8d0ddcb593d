"""Errors meant for people: each says what happened and what to do."""


class LienError(Exception):
    """An error shown to the user as one line, without a traceback."""


class SourceError(LienError):
    """A whole file cannot be read (truncated, binary, wrong encoding, unknown format)."""


class Reject(Exception):
    """One record cannot become a message; `reason` says why, for the rejects table.

    `kind` is "invalid" for a broken record and "skipped" for a record that is not a message
    (a "load more" placeholder, a deletion notice), kept so that nothing is dropped silently.
    """

    def __init__(self, reason: str, kind: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
