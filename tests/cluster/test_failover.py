"""A node is SIGKILLed while inserts run through HAProxy: a short window of SERVICE_UNAVAILABLE,
then recovery without restarting the service, no acknowledged write lost, and the node
rejoins by IST."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx
import pytest

from resolvers.ids import pk_of
from tests.cluster.cluster import GALERA_DIR, MEASURED, NODE_PORTS, Cluster, cluster_size, galera
from tests.cluster.documents import CREATE_REF_BOOK
from tests.type_names import REF_BOOK, USER
from tests.utils import GraphQLClient, sign_up_and_in

pytestmark = pytest.mark.cluster

WRITERS = 6
KILLED = 2
STEADY_SECONDS = 2.0  # load before the kill
DOWN_SECONDS = 6.0  # load on two nodes before the node restarts
AFTER_SECONDS = 2.0  # load after it rejoined
REQUEST_TIMEOUT = 15.0  # a request slower than this counts as a hang
MAX_FAILURE_WINDOW = 6.0  # seconds from the kill to the last failed request


@dataclass(frozen=True)
class Outcome:
    began: float
    ended: float
    kind: str  # "ok", an error code, "hang" or "http error"
    detail: str


async def _writer(base_url: str, token: str, tag: int, stop: asyncio.Event) -> list[Outcome]:
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        gql = GraphQLClient(http)
        for n in range(5000):  # bounded; the stop event ends it long before
            if stop.is_set():
                break
            began = time.monotonic()
            variables = {"input": {"author": "Load", "title": f"w{tag}-{n}"}}
            try:
                body = await gql(CREATE_REF_BOOK, variables, token=token)
            except httpx.TimeoutException as error:
                outcomes.append(Outcome(began, time.monotonic(), "hang", repr(error)))
                continue
            except (httpx.HTTPError, AssertionError) as error:
                outcomes.append(Outcome(began, time.monotonic(), "http error", repr(error)))
                continue
            ended = time.monotonic()
            if "errors" in body:
                code = str(body["errors"][0].get("extensions", {}).get("code"))
                outcomes.append(Outcome(began, ended, code, str(body["errors"][0])))
            else:
                outcomes.append(Outcome(began, ended, "ok", body["data"]["createRefBook"]["id"]))
    return outcomes


def _order_pk(global_id: str) -> int:
    pk = pk_of(global_id, REF_BOOK)
    assert pk is not None
    return pk


def _longest_gap_without_success(outcomes: list[Outcome], since: float) -> float:
    """The longest time after `since` in which no request completed successfully."""
    ends = sorted(o.ended for o in outcomes if o.kind == "ok" and o.ended >= since)
    gaps = [later - earlier for earlier, later in zip([since, *ends], ends, strict=False)]
    return max(gaps, default=float("inf"))


async def test_a_node_killed_under_load_costs_seconds_and_loses_nothing(
    cluster: Cluster, via_proxy: GraphQLClient
) -> None:
    # given inserts running through HAProxy from several clients
    account = await sign_up_and_in(via_proxy)
    pids = [service.process.pid for service in cluster.services if service.process]
    retries_before = cluster.retries_logged()
    stop = asyncio.Event()
    writers = [
        asyncio.create_task(_writer(cluster.proxy.base_url, account.token, i, stop))
        for i in range(WRITERS)
    ]
    await asyncio.sleep(STEADY_SECONDS)

    # when one node is SIGKILLed, and restarted a few seconds later, the load still running
    killed_at = time.monotonic()
    await asyncio.to_thread(galera, "kill", str(KILLED))
    await asyncio.sleep(DOWN_SECONDS)
    log_path = GALERA_DIR / f"node{KILLED}" / "error.log"
    log_before = log_path.stat().st_size
    restarted_at = time.monotonic()
    await asyncio.to_thread(galera, "start-node", str(KILLED))
    rejoin_seconds = time.monotonic() - restarted_at
    await asyncio.sleep(AFTER_SECONDS)
    stop.set()
    outcomes = [o for batch in await asyncio.gather(*writers) for o in batch]

    # then requests failed only with SERVICE_UNAVAILABLE, never hung, never crashed
    kinds = {o.kind for o in outcomes}
    assert kinds <= {"ok", "SERVICE_UNAVAILABLE"}, [o for o in outcomes if o.kind != "ok"][:5]
    failures = [o for o in outcomes if o.kind != "ok"]
    # and only for a few seconds after the kill
    window = max((o.ended for o in failures), default=killed_at) - killed_at
    assert all(o.ended >= killed_at for o in failures), failures[:3]
    assert window <= MAX_FAILURE_WINDOW, [
        (round(o.began - killed_at, 2), round(o.ended - killed_at, 2), o.detail[:300])
        for o in failures
    ] + [round(restarted_at - killed_at, 2), round(rejoin_seconds, 2)]
    gap = _longest_gap_without_success(outcomes, killed_at)
    assert gap <= MAX_FAILURE_WINDOW, gap
    # and the same service processes recovered on their own and served to the end
    assert [s.process.pid for s in cluster.services if s.process] == pids
    assert all(s.process is not None and s.process.poll() is None for s in cluster.services)
    assert any(o.kind == "ok" and o.began > restarted_at + rejoin_seconds for o in outcomes)
    for service in cluster.services:
        assert "Traceback" not in service.log_text(), service.name

    # and the node is back, by IST, with the cluster at 3
    assert {n: cluster_size(port) for n, port in NODE_PORTS.items()} == {1: 3, 2: 3, 3: 3}
    with log_path.open(errors="replace") as log:
        log.seek(log_before)
        rejoin_log = log.read()
    # (the rsync script says which it did: a full copy is "rsync SST completed")
    assert "rsync IST completed on joiner" in rejoin_log, rejoin_log[-3000:]
    assert "rsync SST completed" not in rejoin_log
    assert "IST received" in rejoin_log

    # and every acknowledged write is on every node, the restarted one included
    acknowledged = {_order_pk(o.detail) for o in outcomes if o.kind == "ok"}
    user_pk = pk_of(account.id, USER)
    for node, rows in cluster.on_every_node(
        "SELECT id FROM ref_book WHERE user_id = %s", (user_pk,)
    ).items():
        stored = {row[0] for row in rows}
        assert acknowledged <= stored, f"node {node} lost {sorted(acknowledged - stored)[:5]}"
        # (a write whose answer was lost with the node may be there too; nothing else is)
        assert len(stored - acknowledged) <= len(failures), node

    MEASURED["failover: requests ok / SERVICE_UNAVAILABLE"] = (
        f"{len(outcomes) - len(failures)} / {len(failures)}"
    )
    MEASURED["failover: last failure after kill (s)"] = round(window, 2)
    MEASURED["failover: longest gap without a success (s)"] = round(gap, 2)
    MEASURED["failover: node rejoin by IST (s)"] = round(rejoin_seconds, 2)
    MEASURED["failover: retries logged"] = cluster.retries_logged() - retries_before
