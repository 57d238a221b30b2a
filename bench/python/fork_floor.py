#!/usr/bin/env python3
"""The floor under python-v0's pool: a bare Python loop that forks one child per snippet, with the
pool's default preloads imported and the heap frozen as the zygote does, and no isolation, limits or
protocol at all. Prints jobs/s on one core, CPU ms and minor page faults per job for the parent and
for its children, so the zygote's and the job's figures from `cpu_per_job.py` can be read against
what fork itself costs on this machine.

    /usr/bin/python3 -s -B bench/python/fork_floor.py [jobs] [--bare]

`--bare` skips the preloads (what they add to every fork). Run it with the interpreter the pool
uses (`/usr/bin/python3` unless configured).
"""
import gc
import os
import resource
import sys
import time

PRELOAD = (
    "re json math string collections itertools functools datetime random statistics fractions decimal heapq "
    "bisect textwrap unicodedata copy operator time"
).split()  # SandboxPoolConfig.defaultPreload


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    jobs = int(args[0]) if args else 3000
    if "--bare" not in sys.argv:
        for name in PRELOAD:
            __import__(name)
    gc.collect()
    gc.freeze()
    code = compile("print(sum(range(100)))", "<job>", "exec")
    start = time.monotonic()
    parent0, children0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(jobs):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.dup2(write_end, 1)
            exec(code, {})
            sys.stdout.flush()
            os._exit(0)
        os.close(write_end)
        output = b""
        while chunk := os.read(read_end, 65536):
            output += chunk
        os.close(read_end)
        os.waitpid(pid, 0)
        assert output == b"4950\n", output
    elapsed = time.monotonic() - start
    parent1, children1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu_ms(a, b):
        return (b.ru_utime - a.ru_utime + b.ru_stime - a.ru_stime) / jobs * 1000

    print(
        "%d jobs, %.0f jobs/s on one core | parent %.3f ms, %.0f faults | children %.3f ms, %.0f faults"
        % (
            jobs,
            jobs / elapsed,
            cpu_ms(parent0, parent1),
            (parent1.ru_minflt - parent0.ru_minflt) / jobs,
            cpu_ms(children0, children1),
            (children1.ru_minflt - children0.ru_minflt) / jobs,
        )
    )


if __name__ == "__main__":
    main()
