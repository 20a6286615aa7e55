"""What the queue bar counts: an honest "how far am I" for every smart queue (Qt-free).

Two kinds of queue need two kinds of count:

- A queue whose cases stay in it when reviewed (All cases, Errors, Costliest …) says
  "12 of 30 reviewed in this queue": a fresh count from the workspace, kept live by each write.
- A queue that **drains** — its cases leave it as the work is done: Unreviewed (a verdict),
  My queue (my verdict), Disputed (an adjudication), or any filter on "unreviewed" — has no
  reviewed case by definition whenever it is counted, so "n of N reviewed" over its filter always
  says "0 of N" (the bug this module fixes). It says "3 reviewed this session · 27 left" instead:
  *reviewed* is the cases this window did in this queue (kept per queue for the window's life,
  undo takes one back), *left* is the workspace's count of the cases still in it, kept live
  between counts by what this window did since the count was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reviewdesk.domain.queries import CaseFilter

Drain = Literal["verdict", "adjudication"]


def drains(flt: CaseFilter) -> Drain | None:
    """How a case leaves a queue of ``flt`` when worked on, or ``None`` if reviewed cases stay in it."""
    if flt.resolution == "disputed":
        return "adjudication"
    if flt.review == "unreviewed" or flt.pending_for is not None:
        return "verdict"
    return None


@dataclass
class QueueTally:
    """The count of the queue shown now; ``text`` is what the bar says."""

    flt: CaseFilter | None = None
    total: int | None = None
    """Cases in the queue as last counted (``None``: still counting)."""
    reviewed: int | None = None
    """Of ``total``, how many have a verdict (queues that do not drain)."""
    in_import_order: bool = False
    more: bool = False
    """Counting stopped at ``total`` (``review.COUNT_CAP``): the queue holds more ("10,000+")."""
    reviewed_more: bool = False
    """The same of ``reviewed``."""
    _done: dict[CaseFilter, dict[int, bool]] = field(default_factory=dict)
    """Per draining queue (its filter without the search words): case → done by this window."""
    _done_at_ask: int = 0
    _done_at_count: int = 0

    @property
    def drain(self) -> Drain | None:
        return drains(self.flt) if self.flt is not None else None

    def _session(self) -> dict[int, bool]:
        assert self.flt is not None
        return self._done.setdefault(self.flt.with_(text=None), {})

    @property
    def done(self) -> int:
        """Cases of this draining queue this window reviewed (or adjudicated) since the window opened."""
        return sum(self._session().values()) if self.drain else 0

    @property
    def left(self) -> int | None:
        """Cases still in this draining queue: the last count less what was done here since it was asked."""
        if self.total is None:
            return None
        return max(self.total - (self.done - self._done_at_count), 0)

    def asked(self, flt: CaseFilter | None) -> None:
        """A count of ``flt`` was asked for (``None``: a fixed list of cases, not counted here)."""
        self.flt, self.total, self.reviewed, self.in_import_order = flt, None, None, False
        self.more = self.reviewed_more = False
        self._done_at_ask = self.done if flt is not None else 0

    def counted(
        self,
        total: int,
        reviewed: int | None,
        *,
        in_import_order: bool = False,
        more: bool = False,
        reviewed_more: bool = False,
    ) -> None:
        """The count arrived: it holds every write made before it was asked for."""
        self.total, self.reviewed, self.in_import_order = total, reviewed, in_import_order
        self.more, self.reviewed_more = more, reviewed_more
        self._done_at_count = self._done_at_ask

    def noted(self, case_rowid: int, *, verdict_before: bool, verdict_after: bool, adjudicated: bool) -> bool:
        """A write on a case of this queue; ``True`` if the count changed."""
        if self.flt is None or self.total is None:
            return False
        drain = self.drain
        if drain is None:
            if self.reviewed is None or verdict_before == verdict_after or self.reviewed_more:
                return False
            reviewed = max(self.reviewed + int(verdict_after) - int(verdict_before), 0)
            self.reviewed = reviewed if self.more else min(reviewed, self.total)
            return True
        now = adjudicated if drain == "adjudication" else verdict_after
        session = self._session()
        if session.get(case_rowid, False) == now:
            return False
        session[case_rowid] = now
        return True

    def text(self, *, searched: bool, scope: str) -> tuple[str, str]:
        """The bar's text and tooltip."""
        total, reviewed = self.total, self.reviewed
        if total is None:
            return "", ""
        tips: list[str] = []
        drain = self.drain
        # Past the cap the figure is a lower bound: "10,000+" (and "10,000+ left" in a draining queue).
        shown_total = _capped(total, self.more)
        plural = "s" if total != 1 or self.more else ""
        shown_reviewed = None if reviewed is None else _capped(reviewed, self.reviewed_more)
        if drain is not None:
            verb = "adjudicated" if drain == "adjudication" else "reviewed"
            left = self.left or 0
            shown_left = _capped(total, True) if self.more else f"{left:,}"
            if searched:
                cases = f"{shown_left} case{'s' if left != 1 or self.more else ''}"
                text = f"{cases} left match in {scope} · {self.done:,} {verb} this session"
            else:
                text = f"{self.done:,} {verb} this session · {shown_left} left"
            what = "adjudicated" if drain == "adjudication" else "gave a verdict"
            tips.append(
                f"Cases leave this queue as they are {verb}. {self.done:,}: the cases of this queue you {what} "
                f"in this window; {shown_left}: the cases still in it."
            )
        elif searched:
            text = f"{shown_total} case{plural} match in {scope}"
            if shown_reviewed is not None:
                text += f" · {shown_reviewed} reviewed"
        elif shown_reviewed is not None:
            text = f"{shown_reviewed} of {shown_total} reviewed in this queue"
        else:
            text = f"{shown_total} case{plural} in this queue"
        if drain is None and shown_reviewed is not None:
            tips.append(f"{shown_total} case(s); {shown_reviewed} of them with a verdict")
        if self.more:
            tips.append(
                f"Counting stops at {total:,} cases (on SQLite and PostgreSQL alike), so a big queue shows as"
                " fast as a small one; `reviewdesk stats` gives the workspace's totals."
            )
        if self.in_import_order:
            text += " · in import order"
            tips.append(
                "Search results of chronological queues, and searches that match very many cases, are listed "
                "in the order they were imported: sorting them all would make every page slow."
            )
        return text, "\n".join(tips)


def _capped(count: int, more: bool) -> str:
    """``1,234``, or ``10,000+`` when counting stopped there (``services.review.count_text``'s form)."""
    return f"{count:,}{'+' if more else ''}"
