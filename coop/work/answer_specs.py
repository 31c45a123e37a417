"""A task's answer spec: what an answer to its items is (an answer kind of coop.rules.answers, the
kind's configuration) and how many people answer each item (k).

A steward sets it **once**: the spec is never changed or versioned, because every answer already
given was checked against it and agreement compares answers of one shape. Setting the same spec
again returns it (a retried request is harmless); a different one is a Conflict — a task whose spec
is wrong is closed and a new one opened. The spec is logged as the co-op's `task.answer-spec`
statement in the transaction that stores it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.rules.answers import ANSWER_KINDS, AnswerKind, check_answer_kind, check_config
from coop.statements.work import MAX_ANSWERS_PER_ITEM
from coop.work.claim_models import AnswerSpec
from coop.work.models import Task
from provenance.core.canonical import canonical_json
from provenance.service import ProvenanceLog

SPEC_KIND = "task.answer-spec"


@dataclass(frozen=True)
class AnswerSpecView:
    task_id: str
    answer_kind: AnswerKind
    config: dict[str, Any]
    answers_per_item: int
    set_by: str
    set_at: datetime
    log_index: int


class AnswerSpecService:
    def __init__(self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.clock = clock

    def set(
        self, steward: Principal, task_id: str, answer_kind: str, config: Any, answers_per_item: Any
    ) -> AnswerSpecView:
        """Check and store the task's spec, logged; the same spec again returns the first."""
        if not steward.is_steward:
            raise NotAllowed("only stewards set a task's answer spec")
        if isinstance(answers_per_item, bool) or not isinstance(answers_per_item, int):
            raise Refused("answers_per_item must be a whole number")
        if not 1 <= answers_per_item <= MAX_ANSWERS_PER_ITEM:
            raise Refused(f"answers_per_item must be 1 to {MAX_ANSWERS_PER_ITEM}")
        with write_session(self.engine) as session, session.begin():
            task = session.get(Task, task_id, with_for_update=True)  # one spec-setting per task at a time
            if task is None:
                raise NotFound(f"no task {task_id}")
            kind = check_answer_kind(task.kind, answer_kind)
            clean = check_config(kind, config)
            existing = session.get(AnswerSpec, task_id)
            if existing is not None:
                if (existing.answer_kind, json.loads(existing.config), existing.answers_per_item) == (
                    kind,
                    clean,
                    answers_per_item,
                ):
                    return spec_view(existing)
                raise Conflict("a task's answer spec is set once and never changed; close the task and open a new one")
            now = self.clock()
            index = self.log.append_coop_statement(
                session.connection(),
                SPEC_KIND,
                {
                    "task": task_id,
                    "answer_kind": kind,
                    "config": clean,
                    "answers_per_item": answers_per_item,
                    "by": steward.account_id,
                    "time": now.isoformat(),
                },
            )
            row = AnswerSpec(
                task_id=task_id,
                answer_kind=kind,
                config=canonical_json(clean).decode(),
                answers_per_item=answers_per_item,
                set_by=steward.account_id,
                set_at=now,
                log_index=index,
            )
            session.add(row)
            session.flush()
            return spec_view(row)

    def get(self, task_id: str) -> AnswerSpecView:
        with Session(self.engine) as session:
            return spec_cached(session, task_id)


def spec_of(session: Session, task_id: str) -> AnswerSpec:
    spec = session.get(AnswerSpec, task_id)
    if spec is None:
        raise Conflict("this task has no answer spec yet: a steward sets one before its items are worked on")
    return spec


# Process-wide, by (database URL, task id): the spec row's columns as read. Safe because the row is
# set once and never changed or deleted (answer_spec is insert-only: triggers of migration 0016
# refuse UPDATE and DELETE), and only a row read back from the database is kept — committed by
# whoever set it, since the transactions that read through `spec_cached` never write one. A task
# without a spec is not cached (it may get one). Only the immutable columns are kept; each call
# builds a fresh view (its config dict is the caller's to keep). Bounded: cleared when full.
_SPECS: dict[tuple[str, str], tuple[str, str, str, int, str, datetime, int]] = {}
_SPECS_MAX = 4096


def spec_cached(session: Session, task_id: str) -> AnswerSpecView:
    """The task's spec (Conflict when it has none), read from the database once per process."""
    key = (str(session.get_bind().engine.url), task_id)
    found = _SPECS.get(key)
    if found is None:
        row = spec_of(session, task_id)
        found = (row.task_id, row.answer_kind, row.config, row.answers_per_item, row.set_by, row.set_at, row.log_index)
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        _SPECS[key] = found
    task, kind, config, k, by, at, index = found
    return AnswerSpecView(task, check_answer_kind_stored(kind), json.loads(config), k, by, at, index)


def spec_view(row: AnswerSpec) -> AnswerSpecView:
    return AnswerSpecView(
        row.task_id,
        check_answer_kind_stored(row.answer_kind),
        json.loads(row.config),
        row.answers_per_item,
        row.set_by,
        row.set_at,
        row.log_index,
    )


def check_answer_kind_stored(value: str) -> AnswerKind:
    """An answer kind read back from the table (stored only after check_answer_kind)."""
    for kind in ANSWER_KINDS:
        if kind == value:
            return kind
    raise ValueError(f"stored answer kind {value!r} is unknown")
