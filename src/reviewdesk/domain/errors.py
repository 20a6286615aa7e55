"""Expected failures, each with a message a user can act on.

Anything that is not a ``ReviewdeskError`` is a bug: the CLI prints a traceback for it and the
GUI shows a details dialog. Subclasses carry enough context (file, line, record) that the
message alone tells the user what to fix.
"""

from __future__ import annotations


class ReviewdeskError(Exception):
    """Base of all expected, user-facing errors."""

    exit_code: int = 1


class UsageError(ReviewdeskError):
    """The command was called wrongly (unknown option value, missing argument)."""

    exit_code = 2


class WorkspaceError(ReviewdeskError):
    """The workspace file cannot be opened, created or upgraded."""


class WorkspaceLockedError(WorkspaceError):
    """Another process holds the workspace's write lock (an import, a purge, an upgrade) past the wait.

    Nothing of the refused write was stored; trying again once the other process is done works.
    """

    def __init__(self, message: str, *, holder: str) -> None:
        super().__init__(message)
        self.holder = holder
        """Who holds the lock, for messages: ``reviewdesk import (pid 4242)`` or ``another program``."""

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in an import's worker process and raised again in the importing one.
        return (_locked, (str(self), self.holder))


class PermissionRefusedError(WorkspaceError):
    """The database refused the change for the connected user's role (a team workspace's roles)."""


class ConnectionLostError(WorkspaceError):
    """The server closed a connection while it was in use (restarted, or an idle connection cut).

    The transaction it carried did not commit, unless the connection died during the commit
    itself; a writer that can tell which (a label write looks for its event) tries once more.
    """


class DiskFullError(WorkspaceError):
    """The disk (or the file-size limit) ran out while writing; what was being written was not kept."""


class CaseNotFoundError(ReviewdeskError):
    """No case matches the id the user gave."""


class FormatError(ReviewdeskError):
    """A file is not in any supported format, or not in the one requested."""


class RecordError(ReviewdeskError):
    """One record of an input file is malformed; the rest of the file may still import.

    ``where`` names the record: ``line 12`` for JSON lines, or a path such as
    ``resourceSpans[0].scopeSpans[1].spans[3]`` inside a document.
    """

    def __init__(self, file: str, where: str, reason: str) -> None:
        super().__init__(f"{file}: {where}: {reason}")
        self.file = file
        self.where = where
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled from an import's worker process: rebuilt from its parts, not from the message.
        return (RecordError, (self.file, self.where, self.reason))


class LabelError(ReviewdeskError):
    """A label refers to an unknown root cause, score or verdict."""


def _locked(message: str, holder: str) -> WorkspaceLockedError:
    return WorkspaceLockedError(message, holder=holder)
