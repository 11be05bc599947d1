"""bench/run.py `median_run`: which of an operation's repeated runs is reported."""

from __future__ import annotations

from typing import Any

from bench.run import median_run


def run(rps: float, errors: int = 0, split: list[int] | None = None) -> dict[str, Any]:
    return {"rps": rps, "p99_ms": 1000 / rps, "errors": errors, "connections_per_worker": split}


def test_the_median_run_is_reported_whole_with_every_runs_figures() -> None:
    # given three runs, the fast one with an error
    runs = [run(500, split=[8, 8]), run(300, split=[3, 13]), run(450, errors=1, split=[6, 10])]
    # when the median is taken
    chosen = median_run(runs)
    # then it is the middle run by req/s, its latency its own, every run's req/s and split kept
    assert (chosen["rps"], chosen["p99_ms"]) == (450, 1000 / 450)
    assert chosen["runs_rps"] == [500, 300, 450]
    assert chosen["runs_connections_per_worker"] == [[8, 8], [3, 13], [6, 10]]
    # and the errors are those of all runs
    assert chosen["errors"] == 1


def test_one_run_is_reported_as_it_is() -> None:
    alone = run(400)
    assert median_run([alone]) == alone
