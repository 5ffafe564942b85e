"""A long list shown a page at a time: the web's activity list and alerts history (and their
JSON twins) never send every row at once. Pages are numbered from 1, newest first; a number
past the last page is an empty page, not an error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 100  # rows per page of every paged list (documented in the README)
LAST_PAGE = 1_000_000  # a page number past this is refused: no list is ever that long

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    items: Sequence[T]
    page: int
    total: int  # rows across every page
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def map(self, f: Callable[[T], U]) -> Paged[U]:
        return Paged([f(item) for item in self.items], self.page, self.total, self.size)


def offset_of(page: int, size: int = PAGE_SIZE) -> int:
    if not 1 <= page <= LAST_PAGE:
        raise ValueError(f"page: a whole number from 1 to {LAST_PAGE}")
    return (page - 1) * size
