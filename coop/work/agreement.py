"""Agreement between the contributors who answered a task's items (issue 14, part 5).

What counts: the item answers of every contribution that was *signed and submitted* (any status but
"draft": submitted, in adjudication, accepted, revision-requested, rejected). A draft is unsigned and
rewritten on each attempt, so it is nobody's given answer yet. Rejected answers do count: agreement
measures how alike the contributors judged, before any review; counting only accepted work would
let the reviews filter out the very disagreement the adjudication rule exists to catch (and make the
rule circular). Answers to retired items do not count: an item taken out of the work was broken, and
disagreement over it says nothing about the contributors. One answer per member and item; claims
never hand a member an item twice, but should two exist, the later submission is the member's answer.

How each answer kind is measured (a "unit" is what one value is given to; alpha by coop.rules.agreement):
  pairwise        the choice (A / B / tie) per item, nominal: a tie is not "half way" between A and B
                  by anything the contributors were told.
  classification  single label: the label per item, nominal. Several labels (multi): every label of
                  the set is a unit per item with the value chosen / not chosen, nominal; alpha per
                  label ("criteria") and pooled over all labels (the task's). The package offers no
                  set distance (MASI, Jaccard), and per-label presence is exact and explainable.
  ranking         every response of an item is a unit whose value is its position (1 = best),
                  ordinal: positions are ranks, not measured distances.
  rubric          each criterion per item is a unit scored on the criterion's anchored scale,
                  ordinal (anchors name the points; nothing says the steps are equal); alpha per
                  criterion, and pooled over criteria when they share one scale (else None: scores on
                  different scales are not one variable).
  written         not measurable: free text gives no two answers a common label or number, and
                  alpha needs one; written work is judged by review alone.

Each contributor's agreement with the consensus is over the same units (leave-one-out: the others'
modal value, or their median for ordinal units). Reading never writes; one query reads a task's
answers (and one its spec), whatever the number of items.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotAllowed, NotFound
from coop.kernel.principal import Principal
from coop.rules import agreement
from coop.rules.agreement import Adjudication, Alpha, Answer, CoderAgreement, Level
from coop.work.claim_models import AnswerSpec, ContributionAnswer
from coop.work.models import Contribution, ItemRetirement, Task
from governance.policies import NoPolicy, Policy, PolicyService

__all__ = ["POLICY", "AgreementService", "Measured", "TaskAgreement", "adjudication_verdict", "measure"]

POLICY = "adjudication"  # the governed policy of the minimum alpha (governance.defaults.ADJUDICATION)
MY_TASKS = 20  # tasks shown in a contributor's own agreement block, most recent answer first

NOT_MEASURABLE = (
    "written answers are free text: no two have a common label or number to compare, "
    "so alpha is not defined for them; written work is judged by review alone"
)


@dataclass(frozen=True)
class Measured:
    """A task's agreement figures. `contributors` is keyed by member id (the portal's pseudonym)."""

    task_id: str
    answer_kind: str | None
    level: Level | None
    reason: str  # how it was measured, or why it could not be
    items: int  # items answered more than once (by members whose answers count)
    answers: int  # answers on those items
    task: Alpha | None  # None when the kind is not measurable (or has no spec)
    criteria: dict[str, Alpha] = field(default_factory=dict)
    contributors: dict[str, CoderAgreement] = field(default_factory=dict)

    @property
    def alphas(self) -> dict[str, Alpha]:
        """Every figure the adjudication rule looks at: the task's and each criterion's."""
        figures = {"task": self.task} if self.task is not None else {}
        return {**figures, **{f"criterion {name}": a for name, a in self.criteria.items()}}


@dataclass(frozen=True)
class TaskAgreement:
    """What a principal sees: the figures, the contributors they may see, and the policy's verdict."""

    task_title: str
    measured: Measured
    contributors: dict[str, CoderAgreement]  # every contributor for reviewers and stewards; else one's own
    verdict: Adjudication
    policy: dict[str, Any] | None  # the adjudication policy version applied ({policy, version}), if any


class AgreementService:
    def __init__(self, engine: Engine, policies: PolicyService):
        self.engine = engine
        self.policies = policies

    def for_task(self, principal: Principal, task_id: str) -> TaskAgreement:
        """A task's agreement, for members (their own figure) and reviewers and stewards (everyone's)."""
        if not principal.in_good_standing:
            raise NotAllowed("only members see agreement figures")
        with Session(self.engine) as session:
            task = session.get(Task, task_id)
            if task is None:
                raise NotFound(f"no task {task_id}")
            title, measured = task.title, measure(session, task_id)
        policy = self.policy()
        verdict = adjudication_verdict(measured, policy.body if policy else None)
        everyone = principal.has_role("reviewer") or principal.is_steward
        shown = {
            member: figure
            for member, figure in measured.contributors.items()
            if everyone or member == principal.account_id
        }
        return TaskAgreement(title, measured, shown, verdict, policy.ref if policy else None)

    def mine(self, principal: Principal) -> list[TaskAgreement]:
        """The member's own agreement on the tasks they answered items of (the latest MY_TASKS)."""
        if not principal.in_good_standing:
            return []
        with Session(self.engine) as session:
            latest = (
                select(Contribution.task_id)
                .join(ContributionAnswer, ContributionAnswer.contribution_id == Contribution.id)
                .where(Contribution.author_id == principal.account_id, Contribution.status != "draft")
                .group_by(Contribution.task_id)
                .order_by(func.max(Contribution.submitted_at).desc(), Contribution.task_id)
                .limit(MY_TASKS)
            )
            task_ids = list(session.scalars(latest))
        return [self.for_task(principal, task_id) for task_id in task_ids]

    def policy(self) -> Policy | None:
        """The adjudication policy in force; None on a database `coop init` has not yet seeded it in."""
        try:
            return self.policies.in_force(POLICY)
        except NoPolicy:
            return None


def measure(session: Session, task_id: str) -> Measured:
    """The task's figures, read in the caller's session (the review transaction calls it too)."""
    spec = session.get(AnswerSpec, task_id)
    if spec is None:
        return Measured(task_id, None, None, "this task takes no item answers (it has no answer spec)", 0, 0, None)
    kind = spec.answer_kind
    if kind == "written":
        return Measured(task_id, kind, None, NOT_MEASURABLE, 0, 0, None)
    given = _answers(session, task_id)
    per_item: dict[str, int] = {}
    for item, _member, _answer in given:
        per_item[item] = per_item.get(item, 0) + 1
    items = sum(1 for n in per_item.values() if n >= 2)
    answers = sum(n for n in per_item.values() if n >= 2)
    config = json.loads(spec.config)
    level, pooled, per_criterion, same_scale = _units(kind, config, given)
    levels = dict.fromkeys(per_criterion, level)
    criteria = agreement.alpha_per_criterion(per_criterion, levels) if per_criterion else {}
    how = f"{level} alpha of {_MEASURED_AS[kind, bool(config.get('multi'))]}"
    if same_scale:
        task = agreement.alpha(pooled, level)
    else:
        task = Alpha(None, "the criteria are scored on different scales: alpha is given per criterion", 0, 0)
    contributors = {str(coder): figure for coder, figure in agreement.agreement_with_consensus(pooled, level).items()}
    return Measured(task_id, kind, level, how, items, answers, task, criteria, contributors)


def policy_minimum(body: dict[str, Any]) -> tuple[float | None, int]:
    """(minimum alpha, minimum items) of an `adjudication` policy body; the alpha is kept in basis
    points because the log holds no floats."""
    bps = body["minimum_alpha_bps"]
    return (None if bps is None else bps / 10_000), int(body["minimum_items"])


def adjudication_verdict(measured: Measured, body: dict[str, Any] | None) -> Adjudication:
    """Whether the task's items go to adjudication under the policy `body` (None: no policy adopted).

    Required when at least `minimum_items` items are answered more than once and any measured alpha
    (the task's, or any criterion's) is below the minimum: a criterion the contributors read
    differently is disagreement on the items, even when the pooled figure hides it."""
    if body is None:
        return Adjudication(False, "no adjudication policy has been adopted (run `coop init`)")
    minimum, enough = policy_minimum(body)
    if minimum is None:
        return Adjudication(False, "no minimum alpha is in force")
    if measured.task is None:
        return Adjudication(False, measured.reason)
    if measured.items < enough:
        return Adjudication(
            False, f"{measured.items} items answered more than once; the minimum alpha applies from {enough}"
        )
    return agreement.adjudication(measured.alphas, minimum)


_MEASURED_AS = {
    ("pairwise", False): "the choices (A / B / tie), one per item",
    ("classification", False): "the label chosen, one per item",
    ("classification", True): "each label chosen or not, per label and pooled over the labels",
    ("ranking", False): "each response's position in the ranking (1 = best)",
    ("rubric", False): "each criterion's scores, per criterion and pooled when the scales are the same",
}


def _answers(session: Session, task_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(item, member, answer) of the answers that count (module docstring), in one query."""
    retired = select(ItemRetirement.item_id).where(ItemRetirement.item_id == ContributionAnswer.item_id).exists()
    rows = session.execute(
        select(ContributionAnswer.item_id, Contribution.author_id, ContributionAnswer.answer)
        .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
        .where(Contribution.task_id == task_id, Contribution.status != "draft", ~retired)
        .order_by(Contribution.submitted_at, Contribution.id)
    ).all()
    latest = {(item, member): answer for item, member, answer in rows}  # the later submission wins
    return [(item, member, json.loads(answer)) for (item, member), answer in latest.items()]


def _units(
    kind: str, config: dict[str, Any], given: Sequence[tuple[str, str, dict[str, Any]]]
) -> tuple[Level, list[Answer], dict[str, list[Answer]], bool]:
    """(level, pooled answers, answers per criterion, whether pooling is meaningful) for `kind`."""
    pooled: list[Answer] = []
    per: dict[str, list[Answer]] = {}
    if kind == "pairwise":
        return "nominal", [(item, member, a["choice"]) for item, member, a in given], {}, True
    if kind == "classification" and not config["multi"]:
        return "nominal", [(item, member, a["labels"][0]) for item, member, a in given], {}, True
    if kind == "classification":
        per = {label: [] for label in config["labels"]}
        for item, member, a in given:
            for label in config["labels"]:
                value = "chosen" if label in a["labels"] else "not chosen"
                per[label].append((item, member, value))
                pooled.append(((item, label), member, value))
        return "nominal", pooled, per, True
    if kind == "ranking":
        for item, member, a in given:
            pooled.extend(((item, response), member, place) for place, response in enumerate(a["order"], 1))
        return "ordinal", pooled, {}, True
    if kind == "rubric":
        criteria = config["criteria"]
        per = {c["name"]: [] for c in criteria}
        for item, member, a in given:
            for name, score in a["scores"].items():
                if name in per:
                    per[name].append((item, member, score))
                    unit: Hashable = (item, name)
                    pooled.append((unit, member, score))
        return "ordinal", pooled, per, len({(c["min"], c["max"]) for c in criteria}) == 1
    raise ValueError(f"stored answer kind {kind!r} has no measure")
