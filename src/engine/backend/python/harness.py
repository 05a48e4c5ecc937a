"""Concurrency Lab's Python harness: one repetition of an experiment in the user's own
interpreter, reported to the lab as JSON lines.

The lab writes this file and `lab_workloads.py` (the articles' code that each task runs) into
a private temp directory and runs this one as a script (never with `python -c`: spawn and
forkserver pools import the main module in every worker):

    python [-X gil=0] harness.py SETUP_JSON

- fd 1 is the protocol pipe. It is duplicated first and fd 1 then points at stderr, so a
  print() anywhere (this file, a pool worker, a library) can never corrupt the protocol.
- After its imports the harness says hello (protocol version, interpreter, time), then reads
  one line from stdin: "go". The measured part starts there, as the articles' time.time()
  brackets start after their imports: the pool is created and warmed (every worker exists
  before the first task), the tasks run, spans go out in batches, then "done".
- Nothing else ever comes on stdin: its end means the lab is gone (the lifeline). The harness
  and each pool worker also ask Linux to kill them when their parent dies (PR_SET_PDEATHSIG).
- Every timestamp is CLOCK_MONOTONIC in nanoseconds, the clock the lab reads too.

Runs on Python 3.8 and newer.
"""

import json
import os
import signal
import stat
import sys
import threading
import time
import traceback

from lab_workloads import AiohttpClient, StdlibHttp, Work, now_ns  # shipped beside this file

PROTOCOL = 1
PARENT_PID_ENV = "CONCURRENCY_LAB_PARENT_PID"
WARMUP_TIMEOUT_SECS = 120.0
FLUSH_SPANS = 1024
FLUSH_SECS = 0.05
HEARTBEAT_SECS = 0.001


# ---- staying alive only as long as the lab ----


def _parent_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def die_with_parent(expected):
    """Linux: SIGKILL when the parent (thread) dies. `expected(ppid)` closes the race where the
    parent died before this call: then we were re-parented, and leave at once."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        return
    if not expected(os.getppid()):
        os._exit(71)


def start_lifeline():
    """Exits when stdin (the lab's pipe) closes. Nothing is ever sent on it after "go"."""
    try:
        if not stat.S_ISFIFO(os.fstat(0).st_mode):
            return
    except OSError:
        return

    def watch():
        while True:
            try:
                data = os.read(0, 4096)
            except OSError:
                return
            if not data:
                os._exit(70)

    threading.Thread(target=watch, name="lab-lifeline", daemon=True).start()


# ---- pool workers ----

_WORK = None
_BARRIER = None
_LANE = threading.local()
_PROCESS_LANE = 0


def _lane():
    return getattr(_LANE, "lane", _PROCESS_LANE)


def init_thread(lanes):
    with lanes[0]:
        _LANE.lane = lanes[1]
        lanes[1] += 1


def init_process(setup, barrier, counter, harness_pid):
    """Runs first in every worker process: lifeline, lane, the work to do."""
    global _WORK, _BARRIER, _PROCESS_LANE
    # The parent is the harness, or (forkserver) the fork server the harness started.
    die_with_parent(lambda ppid: ppid == harness_pid or _parent_of(ppid) == harness_pid)
    start_lifeline()
    with counter.get_lock():
        _PROCESS_LANE = counter.value
        counter.value += 1
    _WORK = Work(setup)
    _BARRIER = barrier


def rendezvous(_):
    """Warm-up: every worker waits here until all of them exist."""
    _BARRIER.wait(WARMUP_TIMEOUT_SECS)
    return (_lane(), os.getpid(), time.process_time())


def blocking_task(task):
    """One task on a pool worker: (task, lane, start, end, traceback or None, steps, CPU)."""
    steps = []
    error = None
    start = now_ns()
    try:
        _WORK.run_blocking(task, steps)
    except Exception:
        error = traceback.format_exc()
    end = now_ns()
    return (task, _lane(), start, end, error, steps, time.process_time())


# ---- the protocol ----


class Protocol:
    def __init__(self, fd):
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, message):
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode("ascii")
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]


class Reporter:
    """Spans, step starts and task errors, sent in batches (every 1024 spans or 50 ms)."""

    def __init__(self, protocol):
        self.protocol = protocol
        self.spans = []
        self.steps = []
        self.errors = []
        self.last_flush = time.monotonic()

    def add(self, task, lane, start, end, error, steps):
        self.spans.append([task, lane, start, end, error is None])
        if error is not None:
            self.errors.append([task, error])
        if steps:
            self.steps.extend(steps)
        if len(self.spans) >= FLUSH_SPANS or time.monotonic() - self.last_flush >= FLUSH_SECS:
            self.flush()

    def flush(self):
        self.last_flush = time.monotonic()
        if not (self.spans or self.errors or self.steps):
            return
        message = {"type": "spans", "spans": self.spans}
        if self.steps:
            message["steps"] = self.steps
        if self.errors:
            message["errors"] = self.errors
        self.protocol.send(message)
        self.spans, self.steps, self.errors = [], [], []


def read_go():
    """Waits for the lab's "go" line; exits if the lab is gone first."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 1)
        if not chunk:
            os._exit(70)
        data += chunk
    if data.strip() != b"go":
        raise RuntimeError("expected 'go' from the lab, got %r" % data[:100])


# ---- the three backends ----


def run_pool(executor, work_fn, tasks, workers, reporter, cpu_by_lane):
    """Submits tasks (a window ahead of the workers), records each as it finishes."""
    import queue

    finished = queue.SimpleQueue()
    window = 4 * workers + 16
    next_task = 0
    in_flight = 0
    while next_task < tasks or in_flight:
        while next_task < tasks and in_flight < window:
            future = executor.submit(work_fn, next_task)
            future.add_done_callback(finished.put)
            next_task += 1
            in_flight += 1
        try:
            future = finished.get(timeout=FLUSH_SECS)
        except queue.Empty:
            reporter.flush()
            continue
        in_flight -= 1
        task, lane, start, end, error, steps, cpu = future.result()
        cpu_by_lane[lane] = max(cpu_by_lane.get(lane, 0.0), cpu)
        reporter.add(task, lane, start, end, error, steps)
    reporter.flush()


def warm_up(executor, workers, cpu_by_lane):
    """Makes every worker exist (pools start them lazily); returns their pids by lane."""
    pids = {}
    for lane, pid, cpu in executor.map(rendezvous, range(workers)):
        pids[lane] = pid
        cpu_by_lane[lane] = cpu
    return [pids[lane] for lane in sorted(pids)]


def run_threads(setup, protocol, reporter, t0):
    import concurrent.futures

    global _WORK, _BARRIER
    workers, tasks = setup["workers"], setup["tasks"]
    _WORK = Work(setup)
    _BARRIER = threading.Barrier(workers)
    lanes = [threading.Lock(), 0]
    cpu_by_lane = {}
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="lab-python", initializer=init_thread, initargs=(lanes,)
    ) as executor:
        warm_up(executor, workers, cpu_by_lane)
        protocol.send({"type": "ready", "t0_ns": t0, "ready_ns": now_ns(), "worker_pids": []})
        run_pool(executor, blocking_task, tasks, workers, reporter, cpu_by_lane)
        end = now_ns()
    return end, 0.0


def run_processes(setup, protocol, reporter, t0, context):
    import concurrent.futures

    workers, tasks = setup["workers"], setup["tasks"]
    barrier = context.Barrier(workers)
    counter = context.Value("i", 0)
    cpu_by_lane = {}
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_process,
        initargs=(setup, barrier, counter, os.getpid()),
    ) as executor:
        pids = warm_up(executor, workers, cpu_by_lane)
        ready = {"type": "ready", "t0_ns": t0, "ready_ns": now_ns(), "worker_pids": pids}
        ready["helper_pids"] = helper_pids()
        protocol.send(ready)
        run_pool(executor, blocking_task, tasks, workers, reporter, cpu_by_lane)
        end = now_ns()
    return end, sum(cpu_by_lane.values())


def helper_pids():
    """The pool's helper processes (fork server, resource tracker), so the lab counts their
    memory too. Private attributes, read defensively: a Python without them reports none."""
    pids = []
    for module, holder, attribute in (
        ("multiprocessing.forkserver", "_forkserver", "_forkserver_pid"),
        ("multiprocessing.resource_tracker", "_resource_tracker", "_pid"),
    ):
        pid = getattr(getattr(sys.modules.get(module), holder, None), attribute, None)
        if isinstance(pid, int) and pid > 0:
            pids.append(pid)
    return pids


class Heartbeat:
    """Asks to wake every 1 ms and records how late it woke: the loop's lag."""

    def __init__(self, loop):
        self.loop = loop
        self.lates = []
        self.due = None

    async def run(self):
        import asyncio

        due = self.loop.time() + HEARTBEAT_SECS
        while True:
            self.due = due
            await asyncio.sleep(max(0.0, due - self.loop.time()))
            now = self.loop.time()
            self.lates.append(max(0.0, now - due))
            due = now + HEARTBEAT_SECS

    def summary(self):
        lates = list(self.lates)
        if self.due is not None and self.loop.time() > self.due:
            lates.append(self.loop.time() - self.due)
        if not lates:
            return None
        lates.sort()
        rank = max(0, -(-len(lates) * 99 // 100) - 1)
        return {"max_secs": lates[-1], "p99_secs": lates[min(rank, len(lates) - 1)]}


def http_client_name(setup):
    """Which client a run will use, and the module when it is aiohttp (imported here, before
    the measured part, like every other import)."""
    if setup["workload"] != "http":
        return None, None
    if setup["backend"] != "asyncio":
        return "urllib.request (stdlib)", None
    try:
        import aiohttp
    except ImportError:
        return "asyncio streams (stdlib; aiohttp is not importable)", None
    return "aiohttp %s" % getattr(aiohttp, "__version__", "?"), aiohttp


def run_asyncio(setup, protocol, reporter, t0, aiohttp):
    import asyncio

    work = Work(setup)
    workers, tasks = setup["workers"], setup["tasks"]
    outcome = {}

    async def main():
        loop = asyncio.get_running_loop()
        heartbeat = Heartbeat(loop)
        beat = loop.create_task(heartbeat.run())
        http = None
        if work.kind == "http":
            http = AiohttpClient(aiohttp) if aiohttp is not None else StdlibHttp()
        slots = asyncio.Semaphore(workers)
        running = set()
        protocol.send({"type": "ready", "t0_ns": t0, "ready_ns": now_ns(), "worker_pids": []})

        async def one(task):
            steps = []
            error = None
            start = now_ns()
            try:
                await work.run_async(task, steps, http)
            except Exception:
                error = traceback.format_exc()
            finally:
                slots.release()
            reporter.add(task, 0, start, now_ns(), error, steps)

        for task in range(tasks):
            await slots.acquire()
            child = loop.create_task(one(task))
            running.add(child)
            child.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running)
        outcome["end"] = now_ns()
        outcome["lag"] = heartbeat.summary()
        beat.cancel()
        if http is not None:
            await http.close()
        reporter.flush()

    asyncio.run(main())
    return outcome["end"], 0.0, outcome["lag"]


# ---- main ----


def interpreter_facts():
    import platform
    import sysconfig

    free_threaded = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "free_threaded": free_threaded,
        "gil_enabled": bool(is_gil_enabled()) if is_gil_enabled is not None else True,
    }


def main():
    protocol = Protocol(os.dup(1))
    os.dup2(2, 1)  # print() and any stray write to fd 1 now land on stderr
    reporter = Reporter(protocol)
    try:
        parent = int(os.environ.get(PARENT_PID_ENV, "0"))
        die_with_parent(lambda ppid: parent == 0 or ppid == parent)
        setup = json.loads(sys.argv[1])
        import asyncio  # noqa: F401  (the imports the articles' scripts make, before their brackets)
        import concurrent.futures  # noqa: F401
        import multiprocessing

        context = None
        start_method = None
        if setup["backend"] == "processes":
            context = multiprocessing.get_context(setup.get("start_method"))
            start_method = context.get_start_method()
        http_client, aiohttp = http_client_name(setup)
        hello = {"type": "hello", "protocol": PROTOCOL, "pid": os.getpid()}
        hello.update(interpreter_facts())  # after every import: an extension may re-enable the GIL
        hello.update({"start_method": start_method, "http_client": http_client, "t_ns": now_ns()})
        protocol.send(hello)
        read_go()
        t0 = now_ns()
        cpu0 = time.process_time()
        start_lifeline()
        lag = None
        if setup["backend"] == "threads":
            end, workers_cpu = run_threads(setup, protocol, reporter, t0)
        elif setup["backend"] == "processes":
            end, workers_cpu = run_processes(setup, protocol, reporter, t0, context)
        elif setup["backend"] == "asyncio":
            end, workers_cpu, lag = run_asyncio(setup, protocol, reporter, t0, aiohttp)
        else:
            raise ValueError("unknown backend %r" % setup["backend"])
        cpu = time.process_time() - cpu0 + workers_cpu
        protocol.send({"type": "done", "end_ns": end, "cpu_secs": cpu, "lag": lag})
    except BaseException:
        try:
            reporter.flush()
        except Exception:
            pass
        protocol.send({"type": "error", "message": traceback.format_exc()})
        sys.stderr.flush()
        os._exit(1)


if __name__ == "__main__":
    main()
