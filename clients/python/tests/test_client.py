"""The native client against a live envd: sessions, pipelining, batch, errors, snapshots."""

from __future__ import annotations

import pytest

from troupe import Client, ResetResult, StepResult, TroupeError


def test_hello_and_list(client: Client) -> None:
    assert client.hello["version"] == 1
    assert client.limits["max_sessions"] >= 1
    ids = [spec["id"] for spec in client.list()]
    assert "echo-v0" in ids and "alfworld-v0" in ids


def test_episode_of_echo(client: Client) -> None:
    session = client.make("echo-v0", config={"words": ["xyzzy"]}, seed=7)
    assert session.spec["id"] == "echo-v0"
    reset = session.reset(seed=1)
    assert reset.observation == "Guess the secret word; it is one of 1 words."
    step = session.step("blue")
    assert (step.observation, step.reward, step.terminated, step.truncated) == ("blue", 0.0, False, False)
    assert step.info == {"steps": 1}
    won = session.step("xyzzy")
    assert won.terminated and won.reward == 1.0 and won.done
    session.close()
    session.close()  # idempotent


def test_pipelined_steps_come_back_in_order(client: Client) -> None:
    session = client.make("echo-v0", seed=3)
    session.reset(seed=3)
    pending = [session.submit_step(f"word{i}") for i in range(10)]
    results = [p.result() for p in pending]
    assert [r.observation for r in results] == [f"word{i}" for i in range(10)]
    assert [r.info["steps"] for r in results] == list(range(1, 11))
    session.close()


def test_batch_over_sessions_with_an_item_that_fails(client: Client) -> None:
    a = client.make("echo-v0", config={"words": ["red"]}, seed=1)
    b = client.make("echo-v0", config={"words": ["blue"]}, seed=2)
    results = client.batch([a.reset_item(seed=1), b.reset_item(seed=2), a.step_item("red"), b.step_item("x"), a.step_item("again")])
    assert isinstance(results[0], ResetResult) and isinstance(results[1], ResetResult)
    assert isinstance(results[2], StepResult) and results[2].terminated and results[2].reward == 1.0
    assert isinstance(results[3], StepResult) and not results[3].terminated
    # Stepping a finished episode fails alone, with envd's code.
    assert isinstance(results[4], TroupeError) and results[4].code == "episode_ended"
    a.close()
    b.close()


def test_error_codes(client: Client) -> None:
    with pytest.raises(TroupeError) as unknown:
        client.make("nope-v0")
    assert unknown.value.code == "unknown_env"
    with pytest.raises(TroupeError) as config:
        client.make("echo-v0", config={"words": []})
    assert config.value.code == "bad_config"
    session = client.make("echo-v0")
    with pytest.raises(TroupeError) as early:
        session.step("x")
    assert early.value.code == "reset_needed"
    session.reset()
    with pytest.raises(TroupeError) as invalid:
        session.step(5)
    assert invalid.value.code == "invalid_action"
    session.close()


def test_snapshot_and_fork_replay_identically(client: Client) -> None:
    session = client.make("alfworld-v0", config={"split": "eval_out"}, seed=11)
    reset = session.reset(seed=4)
    first = reset.info["admissible_commands"][0]
    session.step(first)
    snapshot = session.snapshot()
    fork = session.fork()
    command = session.step("look").observation
    assert fork.step("look").observation == command
    session.restore(snapshot)
    assert session.step("look").observation == command
    fork.close()
    session.close()


def test_seeded_episodes_are_identical_across_sessions(client: Client) -> None:
    observations = []
    for _ in range(2):
        session = client.make("alfworld-v0", seed=99)
        reset = session.reset(seed=5)
        steps = [session.step(reset.info["admissible_commands"][i]).observation for i in (0, 1, 2)]
        observations.append((reset.observation, steps))
        session.close()
    assert observations[0] == observations[1]


def test_stats_count_requests(client: Client) -> None:
    stats = client.stats()
    assert stats["connections"] >= 1 and stats["totals"]["sessions_made"] >= 1
