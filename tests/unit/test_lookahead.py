"""schema.lookahead `merged`: one read per part, as wide as the widest selection asks."""

from __future__ import annotations

from resolvers.entities import REF_DATA_CONTENT, SCRIPTS, SYSTEM_INFO_BOOKS, SYSTEM_INFO_DATAS
from resolvers.loaders import Prefetch
from schema.lookahead import merged

TITLES = SYSTEM_INFO_BOOKS.narrowed(frozenset({"title"}))
AUTHORS = SYSTEM_INFO_BOOKS.narrowed(frozenset({"author"}))


def test_narrowed_reads_of_one_link_become_one_with_the_union_of_their_columns() -> None:
    # given two selections of the books, each with a column of its own
    # when merged
    (read,) = merged([Prefetch(TITLES), Prefetch(AUTHORS)])
    # then one read holds both columns (and the id)
    assert read.part.whole is SYSTEM_INFO_BOOKS
    assert set(read.part.kept) == {"id", "title", "author"}


def test_a_whole_read_wins_over_narrowed_ones() -> None:
    # given a narrowed selection and one needing every column
    # when merged, then the link is read whole
    (read,) = merged([Prefetch(TITLES), Prefetch(SYSTEM_INFO_BOOKS)])
    assert read.part is SYSTEM_INFO_BOOKS


def test_each_part_is_read_once_and_the_reads_below_merge_too() -> None:
    # given the materials asked for twice, once with their contents, and the scripts
    reads = [
        Prefetch(SYSTEM_INFO_DATAS.narrowed(frozenset({"title"}))),
        Prefetch(SYSTEM_INFO_DATAS, (Prefetch(REF_DATA_CONTENT),)),
        Prefetch(SCRIPTS),
        Prefetch(SCRIPTS),
    ]
    # when merged
    found = merged(reads)
    # then each part is read once, the materials whole with their contents below them
    assert [read.part for read in found] == [SYSTEM_INFO_DATAS, SCRIPTS]
    assert found[0].then == (Prefetch(REF_DATA_CONTENT),)
    assert found[1].then == ()
