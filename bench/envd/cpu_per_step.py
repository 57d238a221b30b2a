"""envd's own CPU per step, read from /proc: the cost that `envd bench`'s ratios hide behind the
clients' and the kernel's share of two cores.

Starts `BINARY serve` on a temporary socket, makes echo-v0 sessions, drives them with Python
clients (blocking sockets), and divides the server's user+system CPU time over the measured part
by the steps served. Alternate two builds to compare them:

    python3 bench/envd/cpu_per_step.py .build/release/envd batch 300000
    python3 bench/envd/cpu_per_step.py /tmp/envd-old batch 300000

MODE: seq (1 client), conc (8 clients, a session each) or batch (2 clients, frames of 64 steps
over 64 sessions, a batch of resets every 50 frames). ROUNDS: steps in all (default 20000).
"""
import json, os, shutil, socket, subprocess, sys, tempfile, threading, time

if len(sys.argv) < 3 or sys.argv[2] not in ("seq", "conc", "batch"):
    sys.exit("usage: cpu_per_step.py BINARY seq|conc|batch [ROUNDS]")
binary, mode = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
sock = os.path.join(tempfile.mkdtemp(prefix="envd-cpu-"), "envd.sock")
server = subprocess.Popen(
    [binary, "serve", "--socket", sock, "--log-level", "error", "--idle-timeout-ms", "0"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(600):
    if os.path.exists(sock): break
    time.sleep(0.05)
else:
    server.kill(); sys.exit(f"{binary} serve did not create {sock}")
time.sleep(0.2)


def cpu():
    fields = open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(sock); self.f = self.s.makefile("rb"); self.n = 0

    def call(self, **request):
        self.n += 1; request["id"] = self.n
        self.s.sendall((json.dumps(request) + "\n").encode())
        return json.loads(self.f.readline())

    def session(self):
        made = self.call(op="make", env="echo-v0")
        self.call(op="reset", session=made["session"])
        return made["session"]


def drive(conn, sessions, frames):
    if len(sessions) == 1:
        step = (json.dumps({"op": "step", "session": sessions[0], "action": "hi", "id": 1}) + "\n").encode()
        reset = (json.dumps({"op": "reset", "session": sessions[0], "id": 2}) + "\n").encode()
        for _ in range(frames):
            conn.s.sendall(step); answer = json.loads(conn.f.readline())
            if answer.get("terminated") or answer.get("truncated") or not answer.get("ok"):
                conn.s.sendall(reset); conn.f.readline()
    else:
        steps = {"op": "batch", "id": 1, "items": [{"op": "step", "session": s, "action": "hi"} for s in sessions]}
        resets = {"op": "batch", "id": 2, "items": [{"op": "reset", "session": s} for s in sessions]}
        steps, resets = (json.dumps(steps) + "\n").encode(), (json.dumps(resets) + "\n").encode()
        for index in range(frames):
            conn.s.sendall(steps); json.loads(conn.f.readline())
            if index % 50 == 49:
                conn.s.sendall(resets); conn.f.readline()


clients, per_frame = {"seq": (1, 1), "conc": (8, 1), "batch": (2, 64)}[mode]
conns = [Conn() for _ in range(clients)]
sessions = [[conn.session() for _ in range(per_frame)] for conn in conns]
frames = max(1, rounds // (clients * per_frame))


def run(count):
    threads = [threading.Thread(target=drive, args=(conns[i], sessions[i], count)) for i in range(clients)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()


run(max(1, frames // 10))  # warm up
cpu0, wall0 = cpu(), time.time()
run(frames)
cpu1, wall1 = cpu(), time.time()
steps = frames * clients * per_frame
print(f"{mode}: {steps} steps, envd CPU {1e6 * (cpu1 - cpu0) / steps:.2f} us/step, "
      f"wall {steps / (wall1 - wall0):.0f} steps/s")
server.terminate(); server.wait()
shutil.rmtree(os.path.dirname(sock), ignore_errors=True)
