"""The work of each task, as the articles wrote it: their trial-division primes and naive
Fibonacci, sleeps, an HTTP GET (urllib; on asyncio aiohttp or a stdlib client) and a temp-file
round trip. Shipped with harness.py, which imports it; pool workers import it too.

Runs on Python 3.8 and newer.
"""

import os
import sys
import time

NOISE_ENV = "CONCURRENCY_LAB_PYTHON_NOISE"
HTTP_TIMEOUT_SECS = 90.0

_CLOCK = getattr(time, "CLOCK_MONOTONIC", None)


def now_ns():
    """Nanoseconds on CLOCK_MONOTONIC: the same clock as the lab's."""
    if _CLOCK is not None:
        return time.clock_gettime_ns(_CLOCK)
    return time.monotonic_ns()


def count_primes(n):
    """Counts the primes in 2..=n: every divisor j in 2..i, stopping at the first that divides."""
    count = 0
    for i in range(2, n + 1):
        for j in range(2, i):
            if i % j == 0:
                break
        else:
            count += 1
    return count


def fib(n):
    """Naive recursive Fibonacci."""
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


_OPENER = None


def http_get_blocking(url):
    """A GET with urllib (no proxies), checked like the lab's own clients check it."""
    global _OPENER
    import urllib.request

    if _OPENER is None:
        _OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with _OPENER.open(url, timeout=HTTP_TIMEOUT_SECS) as response:
        body = response.read().decode("utf-8", "replace")
    check_body(url, body)


def check_body(url, body):
    if '"delay_ms"' not in body:
        raise RuntimeError("GET %s: unexpected body %r" % (url, body[:100]))


def file_round_trip(directory, kib):
    """Writes kib KiB to a new temp file, fsyncs, reads it back, deletes it. The name carries
    this process's id, so the lab can remove what a killed process left behind."""
    import tempfile

    data = b"\xa5" * (kib * 1024)
    fd, path = tempfile.mkstemp(prefix="concurrency-lab-%d-" % os.getpid(), dir=directory)
    try:
        with os.fdopen(fd, "r+b") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            back = handle.read()
    finally:
        os.unlink(path)
    if len(back) != len(data):
        raise RuntimeError("file workload: wrote %d bytes, read back %d" % (len(data), len(back)))


class Work:
    """What every task of the run does, built from the setup the lab sent."""

    def __init__(self, setup):
        self.kind = setup["workload"]
        self.sizes = setup["sizes"]
        self.steps = setup["steps"]
        self.record_steps = setup["record_steps"]
        self.io_wait_secs = setup["io_wait_millis"] / 1000.0
        self.http_url = setup.get("http_url")
        self.file_dir = setup.get("file_dir")
        self.fail_every = setup.get("fail_every", 0)
        self.noisy = os.environ.get(NOISE_ENV) == "1"

    def size(self, task):
        return self.sizes[task % len(self.sizes)]

    def url(self, task):
        return "%s/delay/%d" % (self.http_url, self.size(task))

    def before(self, task):
        if self.noisy:
            # Stray output of a workload: it must end up on stderr, never in the protocol.
            print("noise from task %d" % task)
            sys.stdout.flush()
            os.write(1, b"raw noise on fd 1\n")
        if self.fail_every and (task + 1) % self.fail_every == 0:
            raise RuntimeError("injected failure in task %d (fail_every = %d)" % (task, self.fail_every))

    def run_blocking(self, task, steps):
        """The task on a thread or in a worker process, every wait blocking."""
        self.before(task)
        for step in range(self.steps):
            if step > 0:
                time.sleep(0)  # let another thread have the GIL, as thread::yield_now does
            if self.record_steps:
                steps.append([now_ns(), task, step])
            self.step_blocking(task)

    def step_blocking(self, task):
        kind, size = self.kind, self.size(task)
        if kind == "primes":
            count_primes(size)
        elif kind == "fib":
            fib(size)
        elif kind in ("sleep", "blocking-sleep"):
            time.sleep(size / 1000.0)
        elif kind == "noop":
            pass
        elif kind == "http":
            http_get_blocking(self.url(task))
        elif kind == "file":
            file_round_trip(self.file_dir, size)
        elif kind == "mixed":
            count_primes(size)
            time.sleep(self.io_wait_secs)
        else:
            raise ValueError("unknown workload %r" % kind)

    async def run_async(self, task, steps, http):
        """The task as a coroutine: CPU work and blocking sleeps hold up the loop, as they do
        in asyncio; sleeps and HTTP are awaited; file I/O goes to the loop's thread pool."""
        import asyncio

        self.before(task)
        for step in range(self.steps):
            if step > 0:
                await asyncio.sleep(0)
            if self.record_steps:
                steps.append([now_ns(), task, step])
            kind, size = self.kind, self.size(task)
            if kind == "primes":
                count_primes(size)
            elif kind == "fib":
                fib(size)
            elif kind == "sleep":
                await asyncio.sleep(size / 1000.0)
            elif kind == "blocking-sleep":
                time.sleep(size / 1000.0)
            elif kind == "noop":
                pass
            elif kind == "http":
                await http.get(self.url(task))
            elif kind == "file":
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, file_round_trip, self.file_dir, size)
            elif kind == "mixed":
                count_primes(size)
                await asyncio.sleep(self.io_wait_secs)
            else:
                raise ValueError("unknown workload %r" % kind)


class StdlibHttp:
    """An asyncio HTTP/1.1 client from the standard library: one connection per request."""

    async def get(self, url):
        import asyncio
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            request = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (parts.path, parts.netloc)
            writer.write(request.encode("ascii"))
            await writer.drain()
            response = await asyncio.wait_for(reader.read(), HTTP_TIMEOUT_SECS)
        finally:
            writer.close()
        head, _, body = response.decode("utf-8", "replace").partition("\r\n\r\n")
        status = head.split("\r\n", 1)[0]
        if " 200 " not in status + " ":
            raise RuntimeError("GET %s: %s" % (url, status or "no answer"))
        check_body(url, body)

    async def close(self):
        pass


class AiohttpClient:
    """aiohttp, as the articles use it: one session for the run, no connection cap (the
    run's in-flight limit is the cap), no proxies."""

    def __init__(self, aiohttp):
        self.aiohttp = aiohttp
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def get(self, url):
        timeout = self.aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECS)
        async with self.session.get(url, timeout=timeout) as response:
            response.raise_for_status()
            body = await response.text()
        check_body(url, body)

    async def close(self):
        await self.session.close()
