"""A raw Troupe client in plain Python, written from docs/protocol.md alone: make, reset, step,
batch and close a session of echo-v0 over envd's Unix socket. Usage: raw_client.py SOCKET"""
import json, socket, sys

sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
stream = sock.makefile("rwb")

def call(request_id, op, **fields):
    stream.write((json.dumps({"id": request_id, "op": op, **fields}) + "\n").encode())
    stream.flush()
    answer = json.loads(stream.readline())
    assert answer["id"] == request_id and answer["ok"], answer
    return answer

print("hello:", call(1, "hello", version=1)["limits"]["max_sessions"], "sessions max")
session = call(2, "make", env="echo-v0", config={"words": ["xyzzy"]}, seed=7)["session"]
print("reset:", call(3, "reset", session=session, seed=42)["observation"])
step = call(4, "step", session=session, action="blue")
print("step:", step["observation"], step["reward"], step["terminated"], step["truncated"])
items = [{"op": "step", "session": session, "action": word} for word in ["red", "green"]]
print("batch:", [result["observation"] for result in call(5, "batch", items=items)["results"]])
call(6, "close", session=session)
print("closed", session)
