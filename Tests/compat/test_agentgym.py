"""AgentGym's HTTP dialect on `envd serve --http`, driven by exactly the requests AgentGym's
clients send (WooooDyy/AgentGym `agentenv/agentenv/envs/alfworld.py`, `AlfWorldEnvClient`, and
`envs/weather.py` for the tool servers): the same URLs, methods, JSON bodies (the client adds
its id to every body it posts), `timeout=300`, and the same checks on what comes back."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest
import requests

from troupe import Client, PrivateServer

TIMEOUT = 300  # AlfWorldEnvClient's default


@pytest.fixture(scope="module")
def server(envd_bin: str) -> Iterator[PrivateServer]:
    with PrivateServer(envd_bin, args=["--http", "0", "--log-level", "warning"]) as server:
        yield server


class AlfWorldLikeClient:
    """The HTTP traffic of AgentGym's AlfWorldEnvClient, request for request."""

    def __init__(self, env_server_base: str) -> None:
        self.env_server_base = env_server_base
        ok = requests.post(f"{self.env_server_base}/create", timeout=TIMEOUT)
        assert ok.status_code == 200, ok
        self.env_id = ok.json()["id"]
        self.info: Dict[str, Any] = {}

    def _post(self, path: str, data: Dict[str, Any]) -> Dict[str, Any]:
        data["id"] = self.env_id
        res = requests.post(f"{self.env_server_base}/{path}", json=data, timeout=TIMEOUT)
        assert res.status_code == 200
        return res.json()

    def _get(self, path: str) -> Any:
        res = requests.get(f"{self.env_server_base}/{path}?id={self.env_id}", timeout=TIMEOUT)
        assert res.status_code == 200
        return res.json()

    def observe(self) -> str:
        return f"{self.info['observation']}\nAVAILABLE ACTIONS: {','.join(self.info['available_actions'])}"

    def step(self, action: str) -> Dict[str, Any]:
        response = self._post("step", {"action": action})
        if "observation" not in response:
            raise KeyError(f"AlfWorld step response missing 'observation': {json.dumps(response)}")
        self.info = {
            "observation": response["observation"],
            "available_actions": response.get("available_actions", []),
            "reward": response.get("reward", 0.0),
            "done": response.get("done", False),
        }
        return response

    def reset(self, game: int, world_type: str = "Text") -> Dict[str, Any]:
        response: Dict[str, Any] = {}
        for _ in range(3):
            response = self._post("reset", {"game": game, "world_type": world_type})
            if "observation" in response:
                break
        if "observation" not in response:
            raise KeyError(f"AlfWorld reset failed after 3 attempts: {json.dumps(response)}")
        self.info = {
            "observation": response["observation"],
            "available_actions": response.get("available_actions", []),
            "reward": 0,
            "done": False,
        }
        return response

    def close(self) -> Dict[str, Any]:
        return self._post("close", {})


def expert_plan(server: PrivateServer, game: int) -> List[str]:
    """The planner's plan for a training game, from a native session of the same game."""
    with Client(server.address) as client:
        session = client.make("alfworld-v0", config={"expert": "planner"})
        return session.reset(options={"game": game}).info["extra.expert_plan"]


@pytest.mark.parametrize("game", [0, 2420, 2619])
def test_alfworld_episode_as_agentgym_plays_it(server: PrivateServer, game: int) -> None:
    base = f"http://{server.address_of('http')}/agentgym/alfworld"
    client = AlfWorldLikeClient(base)
    reset = client.reset(game)
    assert set(reset) == {"id", "observation", "available_actions", "task_type"}
    assert reset["id"] == client.env_id
    # AgentGym drops the intro's first paragraph.
    assert reset["observation"].startswith("You are in the middle of a room.")
    assert "\nYour task is to: " in reset["observation"]
    folder, trial = reset["task_type"].split("/")
    assert folder.count("-") == 4 and trial.startswith("trial_T")
    assert "AVAILABLE ACTIONS: go to " in client.observe()
    assert requests.get(f"{base}/observation?id={client.env_id}", timeout=TIMEOUT).json() == reset["observation"]

    plan = expert_plan(server, game)
    for command in plan:
        assert command in client.info["available_actions"]
        response = client.step(command)
        assert set(response) == {"observation", "reward", "available_actions", "done"}
        # AgentGym's process_ob drops "You arrive at loc N. ".
        assert not response["observation"].startswith("You arrive at loc ")
    assert client.info["done"] is True and client.info["reward"] == 1.0
    detail = client._get("detail")
    assert detail["game"] == game and detail["world_type"] == "Text" and detail["done"] is True

    # AgentGym's server refuses a finished task, with HTTP 200 and an error member.
    finished = client._post("step", {"action": "look"})
    assert finished["error"] == f"The task with environment {client.env_id} has finished."
    with pytest.raises(KeyError):
        client.step("look")

    # The /close AgentGym's ALFWorld server lacks frees the session.
    assert client.close() == {"id": client.env_id, "closed": True}
    assert client._post("step", {"action": "look"})["error"] == f"The id {client.env_id} is not valid."


def test_alfworld_refusals_in_fastapis_shape(server: PrivateServer) -> None:
    base = f"http://{server.address_of('http')}/agentgym/alfworld"
    client = AlfWorldLikeClient(base)
    missing = requests.post(f"{base}/reset", json={"id": client.env_id}, timeout=TIMEOUT)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "game"]
    wrong = client._post("reset", {"game": 0, "world_type": "Pixels"})
    assert wrong["error"] == 'world_type must be one of "Text", "Embody" and "Hybrid"'
    assert "error" in client._post("reset", {"game": 10**6, "world_type": "Text"})
    before_reset = client._post("step", {"action": "look"})
    assert before_reset["code"] == "reset_needed"
    assert requests.get(f"{base}/", timeout=TIMEOUT).json() == "This is environment AlfWorld."
    client.close()


def test_sessions_are_reaped_and_counted(server: PrivateServer) -> None:
    base = f"http://{server.address_of('http')}/agentgym/alfworld"
    with Client(server.address) as native:
        live = native.stats()["sessions"]["live"]
        clients = [AlfWorldLikeClient(base) for _ in range(3)]
        assert native.stats()["sessions"]["live"] == live + 3
        for client in clients:
            client.close()
        assert native.stats()["sessions"]["live"] == live


def test_tool_dialect(server: PrivateServer) -> None:
    base = f"http://{server.address_of('http')}/agentgym/tools"
    created = requests.post(f"{base}/create", json={"id": 0}, timeout=TIMEOUT)
    assert created.status_code == 200
    env_idx = created.json()
    assert isinstance(env_idx, int)

    def post(path: str, data: Dict[str, Any]) -> Any:
        data["env_idx"] = env_idx
        res = requests.post(f"{base}/{path}", json=data, timeout=TIMEOUT)
        assert res.status_code == 200
        return res.json()

    observation = post("reset", {"id": 5})
    assert observation.startswith("Now new trial starts.\nYou should perform actions to accomplish the goal: ")
    assert observation.endswith("\nGive me one action.")
    assert requests.get(f"{base}/observation?env_idx={env_idx}", timeout=TIMEOUT).json() == observation
    # The same id is the same task.
    assert post("reset", {"id": 5}) == observation
    detail = requests.get(f"{base}/detail?env_idx={env_idx}", timeout=TIMEOUT).json()
    function = detail["functions"][0]["name"]

    step = post("step", {"action": f"Thought: try it.\n\nAction: {function} with Action Input: {{}}"})
    assert set(step) == {"observation", "reward", "done"} and step["done"] is False
    assert step["observation"].startswith("Observation: {") and step["observation"].endswith("\nGive me one action.")
    malformed = post("step", {"action": "I will call a function."})
    assert malformed["observation"].startswith("Format error")
    done = post("step", {"action": 'Thought: done.\n\nAction: finish with Action Input: {"answer": "42"}'})
    assert done["done"] is True and isinstance(done["reward"], float)
    assert "error" in post("step", {"action": "Action: finish with Action Input: {}"})
    assert post("close", {}) == {"id": env_idx, "closed": True}
