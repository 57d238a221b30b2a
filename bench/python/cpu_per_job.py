#!/usr/bin/env python3
"""CPU time per job of python-v0's pool, split by process: the server (the bench itself), the
zygotes, and the job processes they forked. Wall-clock rates depend on what else the machine is
doing; CPU per job says what a job costs.

    swift build -c release --product python-bench
    bench/python/cpu_per_job.py .build/release/python-bench --modes pool-bwrap --jobs 6000

It starts the command, lets it warm up, samples /proc for the command's process tree twice
(utime, stime, and the cutime/cstime of reaped children), and divides by the jobs done in between
(the jobs/s the bench prints times the interval).
"""
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def snapshot(root):
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        procs[int(name)] = (int(fields[1]), comm, [int(x) for x in fields[11:15]])
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    totals, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in procs:
            _, comm, times = procs[pid]
            key = "server" if pid == root else comm
            total = totals.setdefault(key, [0, 0, 0, 0])
            for i, value in enumerate(times):
                total[i] += value
        stack += children.get(pid, [])
    return totals


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
    time.sleep(6)
    before, start = snapshot(process.pid), time.time()
    time.sleep(5)
    after, end = snapshot(process.pid), time.time()
    output = process.communicate()[0].strip().splitlines()
    row = output[-1]
    print(row)
    jobs = float(row.split("|")[3]) * (end - start)
    print("ms of CPU per job    user   sys   (reaped children: user   sys)")
    for key, times in after.items():
        delta = [(b - a) / TICK * 1000 / jobs for a, b in zip(before.get(key, [0] * 4), times)]
        print("%-18s %6.2f %6.2f                    %6.2f %6.2f" % (key, *delta))


if __name__ == "__main__":
    main()
