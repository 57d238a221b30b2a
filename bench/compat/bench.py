"""Throughput and latency of echo-v0 steps through each client path, in one run, against one
`envd serve --http` (a step of echo-v0 costs almost nothing, so this measures the protocols):

- native, Python client (`troupe.Client`): one step at a time, then batches across sessions;
- OpenEnv's `/ws`: a bare WebSocket (the `websockets` package), then OpenEnv's own
  `GenericEnvClient`, one step at a time;
- AgentGym's HTTP dialect is for ALFWorld and tools only, so it is not in this table.

The native protocol's peer from Swift is `envd bench` (run by bench/compat/run beside this).

    python bench/compat/bench.py --envd .build/release/envd [--seconds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Callable, Dict, List

from openenv.core.generic_client import GenericEnvClient
from websockets.sync.client import connect as ws_connect

from troupe import Client, PrivateServer

WORDS = ["alpha", "beta", "gamma"]  # never the secret (drawn from the default colours): episodes run to the limit


def timed(step: Callable[[int], None], seconds: float) -> Dict[str, float]:
    """Calls step(i) for `seconds` (after a short warm-up) and returns steps per second and the
    latency percentiles of one call in microseconds."""
    for i in range(50):
        step(i)
    latencies: List[float] = []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        step(i)
        latencies.append(time.perf_counter() - t)
        i += 1
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "calls_per_s": len(latencies) / elapsed,
        "p50_us": statistics.median(latencies) * 1e6,
        "p99_us": latencies[int(len(latencies) * 0.99)] * 1e6,
    }


def native_sequential(server: PrivateServer, seconds: float) -> Dict[str, float]:
    with Client(server.address) as client:
        session = client.make("echo-v0", seed=1)
        session.reset()

        def step(i: int) -> None:
            if session.step(WORDS[i % 3]).done:
                session.reset()

        result = timed(step, seconds)
    result["steps_per_s"] = result["calls_per_s"]
    return result


def native_batched(server: PrivateServer, seconds: float, sessions: int) -> Dict[str, float]:
    with Client(server.address) as client:
        members = [client.make("echo-v0", seed=n) for n in range(sessions)]
        for member in members:
            member.reset()

        def step(i: int) -> None:
            results = client.batch([m.step_item(WORDS[i % 3]) for m in members])
            done = [m for m, r in zip(members, results) if getattr(r, "done", True)]
            if done:
                client.batch([m.reset_item() for m in done])

        result = timed(step, seconds)
    result["steps_per_s"] = result["calls_per_s"] * sessions
    return result


def ws_raw(server: PrivateServer, seconds: float) -> Dict[str, float]:
    with ws_connect(f"ws://{server.address_of('http')}/envs/echo-v0/ws", open_timeout=30) as ws:

        def call(message: Dict[str, object]) -> Dict[str, object]:
            ws.send(json.dumps(message))
            reply = json.loads(ws.recv(timeout=30))
            if reply["type"] == "error":
                raise RuntimeError(reply)
            return reply["data"]

        call({"type": "reset", "data": {"seed": 1}})

        def step(i: int) -> None:
            if call({"type": "step", "data": {"action": WORDS[i % 3]}})["done"]:
                call({"type": "reset", "data": {}})

        result = timed(step, seconds)
    result["steps_per_s"] = result["calls_per_s"]
    return result


def ws_openenv_client(server: PrivateServer, seconds: float) -> Dict[str, float]:
    with GenericEnvClient(base_url=f"http://{server.address_of('http')}/envs/echo-v0").sync() as env:
        env.reset(seed=1)

        def step(i: int) -> None:
            if env.step({"action": WORDS[i % 3]}).done:
                env.reset()

        result = timed(step, seconds)
    result["steps_per_s"] = result["calls_per_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envd", required=True, help="the envd binary (a release build for numbers worth publishing)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per path")
    parser.add_argument("--batch", type=int, default=64, help="sessions per batch frame")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    with PrivateServer(args.envd, args=["--http", "127.0.0.1:0", "--log-level", "warning"]) as server:
        rows = {
            "native, troupe.Client, sequential": native_sequential(server, args.seconds),
            f"native, troupe.Client, batch of {args.batch}": native_batched(server, args.seconds, args.batch),
            "OpenEnv /ws, bare websocket, sequential": ws_raw(server, args.seconds),
            "OpenEnv /ws, GenericEnvClient, sequential": ws_openenv_client(server, args.seconds),
        }
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{'path':45} {'steps/s':>10} {'p50 us':>9} {'p99 us':>9}   (one call: a step, or a batch frame)")
    for name, row in rows.items():
        print(f"{name:45} {row['steps_per_s']:10.0f} {row['p50_us']:9.0f} {row['p99_us']:9.0f}")


if __name__ == "__main__":
    main()
