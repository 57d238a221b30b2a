"""OpenEnv's own Python client (openenv-core's GenericEnvClient, unchanged) against `envd serve
--http`: full ALFWorld episodes with resets, steps, state and close; OpenEnv's error envelopes
carrying Troupe's codes; introspection routes; capacity and the slots of dropped or silent
sockets."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import urllib.request
from typing import Iterator

import pytest
from openenv.core.generic_client import GenericEnvClient
from websockets.sync.client import connect as ws_connect

from troupe import Client, PrivateServer

PLANNER = json.dumps({"expert": "planner", "split": "eval_out"})


def serve(envd_bin: str, *extra: str) -> PrivateServer:
    return PrivateServer(
        envd_bin,
        args=["--http", "0", "--http-env", "alfworld-v0", f"--http-config=alfworld-v0={PLANNER}", "--log-level", "warning", *extra],
    )


@pytest.fixture(scope="module")
def server(envd_bin: str) -> Iterator[PrivateServer]:
    with serve(envd_bin) as server:
        yield server


def base_url(server: PrivateServer, env: str = "alfworld-v0") -> str:
    return f"http://{server.address_of('http')}/envs/{env}"


def live_sessions(server: PrivateServer) -> int:
    with Client(server.address) as client:
        return client.stats()["sessions"]["live"]


def wait_for(predicate, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_full_alfworld_episodes(server: PrivateServer) -> None:
    with GenericEnvClient(base_url=base_url(server)).sync() as env:
        for game in (0, 7, 21):
            result = env.reset(seed=game, episode_id=f"ep-{game}", game=game)
            observation = result.observation
            assert observation["text"].startswith("-= Welcome to TextWorld, ALFRED! =-")
            assert result.reward is None and result.done is False
            state = env.state()
            assert state["episode_id"] == f"ep-{game}" and state["step_count"] == 0 and state["seed"] == game
            steps = 0
            while not result.done:
                plan = result.observation["info"]["extra.expert_plan"]
                result = env.step({"action": plan[0]})
                steps += 1
                assert isinstance(result.reward, float)
            assert result.reward == 1.0
            assert result.observation["terminated"] and not result.observation["truncated"]
            assert result.observation["info"]["won"] is True
            state = env.state()
            assert state["step_count"] == steps and state["done"] is True and state["total_reward"] == 1.0
    # Closing the client closed its session on the server.
    wait_for(lambda: live_sessions(server) == 0, "the session to close")


def test_default_environment_on_ws(server: PrivateServer) -> None:
    with GenericEnvClient(base_url=f"http://{server.address_of('http')}").sync() as env:
        result = env.reset(seed=1)
        assert "Your task is to:" in result.observation["text"]
        assert env.state()["env_id"] == "alfworld-v0"


def test_same_seed_same_episode_over_openenv(server: PrivateServer) -> None:
    texts = []
    for _ in range(2):
        with GenericEnvClient(base_url=base_url(server, "reasoning-v0")).sync() as env:
            texts.append(env.reset(seed=1234).observation["text"])
    assert texts[0] == texts[1]


def test_error_codes_reach_openenvs_client(server: PrivateServer) -> None:
    with GenericEnvClient(base_url=base_url(server, "echo-v0")).sync() as env:
        with pytest.raises(RuntimeError, match=r"reset_needed: .*\(code: EXECUTION_ERROR\)"):
            env.step({"action": "red"})
        env.reset(seed=0)
        with pytest.raises(RuntimeError, match=r"invalid_action: .*\(code: EXECUTION_ERROR\)"):
            env.step({"action": 5})
        with pytest.raises(RuntimeError, match=r"\(code: VALIDATION_ERROR\)"):
            env.step({"message": "red"})
        env.reset(seed=0)
        result = env.step({"action": "x"})
        assert result.done is False and result.observation["text"] == "x"
    with GenericEnvClient(base_url=base_url(server, "alfworld-v0")).sync() as env:
        env.reset(seed=0)
        # A text world answers a command it does not know with text, as ALFWorld does.
        assert env.step({"action": "fly to the moon"}).observation["text"] == "Nothing happens."
        with pytest.raises(RuntimeError, match=r"bad_options: .*\(code: EXECUTION_ERROR\)"):
            env.reset(game=99999)
        with pytest.raises(RuntimeError, match=r"bad_options: .*unknown option `bogus`.*\(code: EXECUTION_ERROR\)"):
            env.reset(bogus=1)


def test_episode_ended_after_done(server: PrivateServer) -> None:
    with GenericEnvClient(base_url=base_url(server)).sync() as env:
        result = env.reset(seed=3, game=3)
        while not result.done:
            result = env.step({"action": result.observation["info"]["extra.expert_plan"][0]})
        with pytest.raises(RuntimeError, match=r"episode_ended"):
            env.step({"action": "look"})


def test_raw_envelopes(server: PrivateServer) -> None:
    url = f"ws://{server.address_of('http')}/envs/echo-v0/ws"
    with ws_connect(url) as ws:
        ws.send("{not json")
        error = json.loads(ws.recv())
        assert error["type"] == "error" and error["data"]["code"] == "INVALID_JSON"
        ws.send(json.dumps({"type": "dance"}))
        assert json.loads(ws.recv())["data"]["code"] == "UNKNOWN_TYPE"
        ws.send(json.dumps({"type": "step", "data": {"action": "a", "extra": 1}}))
        error = json.loads(ws.recv())["data"]
        assert error["code"] == "VALIDATION_ERROR" and error["errors"][0]["loc"] == ["data", "extra"]
        ws.send(json.dumps({"type": "reset", "data": {"seed": 5}}))
        reply = json.loads(ws.recv())
        assert reply["type"] == "observation" and set(reply["data"]) == {"observation", "reward", "done", "metadata"}
        assert reply["data"]["reward"] is None and reply["data"]["metadata"]["env_id"] == "echo-v0"
        # Pipelined messages are answered in order.
        ws.send(json.dumps({"type": "step", "data": {"action": "a"}}))
        ws.send(json.dumps({"type": "state"}))
        assert json.loads(ws.recv())["data"]["observation"]["text"] == "a"
        assert json.loads(ws.recv())["data"]["step_count"] == 1
        ws.send(json.dumps({"type": "close"}))
        with pytest.raises(Exception):
            ws.recv(timeout=10)


def test_unknown_environment_is_a_factory_error(server: PrivateServer) -> None:
    with GenericEnvClient(base_url=base_url(server, "nope-v0")).sync() as env:
        with pytest.raises(RuntimeError, match=r"unknown_env: .*\(code: FACTORY_ERROR\)"):
            env.reset()


def test_health_schema_metadata(server: PrivateServer) -> None:
    def get(path: str):
        with urllib.request.urlopen(f"http://{server.address_of('http')}{path}", timeout=10) as response:
            return json.loads(response.read())

    assert get("/health") == {"status": "healthy"}
    schema = get("/schema")
    assert set(schema) == {"action", "observation", "state"}
    assert schema["action"]["required"] == ["action"]
    assert get("/envs/tools-v0/schema")["action"]["properties"]["action"]["anyOf"]
    metadata = get("/envs/echo-v0/metadata")
    assert metadata["name"] == "echo-v0" and set(metadata) == {
        "name", "description", "readme_content", "version", "author", "documentation_url"}
    assert get("/metadata")["name"] == "alfworld-v0"


def test_capacity_waits_then_refuses(envd_bin: str) -> None:
    with serve(envd_bin, "--max-sessions", "1", "--make-queue-timeout-ms", "10000") as server:
        holder = GenericEnvClient(base_url=base_url(server, "echo-v0")).sync()
        holder.connect()
        holder.reset()
        # A second socket waits in the make queue instead of failing; it gets the slot when the
        # first socket closes.
        waiter = GenericEnvClient(base_url=base_url(server, "echo-v0")).sync()
        results = []
        thread = threading.Thread(target=lambda: results.append(waiter.reset(seed=1)))
        thread.start()
        time.sleep(0.2)
        assert not results
        holder.close()
        thread.join(timeout=60)
        assert results and results[0].done is False
        waiter.close()
    with serve(envd_bin, "--max-sessions", "1", "--make-queue-timeout-ms", "200") as server:
        holder = GenericEnvClient(base_url=base_url(server, "echo-v0")).sync()
        holder.connect()
        holder.reset()
        with ws_connect(f"ws://{server.address_of('http')}/envs/echo-v0/ws") as ws:
            error = json.loads(ws.recv(timeout=30))["data"]
            assert error["code"] == "CAPACITY_REACHED"
            assert error["active_sessions"] == 1 and error["max_sessions"] == 1
        holder.close()


def raw_upgrade(address: str, path: str) -> socket.socket:
    """A WebSocket handshake by hand, then nothing: the socket never answers pings."""
    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b"101" in sock.recv(4096).split(b"\r\n")[0]
    return sock


def test_silent_and_dropped_sockets_free_their_slots(envd_bin: str) -> None:
    with serve(envd_bin, "--max-sessions", "1", "--ws-ping-ms", "100", "--ws-timeout-ms", "500") as server:
        # A peer that vanished without a FIN: the handshake, then silence (no pongs).
        silent = raw_upgrade(server.address_of("http"), "/envs/echo-v0/ws")
        wait_for(lambda: live_sessions(server) == 1, "the silent socket's session")
        wait_for(lambda: live_sessions(server) == 0, "the server to drop the silent socket")
        silent.close()
        # A peer that drops the TCP connection without OpenEnv's close message.
        dropped = raw_upgrade(server.address_of("http"), "/envs/echo-v0/ws")
        wait_for(lambda: live_sessions(server) == 1, "the dropped socket's session")
        dropped.close()
        wait_for(lambda: live_sessions(server) == 0, "the dropped socket's slot")
        # The slot is free for a real client.
        with GenericEnvClient(base_url=base_url(server, "echo-v0")).sync() as env:
            assert env.reset(seed=1).done is False
        with Client(server.address) as client:
            removed = client.stats()["totals"]["sessions_removed"]
        assert removed.get("disconnected", 0) >= 3
