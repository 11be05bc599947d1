"""A bounded HTTP/1.1 keep-alive load generator, run as its own process.

    python -m bench.load < spec.json > result.json

The spec names one request (method, path, headers, body) and how to drive it: `concurrency`
connections, each sending the request again as soon as its answer is read, first for
`warmup` seconds (not recorded), then for `duration` seconds. It stops by itself at the
deadline or after `max_requests`. Raw sockets, not an HTTP library: on a 2-core machine the
client shares the CPU with the server, so it must cost as little as possible.

A response is an error when its status is not 200, or its body holds a GraphQL `errors`
member, or its body does not look like the expected answer (`expect` bytes).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Spec:
    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str]
    body: str
    concurrency: int
    warmup: float
    duration: float
    expect: str = ""
    max_requests: int = 1_000_000
    timeout: float = 10.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def _request_bytes(spec: Spec) -> bytes:
    body = spec.body.encode()
    lines = [f"{spec.method} {spec.path} HTTP/1.1", f"Host: {spec.host}:{spec.port}"]
    lines += [f"{name}: {value}" for name, value in spec.headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = -1
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length < 0:
        raise RuntimeError("response without Content-Length")
    return status, await reader.readexactly(length)


async def _connection(spec: Spec, request: bytes, record_from: float, stop: float) -> Tally:
    tally = Tally()
    reader, writer = await asyncio.open_connection(spec.host, spec.port)
    expect = spec.expect.encode()
    sent = 0
    try:
        while sent < spec.max_requests:
            began = time.perf_counter()
            if began >= stop:
                break
            writer.write(request)
            try:
                status, body = await asyncio.wait_for(_read_response(reader), spec.timeout)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                # A dead or stuck connection is an error, and this connection's end.
                tally.errors += 1
                tally.first_error = tally.first_error or repr(error)
                break
            ended = time.perf_counter()
            sent += 1
            if began < record_from:
                continue
            tally.latencies.append(ended - began)
            if status != 200 or b'"errors":' in body or (expect and expect not in body):
                tally.errors += 1
                if not tally.first_error:
                    tally.first_error = f"{status} {body[:300]!r}"
    finally:
        writer.close()
    return tally


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


async def drive(spec: Spec) -> dict[str, Any]:
    request = _request_bytes(spec)
    start = time.perf_counter()
    record_from = start + spec.warmup
    stop = record_from + spec.duration
    tallies = await asyncio.gather(
        *(_connection(spec, request, record_from, stop) for _ in range(spec.concurrency))
    )
    # The recorded window ends when the last connection's last answer arrived.
    elapsed = max(time.perf_counter(), stop) - record_from
    latencies = sorted(x for t in tallies for x in t.latencies)
    errors = sum(t.errors for t in tallies)
    return {
        "concurrency": spec.concurrency,
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p90_ms": round(_percentile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "errors": errors,
        "first_error": next((t.first_error for t in tallies if t.first_error), ""),
    }


def main() -> int:
    spec = Spec(**json.load(sys.stdin))
    started = time.process_time()
    result = asyncio.run(drive(spec))
    result["loader_cpu_seconds"] = round(time.process_time() - started, 3)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
