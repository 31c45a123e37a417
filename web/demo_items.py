"""The demo's item tasks: one per answer kind, each with items the project writes itself.

No external data set: every item is composed from the small lists below (a product, a question, two
or more candidate replies of known quality), so the demo has enough items to claim and answer
without shipping a corpus. Each `ItemTask` also says how demo member number `m` answers item `i`
(`answer(i, m)`): mostly the "right" answer the item was built around, with a deterministic minority
who disagree, so the agreement figures have something real to measure (neither perfect nor noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coop.work.tasks import TaskSpec

ITEMS_PER_TASK = 24
Answer = dict[str, Any]


@dataclass(frozen=True)
class ItemTask:
    spec: TaskSpec
    answer_kind: str
    config: dict[str, Any]
    items: list[dict[str, Any]]
    answer: Callable[[int, int], Answer]  # (item index, member index) -> that member's answer


TOPICS = [
    ("a bicycle chain", "keeps slipping under load"),
    ("a sourdough starter", "smells of acetone"),
    ("a laptop battery", "drains overnight while asleep"),
    ("a tomato plant", "has yellow lower leaves"),
    ("a kitchen drain", "empties slowly"),
    ("a phone camera", "takes blurry photos indoors"),
    ("a wool jumper", "has shrunk after washing"),
    ("a home Wi-Fi network", "drops every evening"),
    ("a car windscreen", "fogs up on cold mornings"),
    ("a houseplant", "drops leaves after repotting"),
    ("a spreadsheet formula", "returns #REF! after a column is deleted"),
    ("a bread machine loaf", "collapses in the middle"),
]
GOOD = "Check the most likely cause first ({cause}), then {step}; stop if it is fixed."
WEAK = "It is probably broken. Buy a new one."
CAUSES = [
    ("a worn chain or cassette", "measure the chain stretch with a gauge"),
    ("too little feeding", "feed it twice a day at a 1:1:1 ratio"),
    ("a background app holding a wake lock", "check the battery usage list"),
    ("nitrogen shortage or overwatering", "let the soil dry and feed lightly"),
    ("a hair and soap clog in the trap", "clean the trap before using chemicals"),
    ("a slow shutter in low light", "steady the phone and add light"),
    ("hot water and agitation", "soak it in lukewarm water with conditioner and reshape it"),
    ("channel congestion from neighbours", "move the router to a less busy channel"),
    ("moist air inside the car", "run the air conditioning with fresh air"),
    ("root disturbance", "keep it out of direct sun and water sparingly"),
    ("an absolute reference to the deleted column", "rewrite it with INDEX/MATCH"),
    ("too much yeast or liquid", "cut the yeast by a quarter"),
]


def _topic(i: int) -> tuple[str, str, str, str]:
    thing, symptom = TOPICS[i % len(TOPICS)]
    cause, step = CAUSES[i % len(CAUSES)]
    asker = ("My", "Our", "A friend's")[i // len(TOPICS) % 3]
    return f"{asker} {thing} {symptom}. What should I do?", GOOD.format(cause=cause, step=step), cause, step


def _dissents(i: int, m: int) -> bool:
    """Whether member m departs from the item's expected answer: about one answer in five."""
    return (i * 7 + m * 3) % 5 == 0


def pairwise_task() -> ItemTask:
    items = []
    for i in range(ITEMS_PER_TASK):
        prompt, good, _, _ = _topic(i)
        pair = [good, WEAK] if i % 2 == 0 else [WEAK, good]
        items.append({"prompt": prompt, "responses": pair})

    def answer(i: int, m: int) -> Answer:
        better = "A" if i % 2 == 0 else "B"
        if _dissents(i, m):
            return {"choice": "tie", "reason": "Both miss that the first step is to look, not to fix."}
        return {"choice": better, "reason": "It names a likely cause and a first step; the other gives up."}

    spec = TaskSpec(
        "Helpful replies",
        "Which reply helps more?",
        "Read the question and pick the more helpful reply (or a tie); say why in a sentence.",
        "ranking",
        "pair",
        3,
        120,
        "EUR",
        ["model-training", "model-evaluation"],
    )
    return ItemTask(spec, "pairwise", {"allow_tie": True}, items, answer)


def ranking_task() -> ItemTask:
    items = []
    for i in range(ITEMS_PER_TASK):
        prompt, good, cause, step = _topic(i)
        responses = [good, f"Maybe {cause}; try to {step}.", WEAK]
        shift = i % 3  # the best reply is not always first
        items.append({"prompt": prompt, "responses": responses[shift:] + responses[:shift]})

    def answer(i: int, m: int) -> Answer:
        shift = i % 3
        letters = ["A", "B", "C"]
        best_first = [letters[(k - shift) % 3] for k in range(3)]  # good, hedged, weak
        if _dissents(i, m):
            best_first[0], best_first[1] = best_first[1], best_first[0]
        return {"order": best_first}

    spec = TaskSpec(
        "Helpful replies",
        "Rank three replies",
        "Order the replies from most to least helpful.",
        "ranking",
        "ranking",
        4,
        160,
        "EUR",
        ["model-training"],
    )
    return ItemTask(spec, "ranking", {}, items, answer)


def _criterion(name: str, description: str) -> dict[str, Any]:
    anchors = {"1": "poor", "2": "weak", "3": "adequate", "4": "good", "5": "excellent"}
    return {"name": name, "description": description, "min": 1, "max": 5, "anchors": anchors}


def rubric_task() -> ItemTask:
    items = []
    for i in range(ITEMS_PER_TASK):
        prompt, good, _, _ = _topic(i)
        items.append({"prompt": prompt, "response": good if i % 3 else WEAK})

    def answer(i: int, m: int) -> Answer:
        base = 4 if i % 3 else 2
        nudge = (1 if base < 5 else -1) if _dissents(i, m) else 0
        return {"scores": {"accuracy": base + nudge, "clarity": base + (m + i) % 2}}

    criteria = [
        _criterion("accuracy", "Is the advice correct and safe?"),
        _criterion("clarity", "Could a beginner follow it?"),
    ]
    spec = TaskSpec(
        "Reply quality",
        "Score a reply on a rubric",
        "Score each criterion from 1 to 5 using the anchors.",
        "evaluation",
        "reply",
        3,
        120,
        "EUR",
        ["model-evaluation"],
    )
    return ItemTask(spec, "rubric", {"criteria": criteria}, items, answer)


LABELS = ["home", "garden", "cooking", "technology", "vehicles"]
TOPIC_LABEL = [
    "vehicles",
    "cooking",
    "technology",
    "garden",
    "home",
    "technology",
    "home",
    "technology",
    "vehicles",
    "garden",
    "technology",
    "cooking",
]


def classification_task() -> ItemTask:
    items = [{"text": _topic(i)[0]} for i in range(ITEMS_PER_TASK)]

    def answer(i: int, m: int) -> Answer:
        label = TOPIC_LABEL[i % len(TOPIC_LABEL)]
        if _dissents(i, m):
            label = "home" if label != "home" else "garden"
        return {"labels": [label]}

    spec = TaskSpec(
        "Question topics",
        "Label a question's topic",
        "Pick the one topic the question is about.",
        "evaluation",
        "question",
        1,
        40,
        "EUR",
        ["model-training"],
    )
    config = {"labels": LABELS, "multi": False}
    return ItemTask(spec, "classification", config, items, answer)


def written_task() -> ItemTask:
    items = []
    for i in range(ITEMS_PER_TASK):
        prompt, _, cause, step = _topic(i)
        items.append({"prompt": prompt, "response": f"Just {step} and it will be fine."})

    def answer(i: int, m: int) -> Answer:
        prompt, good, cause, _ = _topic(i)
        text = f"The reply skips the diagnosis: {cause} is only the likeliest cause, so say to check it first."
        return {"text": text, "edited": good, "sources": []}

    spec = TaskSpec(
        "Reply corrections",
        "Correct an over-confident reply",
        "Say what is wrong with the reply and, if you can, give a corrected version.",
        "correction",
        "reply",
        6,
        300,
        "EUR",
        ["model-training", "research"],
    )
    return ItemTask(spec, "written", {"edit": "optional", "min_sources": 0}, items, answer)


def item_tasks() -> list[ItemTask]:
    return [pairwise_task(), ranking_task(), rubric_task(), classification_task(), written_task()]
