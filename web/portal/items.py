"""Portal pages for a task's items: every member sees them (paged); a steward uploads a batch (a
JSONL or CSV file, or pasted text). A refused file is shown back with its per-line report."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from coop.work.item_files import FORMATS, MAX_FILE_CHARS, MAX_ITEMS
from coop.work.items import ItemService
from coop.work.tasks import TaskService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import PAGE_SIZE, Req, page, pager, redirect_done, text_value


class ItemPages(Controller):
    path = "/tasks/{task_id:str}/items"
    include_in_schema = False

    @staticmethod
    def _items_page(
        request: Req,
        tasks: TaskService,
        items: ItemService,
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
            errors=extra.pop("errors", {}),
            **extra,
        )

    @get("/", guards=[auth.member], sync_to_thread=True)
    def items_of_task(
        self,
        request: Req,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
        task_id: FromPath[str],
        page_number: FromQuery[int] = 1,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return self._items_page(request, tasks, items, task_id, max(1, min(page_number, 10**6)), done=done)

    @post("/", guards=[auth.steward], sync_to_thread=True)
    def import_items(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        items: NamedDependency[ItemService],
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
                request, tasks, items, task_id, status=status_for(error), errors={"_form": str(error)}
            )
        return redirect_done(
            f"/tasks/{task_id}/items", f"{batch.item_count} items imported (log entry {batch.log_index})."
        )
