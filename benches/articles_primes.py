"""The articles' CPU-bound example as a plain script, timed as they time it: time.time()
brackets after the imports, around creating the pool and running the tasks. The Python
benchmark (benches/python.rs) runs it beside the lab's Python backends.

    python3 articles_primes.py threads|processes|asyncio N TASKS WORKERS

prints one JSON line: {"mode": ..., "secs": ...}.
"""

import asyncio
import concurrent.futures
import json
import sys
import time


def count_primes(n):
    count = 0
    for i in range(2, n + 1):
        for j in range(2, i):
            if i % j == 0:
                break
        else:
            count += 1
    return count


async def count_primes_async(n):
    return count_primes(n)


async def all_async(n, tasks):
    return await asyncio.gather(*(count_primes_async(n) for _ in range(tasks)))


def main():
    mode, n, tasks, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    start = time.time()
    if mode == "threads":
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
            counts = list(executor.map(count_primes, [n] * tasks))
    elif mode == "processes":
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as executor:
            counts = list(executor.map(count_primes, [n] * tasks))
    elif mode == "asyncio":
        counts = asyncio.run(all_async(n, tasks))
    else:
        raise SystemExit("mode must be threads, processes or asyncio")
    end = time.time()
    assert len(set(counts)) == 1
    print(json.dumps({"mode": mode, "secs": end - start}))


if __name__ == "__main__":
    main()
