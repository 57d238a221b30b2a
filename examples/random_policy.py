"""Plays episodes of Troupe environments with a random policy and prints success rates.

    pip install ./clients/python && python examples/random_policy.py --episodes 20

The policy picks a random admissible command when the environment lists them (ALFWorld), and a
random string otherwise. It trains nothing. envd is found as troupe.gym describes (TROUPE_ENVD,
the default socket, or a private envd started from $TROUPE_ENVD_BIN / PATH)."""
import argparse, random
import gymnasium as gym

parser = argparse.ArgumentParser()
parser.add_argument("--env", action="append", help="environment id (repeatable; default: alfworld-v0, echo-v0)")
parser.add_argument("--episodes", type=int, default=10)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
rng = random.Random(args.seed)

for env_id in args.env or ["alfworld-v0", "echo-v0"]:
    env = gym.make(f"troupe/{env_id}")
    wins, steps = 0, 0
    for episode in range(args.episodes):
        obs, info = env.reset(seed=args.seed + episode)
        done = False
        while not done:
            commands = info.get("admissible_commands")
            action = rng.choice(commands) if commands else env.action_space.sample()
            obs, reward, terminated, truncated, info = env.step(action)
            steps, done = steps + 1, terminated or truncated
        wins += reward > 0
    print(f"{env_id}: success rate {wins}/{args.episodes} = {wins / args.episodes:.0%} ({steps / args.episodes:.1f} steps per episode)")
    env.close()
