"""Open tasks whose work is on items, for the tests of the item pages: a task of the given kind, its
items imported (JSONL) and its answer spec set, as a steward would through the API."""

from __future__ import annotations

import json

from sqlalchemy import text

from coop.work.tasks import TaskSpec

RUBRIC = {
    "criteria": [
        {
            "name": "accuracy",
            "description": "Is it right?",
            "min": 1,
            "max": 3,
            "anchors": {"1": "wrong", "2": "partly right", "3": "right"},
        },
        {"name": "tone", "description": "Is it kind?", "min": 0, "max": 1, "anchors": {"0": "curt", "1": "kind"}},
    ]
}
LABELS = ["safe", "unsafe", "unclear"]


def open_item_task(runtime, steward, task_kind, answer_kind, config, items, k=2, title=None):
    """An open task of `task_kind` holding `items` (dicts), with the answer spec set."""
    task = runtime.tasks.open(
        steward,
        TaskSpec(
            "Items",
            title or f"{answer_kind} work",
            "Answer each item.",
            task_kind,
            "item",
            3,
            100,
            "EUR",
            ["model-training"],
        ),
    )
    runtime.items.import_batch(steward, task.id, "jsonl", "\n".join(json.dumps(item) for item in items))
    runtime.answer_specs.set(steward, task.id, answer_kind, config, k)
    return task


def questions(n=3, responses=2):
    return [
        {"prompt": f"Question {i}?", "responses": [f"response {r} to {i}" for r in range(1, responses + 1)]}
        for i in range(1, n + 1)
    ]


def count(runtime, table):
    with runtime.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def start(browser, task_id):
    """Press "Start working": the path of the claim shown."""
    response = browser.post(f"/tasks/{task_id}/work")
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


def answers(runtime):
    """The stored typed answers, oldest first."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.answer FROM contribution_answer a JOIN contribution c ON c.id = a.contribution_id "
                "ORDER BY c.created_at"
            )
        )
        return [json.loads(row[0]) for row in rows]
