"""Relay connections over a keyset Page: `RefBookConnection`, `RefBookEdge`, ..."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page

N = TypeVar("N")


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    page: strawberry.Private[Page[Any]]

    @strawberry.field
    def edges(self) -> list[Edge[N]]:
        return [Edge(cursor=self.page.cursor_of(row), node=row) for row in self.page.rows]

    @strawberry.field
    def page_info(self) -> PageInfo:
        rows = self.page.rows
        return PageInfo(
            has_next_page=self.page.has_next_page,
            has_previous_page=self.page.has_previous_page,
            start_cursor=self.page.cursor_of(rows[0]) if rows else None,
            end_cursor=self.page.cursor_of(rows[-1]) if rows else None,
        )

    @strawberry.field(description="Counted with one COUNT query, only when selected.")
    async def total_count(self) -> int:
        return await self.page.count()
