"""Batches read with one bound parameter per key, a statement per bucket of sizes
(resolvers/parts.py `ByKeys`): the answers are the batch's whatever its size."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RefBook
from resolvers import parts
from resolvers.parts import ByKeys
from services import Services
from tests.api.test_loaders import seed_system_infos
from tests.api.test_lookahead import LINKS_PAGE, cost
from tests.data_api import user_pk
from tests.utils import Account, GraphQLClient

ID = RefBook.__table__.c.id  # type: ignore[attr-defined]
BY_IDS = ByKeys(ID, lambda keys_in: select(ID).where(keys_in))


def test_a_bucket_is_one_statement_filled_with_the_last_key() -> None:
    # when batches of 5 and 7 keys are bound
    five, five_params = BY_IDS.bind([1, 2, 3, 4, 5])
    seven, seven_params = BY_IDS.bind([7, 6, 5, 4, 3, 2, 1])
    # then both use the statement of 8, each key once and the last one again
    assert five is seven
    assert list(five_params.values()) == [1, 2, 3, 4, 5, 5, 5, 5]
    assert list(seven_params.values()) == [7, 6, 5, 4, 3, 2, 1, 1]
    assert BY_IDS.bind([9])[1] == {"key_0": 9}
    # and each parameter has the key's type, as the expanding one had
    assert {bind.type._type_affinity for bind in five.compile().binds.values()} == {
        ID.type._type_affinity
    }


def test_a_batch_over_the_largest_bucket_expands(monkeypatch: pytest.MonkeyPatch) -> None:
    # given buckets up to 4 keys
    monkeypatch.setattr(parts, "MAX_BUCKET", 4)
    by_ids = ByKeys(ID, lambda keys_in: select(ID).where(keys_in))
    # when 5 keys are bound
    _, params = by_ids.bind([1, 2, 3, 4, 5])
    # then they go as one expanding parameter
    assert params == {"keys": [1, 2, 3, 4, 5]}


@pytest.mark.parametrize("largest", [512, 2], ids=["buckets", "expanding"])
async def test_pages_answer_the_same_for_every_batch_size(
    gql: GraphQLClient,
    owner: Account,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    largest: int,
) -> None:
    # given 7 SystemInfos with their links, and batches bucketed or expanding past 2 keys
    monkeypatch.setattr(parts, "MAX_BUCKET", largest)
    expected = await seed_system_infos(services, user_pk(owner), 7)
    for first in range(1, 8):
        # when a page of each size lists the links with the materials' contents
        body, statements, _ = await cost(gql, services, LINKS_PAGE, {"first": first}, owner.token)
        # then each node has its own links and contents, in four statements
        nodes = [edge["node"] for edge in body["systemInfos"]["edges"]]
        assert [[b["title"] for b in n["refBooks"]] for n in nodes] == [
            [b["title"] for b in e["refBooks"]] for e in expected[:first]
        ]
        assert [n["refDatas"] for n in nodes] == [e["refDatas"] for e in expected[:first]]
        assert statements == 4
