"""A workspace's taxonomy: its root causes and score names, and how each edit makes a new version.

The taxonomy is stored as versions of the label schema (``label_schemas``), never edited in
place: ``add``, ``rename``, ``retire`` and ``imported`` each return the next version, and the
label events keep the version they were made under. Reading labels under the newest version:

* a **renamed** root cause or score keeps its former ids (``formerly``), so an old label's
  ``tool_error`` reads back as ``tool_failure`` (``Taxonomy.current_id``);
* a **retired** root cause or score stays in the taxonomy, readable and filterable, marked
  retired: it is not offered for new labels, and a label may keep it but not gain it.

Stored form (the ``root_causes`` and ``scores`` JSON of a ``label_schemas`` row): a root cause is
``{"id", "layer", "title", "description"}`` plus ``"retired": true`` and ``"formerly": [...]``
when they apply; a score is its name, or ``{"name", "retired", "formerly"}`` once retired or
renamed. A schema written before taxonomies were editable is the plain form, and reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from reviewdesk.domain.errors import FormatError, UsageError
from reviewdesk.domain.labels import DEFAULT_ROOT_CAUSES, DEFAULT_SCORES, Evidence, LabelChange, RootCause

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""Root-cause ids and score names: what a CLI flag, a filter and a column name can all carry."""


@dataclass(frozen=True, slots=True)
class Score:
    """One score of the taxonomy (rated 1–5)."""

    name: str
    retired: bool = False
    formerly: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """One version of the label schema, parsed; see the module docstring."""

    version: int
    root_causes: tuple[RootCause, ...]
    """Every root cause, retired ones included, in display order."""
    scores: tuple[Score, ...]
    _aliases: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _score_aliases: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for rc in self.root_causes:
            for old in rc.formerly:
                self._aliases[old] = rc.id
        for score in self.scores:
            for old in score.formerly:
                self._score_aliases[old] = score.name

    # --- reading ------------------------------------------------------------------------------
    @property
    def active(self) -> tuple[RootCause, ...]:
        """The root causes offered for new labels, in display order (the keys number these)."""
        return tuple(rc for rc in self.root_causes if not rc.retired)

    @property
    def retired(self) -> tuple[RootCause, ...]:
        return tuple(rc for rc in self.root_causes if rc.retired)

    @property
    def active_scores(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scores if not s.retired)

    @property
    def retired_scores(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scores if s.retired)

    def ids(self) -> tuple[str, ...]:
        return tuple(rc.id for rc in self.root_causes)

    def find(self, root_cause_id: str) -> RootCause | None:
        """The root cause an id names in this version (a former id finds the renamed cause)."""
        wanted = self.current_id(root_cause_id)
        return next((rc for rc in self.root_causes if rc.id == wanted), None)

    def current_id(self, root_cause_id: str) -> str:
        """The id a root cause has in this version (``tool_error`` → ``tool_failure`` once renamed)."""
        return self._aliases.get(root_cause_id, root_cause_id)

    def current_score(self, name: str) -> str:
        return self._score_aliases.get(name, name)

    def read_change(self, change: LabelChange) -> LabelChange:
        """``change`` with its root causes and scores named as this version names them.

        Events keep the ids they were written with (the log is never rewritten); folding them
        through this gives labels under the current version, so two reviewers who chose the same
        cause before and after a rename agree.
        """
        if not self._aliases and not self._score_aliases:
            return change
        fields = change.set_fields()
        if change.root_causes is not None:
            fields["root_causes"] = list(dict.fromkeys(self.current_id(rc) for rc in change.root_causes))
        if change.evidence is not None:
            fields["evidence"] = [
                Evidence(root_cause=self.current_id(e.root_cause), kind=e.kind, ref=e.ref) for e in change.evidence
            ]
        if change.scores is not None:
            fields["scores"] = {self.current_score(k): v for k, v in change.scores.items()}
        return LabelChange(**fields)

    def former_names(self) -> set[str]:
        """Every id and score name this version reads as another (renamed away)."""
        return set(self._aliases) | set(self._score_aliases)

    # --- stored form --------------------------------------------------------------------------
    @classmethod
    def from_stored(cls, version: int, root_causes: list[dict[str, Any]], scores: list[Any]) -> Taxonomy:
        causes = tuple(
            RootCause(
                id=str(rc["id"]),
                layer=str(rc.get("layer", "")),
                title=str(rc.get("title", rc["id"])),
                description=str(rc.get("description", "")),
                retired=bool(rc.get("retired", False)),
                formerly=tuple(rc.get("formerly", ())),
            )
            for rc in root_causes
        )
        parsed: list[Score] = []
        for score in scores:
            if isinstance(score, str):
                parsed.append(Score(score))
            else:
                parsed.append(
                    Score(str(score["name"]), bool(score.get("retired", False)), tuple(score.get("formerly", ())))
                )
        return cls(version, causes, tuple(parsed))

    def stored_root_causes(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for rc in self.root_causes:
            entry: dict[str, Any] = {"id": rc.id, "layer": rc.layer, "title": rc.title, "description": rc.description}
            if rc.retired:
                entry["retired"] = True
            if rc.formerly:
                entry["formerly"] = list(rc.formerly)
            out.append(entry)
        return out

    def stored_scores(self) -> list[Any]:
        """Plain names while nothing is retired or renamed (the form every earlier reader knows)."""
        out: list[Any] = []
        for score in self.scores:
            if not score.retired and not score.formerly:
                out.append(score.name)
            else:
                entry: dict[str, Any] = {"name": score.name}
                if score.retired:
                    entry["retired"] = True
                if score.formerly:
                    entry["formerly"] = list(score.formerly)
                out.append(entry)
        return out

    def to_json(self) -> dict[str, Any]:
        """The form ``taxonomy show --json`` prints and ``taxonomy import`` reads."""
        return {"version": self.version, "root_causes": self.stored_root_causes(), "scores": self.stored_scores()}

    # --- edits: each returns the next version -------------------------------------------------
    def _taken(self, name: str) -> bool:
        return (
            name in self._aliases
            or name in self._score_aliases
            or any(name == rc.id for rc in self.root_causes)
            or any(name == s.name for s in self.scores)
        )

    def _check_new_name(self, name: str, what: str) -> None:
        if not ID_PATTERN.match(name):
            raise UsageError(
                f"taxonomy not changed: {what} {name!r} must be lower-case letters, digits and _ "
                "(starting with a letter, at most 64)"
            )
        if self._taken(name):
            raise UsageError(f"taxonomy not changed: {name!r} is already a root cause or score here (or was one)")

    def _cause(self, root_cause_id: str) -> RootCause:
        found = next((rc for rc in self.root_causes if rc.id == root_cause_id), None)
        if found is None:
            former = self._aliases.get(root_cause_id)
            hint = f" (it was renamed to {former!r})" if former else f"; root causes: {', '.join(self.ids())}"
            raise UsageError(f"taxonomy not changed: no root cause {root_cause_id!r}{hint}")
        return found

    def _score(self, name: str) -> Score:
        found = next((s for s in self.scores if s.name == name), None)
        if found is None:
            names = ", ".join(s.name for s in self.scores)
            raise UsageError(f"taxonomy not changed: no score {name!r}; scores: {names}")
        return found

    def add(self, cause: RootCause, *, after: str | None = None) -> Taxonomy:
        """A new root cause, at the end of its layer (or after ``after``), else at the end."""
        self._check_new_name(cause.id, "root cause id")
        if not cause.title.strip():
            raise UsageError("taxonomy not changed: a root cause needs a title")
        causes = list(self.root_causes)
        if after is not None:
            position = causes.index(self._cause(after)) + 1
        else:
            in_layer = [i for i, rc in enumerate(causes) if rc.layer == cause.layer]
            position = in_layer[-1] + 1 if in_layer else len(causes)
        causes.insert(position, replace(cause, retired=False, formerly=()))
        return Taxonomy(self.version + 1, tuple(causes), self.scores)

    def add_score(self, name: str) -> Taxonomy:
        self._check_new_name(name, "score name")
        return Taxonomy(self.version + 1, self.root_causes, (*self.scores, Score(name)))

    def rename(
        self,
        root_cause_id: str,
        *,
        new_id: str | None = None,
        title: str | None = None,
        description: str | None = None,
        layer: str | None = None,
    ) -> Taxonomy:
        """A new id (old labels map to it), title, description or layer for a root cause."""
        cause = self._cause(root_cause_id)
        changed = cause
        if new_id is not None and new_id != cause.id:
            self._check_new_name(new_id, "root cause id")
            changed = replace(changed, id=new_id, formerly=(*cause.formerly, cause.id))
        if title is not None:
            if not title.strip():
                raise UsageError("taxonomy not changed: a root cause needs a title")
            changed = replace(changed, title=title.strip())
        if description is not None:
            changed = replace(changed, description=description.strip())
        if layer is not None and layer.strip():
            changed = replace(changed, layer=layer.strip())
        if changed == cause:
            raise UsageError(f"taxonomy not changed: {root_cause_id!r} already reads that way")
        causes = tuple(changed if rc is cause else rc for rc in self.root_causes)
        return Taxonomy(self.version + 1, causes, self.scores)

    def rename_score(self, name: str, new_name: str) -> Taxonomy:
        score = self._score(name)
        self._check_new_name(new_name, "score name")
        renamed = Score(new_name, score.retired, (*score.formerly, score.name))
        return Taxonomy(self.version + 1, self.root_causes, tuple(renamed if s is score else s for s in self.scores))

    def retire(self, root_cause_id: str) -> Taxonomy:
        cause = self._cause(root_cause_id)
        if cause.retired:
            raise UsageError(f"taxonomy not changed: {root_cause_id!r} is already retired")
        if len(self.active) == 1:
            raise UsageError("taxonomy not changed: the last root cause offered cannot be retired")
        causes = tuple(replace(rc, retired=True) if rc is cause else rc for rc in self.root_causes)
        return Taxonomy(self.version + 1, causes, self.scores)

    def retire_score(self, name: str) -> Taxonomy:
        score = self._score(name)
        if score.retired:
            raise UsageError(f"taxonomy not changed: score {name!r} is already retired")
        scores = tuple(replace(s, retired=True) if s is score else s for s in self.scores)
        return Taxonomy(self.version + 1, self.root_causes, scores)

    def restore(self, root_cause_id: str) -> Taxonomy:
        """Offer a retired root cause again."""
        cause = self._cause(root_cause_id)
        if not cause.retired:
            raise UsageError(f"taxonomy not changed: {root_cause_id!r} is not retired")
        causes = tuple(replace(rc, retired=False) if rc is cause else rc for rc in self.root_causes)
        return Taxonomy(self.version + 1, causes, self.scores)

    def imported(self, data: Mapping[str, Any], *, source: str) -> Taxonomy:
        """The next version from a taxonomy file (the ``to_json`` form; ``version`` is ignored).

        The file lists the taxonomy as it should be: causes and scores it names are added or
        updated (``formerly`` renames), and those it leaves out are retired, never deleted, so
        every stored label still reads.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("root_causes"), list):
            raise FormatError(f"{source}: a taxonomy file is an object with a root_causes list (and scores)")
        raw_scores = data.get("scores", [s.name for s in self.scores])
        if not isinstance(raw_scores, list):
            raise FormatError(f"{source}: scores must be a list of names")
        causes: list[RootCause] = []
        seen: set[str] = set()
        for number, entry in enumerate(data["root_causes"], 1):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                raise FormatError(f"{source}: root cause {number} has no id")
            rc_id = entry["id"]
            title = entry.get("title")
            formerly = tuple(str(f) for f in entry.get("formerly", ()) or ())
            previous = self.find(rc_id) or next((self.find(f) for f in formerly if self.find(f)), None)
            if not ID_PATTERN.match(rc_id):
                raise FormatError(f"{source}: root cause {number}: id {rc_id!r} must be lower-case letters, digits, _")
            if rc_id in seen:
                raise FormatError(f"{source}: root cause {number}: {rc_id!r} is listed twice")
            if not isinstance(title, str) or not title.strip():
                if previous is None:
                    raise FormatError(f"{source}: root cause {number} ({rc_id}) has no title")
                title = previous.title
            seen.add(rc_id)
            if previous is not None and previous.id != rc_id:
                formerly = tuple(dict.fromkeys((*previous.formerly, previous.id, *formerly)))
            elif previous is not None:
                formerly = tuple(dict.fromkeys((*previous.formerly, *formerly)))
            causes.append(
                RootCause(
                    id=rc_id,
                    layer=str(entry.get("layer") or (previous.layer if previous else "Other")),
                    title=title.strip(),
                    description=str(entry.get("description") or (previous.description if previous else "")),
                    retired=bool(entry.get("retired", False)),
                    formerly=formerly,
                )
            )
        kept = {rc.id for rc in causes} | {f for rc in causes for f in rc.formerly}
        for rc in self.root_causes:
            if rc.id not in kept:
                causes.append(replace(rc, retired=True))
        if not any(not rc.retired for rc in causes):
            raise FormatError(f"{source}: the taxonomy must offer at least one root cause")
        scores: list[Score] = []
        for entry in raw_scores:
            name = entry if isinstance(entry, str) else entry.get("name") if isinstance(entry, Mapping) else None
            if not isinstance(name, str) or not ID_PATTERN.match(name):
                raise FormatError(f"{source}: score {entry!r} must be a lower-case name")
            formerly = () if isinstance(entry, str) else tuple(str(f) for f in entry.get("formerly", ()) or ())
            retired = False if isinstance(entry, str) else bool(entry.get("retired", False))
            previous_score = next((s for s in self.scores if s.name in (name, *formerly)), None)
            if previous_score is not None and previous_score.name != name:
                formerly = tuple(dict.fromkeys((*previous_score.formerly, previous_score.name, *formerly)))
            elif previous_score is not None:
                formerly = tuple(dict.fromkeys((*previous_score.formerly, *formerly)))
            scores.append(Score(name, retired, formerly))
        kept_scores = {s.name for s in scores} | {f for s in scores for f in s.formerly}
        scores.extend(replace(s, retired=True) for s in self.scores if s.name not in kept_scores)
        names = [s.name for s in scores]
        if len(set(names)) != len(names):
            raise FormatError(f"{source}: a score is listed twice")
        clash = {rc.id for rc in causes} & set(names)
        if clash:
            raise FormatError(f"{source}: {', '.join(sorted(clash))} is both a root cause and a score")
        result = Taxonomy(self.version + 1, tuple(causes), tuple(scores))
        if result.stored_root_causes() == self.stored_root_causes() and result.stored_scores() == self.stored_scores():
            raise FormatError(f"{source}: taxonomy not changed: the file describes the current taxonomy")
        return result


def default_taxonomy(version: int = 1) -> Taxonomy:
    return Taxonomy(version, DEFAULT_ROOT_CAUSES, tuple(Score(name) for name in DEFAULT_SCORES))


def default_cause(root_cause_id: str) -> RootCause | None:
    """The default taxonomy's root cause of this id (``taxonomy add provider_error`` needs nothing more)."""
    return next((rc for rc in DEFAULT_ROOT_CAUSES if rc.id == root_cause_id), None)
