#!/usr/bin/env python3
"""ALFWorld's own engine (TextWorld's PDDL environment with ALFWorld's domain and grammar) on a
hand-written game, for two purposes:

  steps   random admissible steps per second (the peer of `envd bench --env alfworld-v0`)
  replay  play a list of commands and print every observation as JSON lines
  record  play random commands (mostly admissible, some not) and write every step as JSON lines:
          the reference recordings that Tests/ALFWorldEnvTests replays against alfworld-v0
  compare replay a hand-written transcript of Tests/ALFWorldEnvTests/Transcripts (new grammar)
          and report every observation, won flag and admissible list that differs

`pip install alfworld` ships the PDDL domain (alfred.pddl) and the grammar (alfred.twl2, the
new grammar of ALFWorld >= 0.4) but no games. The game is written here in ALFWorld's game-file
format ({"pddl_domain", "grammar", "pddl_problem", "solvable"}) from a Troupe game description
(the JSON that `alfworld-v0` accepts as `game_description`), with entity ids chosen so that
ALFWorld's Demangler numbers them exactly as the description does (`cabinet 3`, `loc 12`).

Run it with the interpreter of a virtual environment that has `alfworld` installed;
bench/alfworld/run does that.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

from alfworld.agents.environment.alfred_tw_env import AlfredDemangler
from alfworld.info import ALFRED_PDDL_PATH, ALFRED_TWL2_PATH
import textworld
from textworld.envs.pddl import PddlEnv

GOALS = {
    "pick_and_place_simple": "(inReceptacle ?o ?r) (objectType ?o {obj}Type) (receptacleType ?r {recep}Type)",
    "pick_clean_then_place_in_recep":
        "(cleanable ?o) (isClean ?o) (inReceptacle ?o ?r) (objectType ?o {obj}Type) (receptacleType ?r {recep}Type)",
    "pick_heat_then_place_in_recep":
        "(heatable ?o) (isHot ?o) (inReceptacle ?o ?r) (objectType ?o {obj}Type) (receptacleType ?r {recep}Type)",
    "pick_cool_then_place_in_recep":
        "(coolable ?o) (isCool ?o) (inReceptacle ?o ?r) (objectType ?o {obj}Type) (receptacleType ?r {recep}Type)",
}

TEMPLATES = {
    "pick_and_place_simple": ["put a {obj} in {recep}.", "put some {obj} on {recep}."],
    "pick_clean_then_place_in_recep": ["put a clean {obj} in {recep}.", "clean some {obj} and put it in {recep}."],
    "pick_heat_then_place_in_recep": ["put a hot {obj} in {recep}.", "heat some {obj} and put it in {recep}."],
    "pick_cool_then_place_in_recep": ["put a cool {obj} in {recep}.", "cool some {obj} and put it in {recep}."],
    "pick_two_obj_and_place": ["put two {obj} in {recep}.", "find two {obj} and put them in {recep}."],
    "look_at_obj_in_light": ["look at {obj} under the {toggle}.", "examine the {obj} with the {toggle}."],
}

# ALFRED class names by lowercase display name, for the types a description may use.
CLASSES = """AlarmClock Apple BaseballBat BasketBall Book Bowl Box Bread ButterKnife CD Candle CellPhone Cloth
CreditCard Cup DeskLamp DishSponge Egg FloorLamp Fork Glassbottle HandTowel HousePlant Kettle KeyChain Knife Ladle
Laptop Lettuce Mug Newspaper Pan PaperTowel Pen Pencil PepperShaker Pillow Plate Plunger Pot Potato RemoteControl
SaltShaker SoapBar SoapBottle Spatula Spoon SprayBottle Statue Television TennisRacket TissueBox ToiletPaper
ToiletPaperRoll Tomato Towel Vase Watch WateringCan WineBottle ArmChair BathtubBasin Bed Cabinet Cart CoffeeMachine
CoffeeTable CounterTop Desk DiningTable Drawer Dresser Fridge GarbageCan HandTowelHolder LaundryHamper Microwave
Ottoman Safe Shelf SideTable SinkBasin Sofa StoveBurner TVStand Toaster Toilet ToiletPaperHanger TowelHolder""".split()
CLASS = {name.lower(): name for name in CLASSES}
CLEAN = set("Apple Bowl ButterKnife Cloth Cup DishSponge Egg Fork Kettle Knife Ladle Lettuce Mug Pan Plate Pot Potato "
            "SoapBar Spatula Spoon Tomato".split())
HEAT = set("Apple Bread Cup Egg Mug Plate Potato Tomato".split())
COOL = set("Apple Bowl Bread Cup Egg Lettuce Mug Pan Plate Pot Potato Tomato WineBottle".split())
SLICE = set("Apple Bread Egg Lettuce Potato Tomato".split())
TOGGLE = {"DeskLamp", "FloorLamp"}
MOVABLE = {"Bowl", "Box", "Cup", "Mug", "Pan", "Plate", "Pot"}
FIXED = {"DeskLamp", "FloorLamp", "HousePlant", "Television"}


def entity_id(cls, number):
    """An id that ALFWorld's Demangler turns into `{cls.lower()} {number}`: it sorts ids and gives
    each type's numbers from the highest down, so ids sort in descending number order. Basins are
    `Sink|…|SinkBasin` in ALFRED, and the Demangler appends `basin` to ids that contain it."""
    if cls.endswith("Basin"):
        return f"{cls[:-5]}_bar_{1000 - number:04d}_bar_{cls}"
    return f"{cls}_bar_{1000 - number:04d}"


def loc_id(number):
    return f"loc_bar_{1000 - number:04d}"


def problem_and_goal(game, can_contain):
    """The PDDL problem of a Troupe game description, and its goal sentence."""
    task = game["task"]
    objects, init = ["agent1 - agent"], []
    receptacle_ids = {}
    locations = set()
    for r in game["receptacles"]:
        display, number = r["name"].rsplit(" ", 1)
        cls = CLASS[display]
        rid = entity_id(cls, int(number))
        receptacle_ids[r["name"]] = (rid, cls)
        objects.append(f"{rid} - receptacle")
        locations.add(r["location"])
        init += [f"(receptacleType {rid} {cls}Type)", f"(receptacleAtLocation {rid} {loc_id(r['location'])})"]
        if r.get("openable", cls in {"Cabinet", "Drawer", "Fridge", "Microwave", "Safe"}):
            init.append(f"(openable {rid})")
    start = game.get("start_location", max(locations) + 1)
    locations.add(start)
    objects += [f"{loc_id(n)} - location" for n in sorted(locations)]
    init.append(f"(atLocation agent1 {loc_id(start)})")
    otypes, rtypes = set(), set(cls for _, cls in receptacle_ids.values())
    for o in game["objects"]:
        display, number = o["name"].rsplit(" ", 1)
        cls = CLASS[display]
        otypes.add(cls)
        oid = entity_id(cls, int(number))
        rid, rcls = receptacle_ids[o["receptacle"]]
        location = next(r["location"] for r in game["receptacles"] if r["name"] == o["receptacle"])
        objects.append(f"{oid} - object")
        init += [f"(objectType {oid} {cls}Type)", f"(inReceptacle {oid} {rid})",
                 f"(objectAtLocation {oid} {loc_id(location)})"]
        if cls not in FIXED:
            init.append(f"(pickupable {oid})")
        for flag, members in (("cleanable", CLEAN), ("heatable", HEAT), ("coolable", COOL), ("sliceable", SLICE),
                              ("toggleable", TOGGLE)):
            if cls in members:
                init.append(f"({flag} {oid})")
        if cls in MOVABLE:
            init.append(f"(isReceptacleObject {oid})")
        cool = o.get("cool") or (cls == task["object"] and rcls == "Fridge")
        for flag, on in (("isClean", o.get("clean")), ("isHot", o.get("hot")), ("isCool", cool)):
            if on:
                init.append(f"({flag} {oid})")
    for rcls in sorted(rtypes):
        for ocls in sorted(otypes):
            if ocls in can_contain.get(rcls, ()):
                init.append(f"(canContain {rcls}Type {ocls}Type)")
    objects += [f"{c}Type - otype" for c in sorted(otypes)] + [f"{c}Type - rtype" for c in sorted(rtypes)]

    kind, obj = task["type"], task["object"]
    if kind == "pick_two_obj_and_place":
        goal = (f"(exists (?r - receptacle) (exists (?o1 - object) (exists (?o2 - object) (and (not (= ?o1 ?o2)) "
                f"(objectType ?o1 {obj}Type) (objectType ?o2 {obj}Type) (receptacleType ?r {task['receptacle']}Type) "
                f"(inReceptacle ?o1 ?r) (inReceptacle ?o2 ?r)))))")
    elif kind == "look_at_obj_in_light":
        goal = (f"(exists (?ot - object) (exists (?a - agent) (exists (?l - location) (exists (?r - receptacle) "
                f"(exists (?o - object) (and (objectType ?ot {task['toggle']}Type) (toggleable ?ot) (isToggled ?ot) "
                f"(inReceptacle ?ot ?r) (receptacleAtLocation ?r ?l) (atLocation ?a ?l) (objectType ?o {obj}Type) "
                f"(holds ?a ?o)))))))")
    else:
        body = GOALS[kind].format(obj=obj, recep=task["receptacle"])
        goal = f"(exists (?r - receptacle) (exists (?o - object) (and {body})))"
    problem = ("(define (problem troupe)\n (:domain alfred)\n (:objects\n  " + "\n  ".join(objects) + "\n )\n (:init\n  "
               + "\n  ".join(init) + "\n )\n (:goal (and " + goal + "))\n)\n")
    words = {"obj": obj.lower(), "recep": task.get("receptacle", "").lower(), "toggle": task.get("toggle", "").lower()}
    sentence = TEMPLATES[kind][task.get("template", 0)].format(**words)
    return problem, sentence


def load_game(path, can_contain):
    with open(path) as f:
        game = json.load(f)
    if "game_description" in game:
        game = game["game_description"]
    problem, sentence = problem_and_goal(game, can_contain)
    with open(ALFRED_TWL2_PATH) as f:
        grammar = f.read().replace("UNKNOWN GOAL", sentence.rstrip("."))
    with open(ALFRED_PDDL_PATH) as f:
        domain = f.read()
    data = {"pddl_domain": domain, "grammar": grammar, "pddl_problem": problem, "solvable": True}
    handle, name = tempfile.mkstemp(suffix=".tw-pddl")
    with os.fdopen(handle, "w") as f:
        json.dump(data, f)
    env = textworld.start(name, request_infos=textworld.EnvInfos(admissible_commands=True, won=True),
                          wrappers=[AlfredDemangler()])
    return env, name


def parse_transcript(path):
    """The game, commands and expected observations of a transcript file (see Fixtures.swift)."""
    with open(path) as f:
        lines = f.read().rstrip("\n").split("\n")
    header, index = {}, 0
    while lines[index] != "---":
        if not lines[index].startswith("#") and ":" in lines[index]:
            key, value = lines[index].split(":", 1)
            header[key] = value.strip()
        index += 1
    with open(os.path.join(os.path.dirname(path), "games", header["game"])) as f:
        game = json.load(f)
    if "task" in header:
        game["task"] = json.loads(header["task"])
    steps, block = [], []

    def flush():
        text = "\n".join(block)
        if steps:
            steps[-1]["observation"] = text
        else:
            steps.append({"command": None, "observation": text, "won": False})
        block.clear()

    for line in lines[index + 1:]:
        if line.startswith(">"):
            flush()
            command = line[1:]
            steps.append({"command": command[1:] if command.startswith(" ") else command, "won": False})
        elif line == "= won":
            steps[-1]["won"] = True
        elif line.startswith("= admissible "):
            steps[-1]["admissible"] = json.loads(line[len("= admissible "):])
        else:
            block.append(line)
    flush()
    return header.get("grammar", "old"), game, steps


def compare(path, can_contain):
    grammar, game, steps = parse_transcript(path)
    if grammar == "old":
        # The PyPI package ships only the new grammar. The grammars differ only in the put command,
        # its feedback and the arrival prefix (spec §8), so translate those and compare the rest.
        for step in steps:
            command = step["command"] or ""
            if command.startswith("put ") and " in/on " in command:
                step["command"] = "move " + command[4:].replace(" in/on ", " to ", 1)
            text = step["observation"]
            if text.startswith("You put the ") and " in/on the " in text:
                text = "You move the " + text[len("You put the "):].replace(" in/on the ", " to the ", 1)
            if command.startswith("go to ") and text.startswith("You arrive at loc "):
                text = f"You arrive at {command[6:]}. " + text.split(". ", 1)[1]
            step["observation"] = text
            if "admissible" in step:
                step["admissible"] = sorted(a if not a.startswith("put ") else "move " + a[4:].replace(" in/on ", " to ")
                                            for a in step["admissible"] + ["help"])
    handle, game_path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(handle, "w") as f:
        json.dump(game, f)
    env, tw_path = load_game(game_path, can_contain)
    differences = 0
    try:
        state = env.reset()
        for number, step in enumerate(steps):
            if step["command"] is not None:
                state, _, _ = env.step(step["command"])
            label = f"step {number} `{step['command']}`" if number else "intro"
            if state.feedback != step["observation"]:
                differences += 1
                print(f"{os.path.basename(path)} {label}:\n  ours:     {step['observation']!r}\n"
                      f"  alfworld: {state.feedback!r}")
            if bool(state.won) != step["won"]:
                differences += 1
                print(f"{os.path.basename(path)} {label}: won ours {step['won']}, alfworld {bool(state.won)}")
            if "admissible" in step and state.admissible_commands != step["admissible"]:
                differences += 1
                print(f"{os.path.basename(path)} {label}: admissible differ\n  ours:     {step['admissible']}\n"
                      f"  alfworld: {state.admissible_commands}")
    finally:
        env.close()
        os.unlink(tw_path)
        os.unlink(game_path)
    print(f"{os.path.basename(path)}: {len(steps)} observations, {differences} differences")
    return differences


def can_contain_table():
    from alfworld.gen import constants
    return {r: set(objs) for r, objs in constants.VAL_RECEPTACLE_OBJECTS.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["steps", "replay", "record", "compare"])
    parser.add_argument("--game", help="a Troupe game description (JSON file)")
    parser.add_argument("--transcript", nargs="*", default=[], help="transcript files (compare mode)")
    parser.add_argument("--steps", type=int, default=500, help="random steps to time (steps mode)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commands", help="a file of commands, one per line (replay mode)")
    args = parser.parse_args()

    if args.mode == "compare":
        table = can_contain_table()
        total = sum(compare(path, table) for path in args.transcript)
        print(f"{total} differences")
        sys.exit(1 if total else 0)
    env, path = load_game(args.game, can_contain_table())
    try:
        if args.mode == "replay":
            state = env.reset()
            print(json.dumps({"observation": state.feedback, "admissible": state.admissible_commands}))
            with open(args.commands) as f:
                for command in f.read().split("\n"):
                    state, reward, done = env.step(command)
                    print(json.dumps({"command": command, "observation": state.feedback, "won": bool(state.won),
                                      "admissible": state.admissible_commands}))
            return
        rng = random.Random(args.seed)
        if args.mode == "record":
            with open(args.game) as f:
                game = json.load(f)
            names = [o["name"] for o in game["objects"]] + [r["name"] for r in game["receptacles"]]
            verbs = ["examine", "use", "open", "close", "go to", "take", "heat", "slice"]
            state = env.reset()
            print(json.dumps({"reset": True, "observation": state.feedback, "admissible": state.admissible_commands}))
            for step in range(1, args.steps + 1):
                # Mostly admissible commands, favouring the ones that change the world, so that a
                # short recording takes, puts, opens, heats, cools, cleans, slices and wins.
                acting = [c for c in state.admissible_commands
                          if not c.startswith(("go to", "look", "inventory", "help", "examine"))]
                if acting and rng.random() < 0.55:
                    command = rng.choice(acting)
                elif rng.random() < 0.8:
                    command = rng.choice(state.admissible_commands)
                else:
                    command = f"{rng.choice(verbs)} {rng.choice(names)}"
                    if command.startswith(("take", "heat", "slice")):
                        command += f" {'from' if command.startswith('take') else 'with'} {rng.choice(names)}"
                state, _, done = env.step(command)
                print(json.dumps({"command": command, "observation": state.feedback, "won": bool(state.won),
                                  "admissible": state.admissible_commands}))
                if done or step % 50 == 0:
                    state = env.reset()
                    print(json.dumps({"reset": True, "observation": state.feedback,
                                      "admissible": state.admissible_commands}))
            return
        state = env.reset()
        start = time.perf_counter()
        episodes = 1
        for step in range(1, args.steps + 1):
            command = rng.choice(state.admissible_commands)
            state, _, done = env.step(command)
            if done or step % 50 == 0:  # ALFWorld's 50-step limit
                state = env.reset()
                episodes += 1
            if step % 100 == 0:
                print(f"alfworld peer: {step}/{args.steps} steps", file=sys.stderr)
        seconds = time.perf_counter() - start
        print(json.dumps({"engine": "alfworld (TextWorld PDDL)", "steps": args.steps, "episodes": episodes,
                          "seconds": seconds, "steps_per_second": args.steps / seconds}))
    finally:
        env.close()
        os.unlink(path)


if __name__ == "__main__":
    main()
