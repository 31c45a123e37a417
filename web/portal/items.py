"""Portal pages for a task's items: every member sees them (paged); a steward uploads a batch (a
JSONL or CSV file, or pasted text), sets the task's answer spec (once) and retires an item with a
reason. A refused form is shown back with its reason and what was entered (for a file, its per-line
report), nothing changed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from coop.kernel.errors import NotFound, Refused
from coop.rules.answers import ANSWER_KINDS_FOR_TASK, EDIT_RULES
from coop.work.answer_specs import AnswerSpecService
from coop.work.item_files import FORMATS, MAX_FILE_CHARS, MAX_ITEMS
from coop.work.items import ItemService
from coop.work.tasks import TaskService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.answer_spec_form import CRITERION_SLOTS, config_from_form
from web.portal.common import PAGE_SIZE, Form, Req, int_value, page, pager, redirect_done, text_value
from web.portal.item_work import spec_or_none


class ItemPages(Controller):
    path = "/tasks/{task_id:str}/items"
    include_in_schema = False

    @staticmethod
    def _items_page(
        request: Req,
        tasks: TaskService,
        items: ItemService,
        answer_specs: AnswerSpecService,
        task_id: str,
        number: int = 1,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        task = tasks.get(task_id)
        listed = items.page(task_id, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        return page(
            request,
            "task_items.html",
            status_code=status,
            task=task,
            items=listed.items,
            pager=pager(number, listed.total),
            batches=items.batches(task_id),
            formats=FORMATS,
            max_items=MAX_ITEMS,
            spec=spec_or_none(answer_specs, task_id),
            answer_kinds=ANSWER_KINDS_FOR_TASK.get(task.kind, ()),  # type: ignore[call-overload]
            edit_rules=EDIT_RULES,
            criterion_slots=CRITERION_SLOTS,
            errors=extra.pop("errors", {}),
            spec_values=extra.pop("spec_values", {}),
            **extra,
        )

    @get("/", guards=[auth.member], sync_to_thread=True)
    def items_of_task(
        self,
        request: Req,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        page_number: FromQuery[int] = 1,
        done: FromQuery[str | None] = None,
    ) -> Template:
        number = max(1, min(page_number, 10**6))
        return self._items_page(request, tasks, items, answer_specs, task_id, number, done=done)

    @post("/", guards=[auth.steward], sync_to_thread=True)
    def import_items(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        upload = data.get("file")
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                raw = upload.file.read(MAX_FILE_CHARS * 4 + 1)
                try:
                    content = raw.decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    raise Refused("the file must be UTF-8 text") from error
            else:
                content = text_value(data, "content")
            batch = items.import_batch(principal, task_id, text_value(data, "format"), content)
        except USER_ERRORS as error:
            return self._items_page(
                request, tasks, items, answer_specs, task_id, status=status_for(error), errors={"_form": str(error)}
            )
        return redirect_done(
            f"/tasks/{task_id}/items", f"{batch.item_count} items imported (log entry {batch.log_index})."
        )

    @post("/answer-spec", guards=[auth.steward], sync_to_thread=True)
    def set_answer_spec(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Set what an answer to the task's items is (once); a refused spec is shown back as entered."""
        try:
            kind = text_value(data, "answer_kind")
            config = config_from_form(kind, data)
            spec = answer_specs.set(
                principal, task_id, kind, config, int_value(data, "answers_per_item", "answers per item")
            )
        except USER_ERRORS as error:
            return self._items_page(
                request,
                tasks,
                items,
                answer_specs,
                task_id,
                status=status_for(error),
                errors={"spec": str(error)},
                spec_values=data,
            )
        return redirect_done(
            f"/tasks/{task_id}/items", f"Answer spec set: {spec.answer_kind} (log entry {spec.log_index})."
        )

    @post("/{item_id:str}/retire", guards=[auth.steward], sync_to_thread=True)
    def retire(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        item_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Take an item out of the work with a reason (logged); the item itself is kept."""
        if items.get(item_id).task_id != task_id:
            raise NotFound(f"task {task_id} has no item {item_id}")
        try:
            retired = items.retire(principal, item_id, text_value(data, "reason"))
        except USER_ERRORS as error:
            return self._items_page(
                request,
                tasks,
                items,
                answer_specs,
                task_id,
                status=status_for(error),
                errors={"retire": str(error), "retire_item": item_id},
            )
        return redirect_done(
            f"/tasks/{task_id}/items",
            f"Item {retired.position + 1} retired (log entry {retired.retirement_log_index}).",
        )
