"""The service helpers behind the export dialog: reviewer names, file endings, a cancellable preview."""

from __future__ import annotations

import pytest

from reviewdesk.progress import NullProgress
from reviewdesk.services import exports
from reviewdesk.services.exports import ExportSelection
from tests.consumers.labeled import LabeledWorkspace


class _CancelAtOnce(NullProgress):
    def cancel_requested(self) -> bool:
        return True


def test_known_reviewers_are_everyone_in_the_label_log(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        names = exports.known_reviewers(ws)
        # bob only added a score to oi:A and is still listed: the reviewer filter matches any change
        assert names == ["alice", "bob", "carol"]
        for name in names:
            assert exports.select_cases(ws, ExportSelection(reviewer=name))
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("fmt", "ending"), [("reviewdesk-jsonl", ".jsonl"), ("promptfoo-yaml", ".yaml"), ("deepeval", ".json")]
)
def test_file_ending_follows_the_format(fmt: str, ending: str) -> None:
    assert exports.file_ending(fmt) == ending


def test_plan_export_stops_when_cancelled(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        assert exports.plan_export(ws, "reviewdesk-jsonl", progress=NullProgress()).accepted == 8
        with pytest.raises(exports.ExportCancelledError):
            exports.plan_export(ws, "reviewdesk-jsonl", progress=_CancelAtOnce())
    finally:
        ws.close()
