"""The cases read ahead of the reviewer: detail, audit trail and other reviewers' labels by case row id.

The window reads the next case (detail, History tab entries, other reviewers' labels) on a reader
thread while the reviewer reads this one, so ``J`` / ``Ctrl+Enter`` shows it without a query on the
GUI thread. A ``pop`` of a case (its label written) and a ``clear`` (the queue, the viewer or the
workspace changed) change that case's ``stamp``: a read started before lands only if its case's
stamp is unchanged, so a case read ahead never shows a label older than the one just written.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.review import CaseDetail
from reviewdesk.services.visibility import Others


class DetailCache(OrderedDict[int, CaseDetail]):
    """Oldest first; ``audits`` and ``others``: the audit entries and other reviewers' labels read with each."""

    def __init__(self) -> None:
        super().__init__()
        self.audits: dict[int, list[AuditEntry]] = {}
        self.others: dict[int, Others] = {}
        self._clears = 0
        self._pops: dict[int, int] = {}

    def stamp(self, key: int) -> tuple[int, int]:
        """Changes when ``key`` is dropped or the cache cleared (compare before and after a read)."""
        return self._clears, self._pops.get(key, 0)

    def pop(self, key: int, *default: Any) -> Any:
        self._pops[key] = self._pops.get(key, 0) + 1
        self.audits.pop(key, None)
        self.others.pop(key, None)
        return super().pop(key, *default)

    def popitem(self, last: bool = True) -> tuple[int, CaseDetail]:
        key, value = super().popitem(last)
        self.audits.pop(key, None)
        self.others.pop(key, None)
        return key, value

    def clear(self) -> None:
        self._clears += 1
        self._pops.clear()
        self.audits.clear()
        self.others.clear()
        super().clear()

    def take(self, key: int) -> tuple[CaseDetail | None, list[AuditEntry] | None, Others | None]:
        """The detail, audit and other reviewers' labels read ahead for ``key`` (None: not read), removed."""
        audit, others = self.audits.get(key), self.others.get(key)
        return self.pop(key, None), audit, others
