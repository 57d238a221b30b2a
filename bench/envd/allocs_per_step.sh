#!/bin/bash
# envd's calls to malloc, calloc and free per step, counted with uprobes on libc: a count that does
# not move with the machine's load, unlike the CPU time `cpu_per_step.py` reads (which moves by a
# quarter on these shared VMs). Alternate two builds to see whether a change allocates less.
#
#     bench/envd/allocs_per_step.sh .build/release/envd batch 100000
#
# MODE and ROUNDS as in cpu_per_step.py, which drives the server; the counts cover the whole run
# (sessions made, warm-up included), divided by the steps measured, so compare builds at the same
# ROUNDS. Needs perf and root (uprobes); each probe hit traps, so the run is about 100 times slower
# than without it and the CPU per step it prints means nothing.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BINARY seq|conc|batch [ROUNDS]" >&2; exit 2; }
binary=$1 mode=$2 rounds=${3:-20000}
command -v perf > /dev/null || { echo "allocs_per_step: needs perf (apt install linux-perf)" >&2; exit 1; }
libc=$(ldd "$binary" | awk '/libc\.so\.6/ {print $3}')
[ -n "$libc" ] || { echo "allocs_per_step: $binary does not link libc.so.6" >&2; exit 1; }
for fn in malloc calloc free; do
    perf probe -l 2> /dev/null | grep -q "probe_libc:$fn " \
        || perf probe -q -x "$libc" --add "$fn" \
        || { echo "allocs_per_step: cannot add a uprobe on $fn (run as root)" >&2; exit 1; }
done
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/cpu_per_step.py" "$binary" "$mode" "$rounds" > "$out/run.txt" &
driver=$!
server=
for _ in $(seq 1000); do  # the server, once its socket exists (attached earlier, perf may miss its threads)
    server=$(pgrep -f "$binary serve --socket /tmp/envd-cpu-" | head -1 || true)
    if [ -n "$server" ]; then
        socket=$(tr '\0' '\n' < "/proc/$server/cmdline" | sed -n '/^--socket$/{n;p}')
        [ -S "$socket" ] && break
    fi
    sleep 0.01
done
[ -n "$server" ] || { echo "allocs_per_step: the server did not start" >&2; exit 1; }
perf stat -x, -e probe_libc:malloc,probe_libc:calloc,probe_libc:free -p "$server" -o "$out/stat.csv" &
counter=$!
wait $driver
kill -INT $counter 2> /dev/null || true
wait $counter 2> /dev/null || true
steps=$(awk '{print $2}' "$out/run.txt")
awk -F, -v steps="$steps" -v mode="$mode" '
    /probe_libc/ { split($3, name, ":"); count[name[2]] = $1 }
    END { printf "%s: %d steps, per step: malloc %.1f, calloc %.1f, free %.1f\n", mode, steps,
          count["malloc"] / steps, count["calloc"] / steps, count["free"] / steps }' "$out/stat.csv"
