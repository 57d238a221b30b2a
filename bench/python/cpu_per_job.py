#!/usr/bin/env python3
"""CPU time and page faults per job of python-v0's pool, split by process: the server (the bench
itself), the zygotes, and the job processes they forked. Wall-clock rates depend on what else the
machine is doing; CPU per job says what a job costs, and minor page faults per job (most of a
small job's CPU is the kernel handling copy-on-write faults after the fork) are a count that
does not move with the load, so they show whether a change helped even on a busy machine.

    swift build -c release --product python-bench
    bench/python/cpu_per_job.py .build/release/python-bench --modes pool-bwrap --jobs 6000

It starts the command, lets it warm up, samples /proc for the command's process tree twice
(utime, stime and minflt, and the cutime, cstime and cminflt of reaped children), and divides by
the jobs done in between (the jobs/s the bench prints times the interval).
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
        # utime, stime, cutime, cstime (fields 14-17 of stat), minflt, cminflt (fields 10, 11)
        procs[int(name)] = (int(fields[1]), comm, [int(x) for x in fields[11:15] + fields[7:9]])
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    totals, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in procs:
            _, comm, times = procs[pid]
            key = "server" if pid == root else comm
            total = totals.setdefault(key, [0] * 6)
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
    print("per job             CPU ms: user   sys  (reaped children: user   sys)   minor faults (children)")
    for key, counts in after.items():
        delta = [b - a for a, b in zip(before.get(key, [0] * 6), counts)]
        ms = [d / TICK * 1000 / jobs for d in delta[:4]]
        faults = [d / jobs for d in delta[4:]]
        print("%-18s %12.2f %5.2f %24.2f %5.2f %14.0f %8.0f" % (key, *ms, *faults))


if __name__ == "__main__":
    main()
