"""The environments envd ships with (`envd list`), registered with Gymnasium as ``troupe/<id>``.

A test (`tests/test_gym.py::test_catalog_matches_server`) checks this list against a live envd,
so a new environment cannot land without appearing here. Environments an envd serves beyond these
can be registered with ``troupe.register_envs([...])``.
"""

ENVIRONMENTS = (
    "alfworld-v0",
    "echo-v0",
    "llm-v0",
    "matryoshka-alfworld-v0",
    "python-v0",
    "reasoning-v0",
    "tools-v0",
)

#: Environments whose info carries values that differ between identical runs (latencies, cache
#: hits: the spec's ``volatile_info_keys``); Gymnasium's determinism checks skip them.
NONDETERMINISTIC = ("llm-v0", "python-v0")
