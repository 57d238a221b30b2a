"""The Gymnasium environments: `check_env` on every environment, registration without
`import troupe`, seeding, and how an environment finds envd."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import troupe
from troupe import Client, PrivateServer, TroupeEnv, TroupeError
from troupe.catalog import ENVIRONMENTS


@pytest.mark.parametrize("env_id", ENVIRONMENTS)
def test_check_env(envd: PrivateServer, env_id: str) -> None:
    env = gym.make(f"troupe/{env_id}", address=envd.address)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # render_fps is meaningless for text; check_env warns about it
        check_env(env.unwrapped)
    env.close()


def test_catalog_matches_server(client: Client) -> None:
    assert sorted(spec["id"] for spec in client.list()) == sorted(ENVIRONMENTS)


def test_make_without_importing_troupe(envd: PrivateServer) -> None:
    """The installed .pth hook registers the environments when gymnasium is imported."""
    code = (
        "import sys, gymnasium as gym\n"
        "env = gym.make('troupe/echo-v0', config={'words': ['hi']})\n"
        "obs, info = env.reset(seed=1)\n"
        "assert 'troupe' not in sys.argv\n"
        "print(env.step('hi')[1])\n"
        "env.close()\n"
    )
    environment = {**os.environ, "TROUPE_ENVD": str(envd.address)}
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1.0"


def test_seeded_resets_and_steps_are_deterministic(envd: PrivateServer) -> None:
    env = gym.make("troupe/alfworld-v0", address=envd.address)
    runs = []
    for _ in range(2):
        obs, info = env.reset(seed=42)
        trace = [obs]
        for i in range(5):
            obs, reward, terminated, truncated, info = env.step(info["admissible_commands"][i % len(info["admissible_commands"])])
            trace.append(obs)
        runs.append(trace)
    assert runs[0] == runs[1]
    env.close()


def test_truncation_at_the_step_limit(envd: PrivateServer) -> None:
    env = gym.make("troupe/echo-v0", address=envd.address, config={"max_episode_steps": 2, "words": ["z"]})
    env.reset(seed=0)
    assert env.step("a")[3] is False
    obs, reward, terminated, truncated, info = env.step("b")
    assert truncated and not terminated
    with pytest.raises(TroupeError) as ended:
        env.unwrapped.step("c")
    assert ended.value.code == "episode_ended"
    env.close()


def test_render_ansi_and_spaces(envd: PrivateServer) -> None:
    env = TroupeEnv("tools-v0", address=envd.address, render_mode="ansi")
    obs, info = env.reset(seed=3)
    assert env.render() == obs and obs in env.observation_space
    assert isinstance(env.action_space, troupe.JSONSpace)
    assert {"tool_calls": []} in env.action_space and env.action_space.sample() in env.action_space
    env.close()
    env.close()


def test_environments_share_one_connection(envd: PrivateServer) -> None:
    a = TroupeEnv("echo-v0", address=envd.address)
    b = TroupeEnv("echo-v0", address=envd.address)
    assert a.client is b.client
    a.close()
    b.reset(seed=1)  # still usable after the other closed
    b.close()


def test_address_from_environment_variable(envd: PrivateServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROUPE_ENVD", str(envd.address))
    env = TroupeEnv("echo-v0")
    assert env.client.address == envd.address
    env.close()


def test_private_server_is_spawned_when_none_answers(envd_bin: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROUPE_ENVD", raising=False)
    monkeypatch.setenv("ENVD_SOCKET", str(tmp_path / "nobody-here.sock"))
    code = (
        "import gymnasium as gym\n"
        "env = gym.make('troupe/echo-v0')\n"
        "env.reset(seed=0); print(env.unwrapped.client.address); env.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "troupe-" in out.stdout  # the private server's temporary directory
    monkeypatch.setenv("TROUPE_ENVD_BIN", "/nonexistent/envd")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "no_server" in out.stderr


def test_example_plays_episodes(envd: PrivateServer) -> None:
    example = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "random_policy.py")
    environment = {**os.environ, "TROUPE_ENVD": str(envd.address)}
    out = subprocess.run(
        [sys.executable, example, "--episodes", "3", "--env", "alfworld-v0"], env=environment, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "success rate" in out.stdout
