"""Items of a task (issue 14, part 1): stewards import batches from JSONL or CSV, all or nothing, with
a signed, logged manifest; items are retired by a logged record, never edited or deleted."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from coop.kernel.errors import NotAllowed, Refused
from coop.work.item_files import MAX_REPORTED, read_items
from coop.work.tasks import TaskSpec
from provenance.core.commitment import list_root
from provenance.core.entry import parse_leaf
from tests.test_log_schemas import api_token

JSONL = "\n".join(
    json.dumps(item)
    for item in [
        {"prompt": "Summarise clause 4.", "responses": ["It limits liability.", "It sets the term."]},
        {"prompt": "Summarise clause 5.", "responses": ["Payment within 30 days.", "Payment on delivery."]},
        {"prompt": "Summarise clause 6.", "responses": ["Either party may end it.", "Only the buyer may end it."]},
    ]
)
CSV = 'prompt,response_a,response_b\nIs 7 prime?,Yes,No\n"Capital of France, please",Paris,Lyon\n'


@pytest.fixture
def task(runtime, steward):
    runtime.policies.seed_defaults()
    spec = TaskSpec(
        "Contracts", "Rank two summaries", "Pick the better.", "ranking", "pair", 6, 300, "EUR", ["research"]
    )
    return runtime.tasks.open(steward, spec)


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_a_jsonl_batch_is_stored_in_file_order(runtime, steward, task):
    batch = runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    page = runtime.items.page(task.id)
    assert batch.item_count == 3 and page.total == 3
    assert [i.content["prompt"] for i in page.items] == [f"Summarise clause {n}." for n in (4, 5, 6)]


def test_a_csv_batch_becomes_items_of_string_fields(runtime, steward, task):
    runtime.items.import_batch(steward, task.id, "csv", CSV)
    contents = [i.content for i in runtime.items.page(task.id).items]
    assert contents[1] == {"prompt": "Capital of France, please", "response_a": "Paris", "response_b": "Lyon"}


def test_the_logged_manifest_commits_to_the_stored_item_hashes(runtime, steward, task, log):
    batch = runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    logged = parse_leaf(log.entry(batch.log_index))
    stored = runtime.items.batch_hashes(batch.id)
    assert logged.kind == "task.items-imported"
    assert logged.body["items_root"] == list_root(stored) == batch.items_root
    assert logged.body["item_count"] == len(stored) == 3 and logged.body["task"] == task.id


def test_a_file_with_bad_lines_is_refused_listing_each_and_nothing_is_stored_or_logged(
    runtime, steward, task, log, engine
):
    before = log.size()
    bad = '{"prompt": "fine"}\nnot json\n["a list"]\n{"Prompt": "capital"}\n{"prompt": "fine"}\n'
    with pytest.raises(Refused) as refused:
        runtime.items.import_batch(steward, task.id, "jsonl", bad)
    report = str(refused.value)
    assert "nothing was imported: 4 bad lines" in report
    for line in (
        "line 2: not JSON",
        "line 3: an item is a JSON object",
        "line 4: field name",
        "line 5: the same item as line 1",
    ):
        assert line in report
    assert "line 1:" not in report
    assert log.size() == before and rows(engine, "task_item") == 0 and rows(engine, "item_batch") == 0


def test_the_report_is_capped_and_counts_the_rest():
    with pytest.raises(Refused, match=f"{MAX_REPORTED + 10} bad lines .* and 10 more$"):
        read_items("jsonl", "x\n" * (MAX_REPORTED + 10))


def test_a_csv_row_with_the_wrong_number_of_cells_is_reported_by_line():
    with pytest.raises(Refused, match="line 4: 2 cells where the header names 3"):
        read_items("csv", CSV + "only,two\n")


def test_an_item_already_in_the_task_is_refused_and_the_second_batch_imports_nothing(runtime, steward, task, log):
    runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    before = log.size()
    again = '{"prompt": "new"}\n' + JSONL.splitlines()[1]
    with pytest.raises(Refused, match="line 2: this item is already in the task"):
        runtime.items.import_batch(steward, task.id, "jsonl", again)
    assert log.size() == before and runtime.items.page(task.id).total == 3


def test_the_same_item_may_be_in_two_tasks(runtime, steward, task):
    spec = TaskSpec("Contracts", "Again", "Pick.", "ranking", "pair", 6, 300, "EUR", ["research"])
    other = runtime.tasks.open(steward, spec)
    runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    runtime.items.import_batch(steward, other.id, "jsonl", JSONL)
    assert runtime.items.page(other.id).total == 3


def test_a_member_may_not_import_items(runtime, admit, task):
    with pytest.raises(NotAllowed):
        runtime.items.import_batch(admit("bo"), task.id, "jsonl", JSONL)


def test_retiring_logs_and_hides_the_item_from_the_active_list_but_keeps_it_readable(runtime, steward, task, log):
    runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    item = runtime.items.page(task.id).items[0]
    retired = runtime.items.retire(steward, item.id, "the clause was misquoted")
    logged = parse_leaf(log.entry(retired.retirement_log_index))
    assert logged.kind == "task.item-retired" and logged.body["item_sha256"] == item.sha256
    assert b"misquoted" not in log.entry(retired.retirement_log_index)  # the reason is logged as its hash
    assert item.id not in [i.id for i in runtime.items.page(task.id).items]
    assert runtime.items.page(task.id, include_retired=True).total == 3
    kept = runtime.items.get(item.id)
    assert kept.content == item.content and kept.retirement_reason == "the clause was misquoted"


def statements_during(engine, action):
    """The SQL statements `action` sends to the database."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def test_listing_a_page_of_items_costs_the_same_few_queries_however_many_items_it_holds(runtime, steward, task, engine):
    lines = "\n".join(json.dumps({"prompt": f"Question {n}?", "responses": ["yes", "no"]}) for n in range(40))
    runtime.items.import_batch(steward, task.id, "jsonl", lines)
    for item in runtime.items.page(task.id, limit=3).items:
        runtime.items.retire(steward, item.id, "misquoted")
    one = statements_during(engine, lambda: runtime.items.page(task.id, limit=1, include_retired=True))
    forty = statements_during(engine, lambda: runtime.items.page(task.id, limit=40, include_retired=True))
    assert len(forty) == len(one) <= 4
    listed = runtime.items.page(task.id, limit=40, include_retired=True).items
    assert [i.retirement_reason for i in listed[:4]] == ["misquoted"] * 3 + [None]
    assert [i.content["prompt"] for i in listed] == [f"Question {n}?" for n in range(40)]


def test_retiring_needs_a_reason(runtime, steward, task):
    runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    with pytest.raises(Refused, match="reason"):
        runtime.items.retire(steward, runtime.items.page(task.id).items[0].id, "  ")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE task_item SET position = 7",
        "DELETE FROM task_item",
        "UPDATE item_batch SET item_count = 1",
        "DELETE FROM item_retirement",
    ],
)
def test_the_database_refuses_to_change_items(runtime, steward, task, engine, statement):
    runtime.items.import_batch(steward, task.id, "jsonl", JSONL)
    runtime.items.retire(steward, runtime.items.page(task.id).items[0].id, "duplicate wording")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), st.text(max_size=30), min_size=1, max_size=4
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda d: json.dumps(d, sort_keys=True),
    )
)
def test_any_file_of_valid_items_reads_back_as_those_items_in_order(items):
    parsed = read_items("jsonl", "\n".join(json.dumps(item) for item in items))
    assert [json.loads(p.canonical) for p in parsed] == items


# -- the API ----------------------------------------------------------------------------------------


@pytest.fixture
def headers(client, steward, admit):
    return {
        "steward": api_token(client, "steward@coop.test", "steward-password"),
        "member": (admit("bo"), api_token(client, "bo@coop.test", "bo-password"))[1],
    }


def test_the_api_imports_lists_reads_and_retires(client, task, headers):
    response = client.post(
        f"/api/tasks/{task.id}/items", json={"format": "csv", "content": CSV}, headers=headers["steward"]
    )
    assert response.status_code == 201 and response.json()["item_count"] == 2, response.text
    listed = client.get(f"/api/tasks/{task.id}/items?limit=1", headers=headers["member"]).json()
    assert listed["total"] == 2 and len(listed["items"]) == 1
    item_id = listed["items"][0]["id"]
    retired = client.post(f"/api/items/{item_id}/retire", json={"reason": "typo"}, headers=headers["steward"])
    assert retired.status_code == 200 and retired.json()["retired"] is True
    read = client.get(f"/api/items/{item_id}", headers=headers["member"]).json()
    assert read["content"]["prompt"] == "Is 7 prime?" and read["retirement_reason"] == "typo"


def test_a_member_importing_over_the_api_is_refused_403(client, task, headers):
    response = client.post(
        f"/api/tasks/{task.id}/items", json={"format": "jsonl", "content": JSONL}, headers=headers["member"]
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"format": "xml", "content": "<a/>"}, "format"),
        ({"format": "jsonl"}, "content"),
        ({"format": "jsonl", "content": ""}, "the file holds no items"),
        ({"format": "jsonl", "content": '{"prompt": 3}'}, "line 1: field 'prompt' must be a string"),
    ],
)
def test_the_api_refuses_bad_bodies_with_the_reason_and_logs_nothing(client, task, headers, log, body, reason):
    before = log.size()
    response = client.post(f"/api/tasks/{task.id}/items", json=body, headers=headers["steward"])
    assert response.status_code == 400 and reason in response.text, response.text
    assert log.size() == before


def test_an_unknown_item_is_404(client, headers):
    assert client.get(f"/api/items/{'0' * 32}", headers=headers["member"]).status_code == 404


# -- the portal -------------------------------------------------------------------------------------


def test_a_steward_uploads_a_file_in_the_portal_and_members_see_the_items(browse, steward, admit, task):
    response = browse(steward).post(
        f"/tasks/{task.id}/items", {"format": "jsonl"}, files={"file": ("items.jsonl", JSONL.encode())}
    )
    assert response.status_code == 303 and "3%20items%20imported" in response.headers["location"], response.text
    shown = browse(admit("bo")).get(f"/tasks/{task.id}/items")
    assert shown.status_code == 200 and "Summarise clause 6." in shown.text and "Import a batch" not in shown.text


def test_a_bad_file_in_the_portal_is_shown_back_with_its_report(browse, steward, task, log):
    before = log.size()
    response = browse(steward).post(
        f"/tasks/{task.id}/items", {"format": "csv", "content": "prompt\nfine\n"}, files={"file": ("", b"")}
    )
    assert response.status_code == 303
    bad = browse(steward).post(
        f"/tasks/{task.id}/items", {"format": "csv", "content": "Prompt,x\na,b\n"}, files={"file": ("", b"")}
    )
    assert bad.status_code == 400 and "line 1: the header must name each field once" in bad.text
    assert log.size() == before + 1
