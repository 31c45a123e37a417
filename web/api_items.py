"""JSON API for the items of a task: stewards import batches (JSONL or CSV text) and retire items;
members list and read them. The same service the portal calls (coop.work.items)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from coop.work.item_files import ItemFormat
from coop.work.items import MAX_PAGE, BatchView, ItemService, ItemView
from web import auth
from web.auth import SignedIn


class ImportIn(msgspec.Struct):
    format: ItemFormat
    content: str


class RetireIn(msgspec.Struct):
    reason: str


def batch_json(batch: BatchView) -> dict[str, Any]:
    return {**asdict(batch), "imported_at": batch.imported_at.isoformat()}


def item_json(item: ItemView) -> dict[str, Any]:
    return {
        **asdict(item),
        "retired": item.retired_at is not None,
        "retired_at": item.retired_at.isoformat() if item.retired_at else None,
    }


class TaskItemsApi(Controller):
    path = "/api/tasks/{task_id:str}/items"
    tags = ["items"]

    @post("/", guards=[auth.steward], summary="Import a batch of items (all or nothing)", sync_to_thread=True)
    def import_items(
        self, principal: SignedIn, items: NamedDependency[ItemService], task_id: FromPath[str], data: JSONBody[ImportIn]
    ) -> dict[str, Any]:
        return batch_json(items.import_batch(principal, task_id, data.format, data.content))

    @get(
        "/", guards=[auth.member], summary="A page of the task's items (active ones, unless asked)", sync_to_thread=True
    )
    def list_items(
        self,
        items: NamedDependency[ItemService],
        task_id: FromPath[str],
        offset: Annotated[int, Parameter(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 50,
        retired: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        page = items.page(task_id, offset, limit, include_retired=retired)
        return {
            "items": [item_json(i) for i in page.items],
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
        }


class ItemsApi(Controller):
    path = "/api/items"
    tags = ["items"]

    @get("/{item_id:str}", guards=[auth.member], summary="One item, retired or not", sync_to_thread=True)
    def get_item(self, items: NamedDependency[ItemService], item_id: FromPath[str]) -> dict[str, Any]:
        return item_json(items.get(item_id))

    @post(
        "/{item_id:str}/retire",
        guards=[auth.steward],
        summary="Retire an item, with a reason (logged; the item stays readable)",
        sync_to_thread=True,
        status_code=200,
    )
    def retire_item(
        self, principal: SignedIn, items: NamedDependency[ItemService], item_id: FromPath[str], data: JSONBody[RetireIn]
    ) -> dict[str, Any]:
        return item_json(items.retire(principal, item_id, data.reason))


ITEMS_API = [TaskItemsApi, ItemsApi]
