//! The names a user picks from: the backends (how work runs) and the workloads (what each
//! task does), with their public spelling, bounds and descriptions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the work is run. The names are the public spelling (CLI, presets, JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// One thread, a tokio current-thread runtime; `workers` = max tasks in flight.
    EventLoop,
    /// A pool of `workers` OS threads pulling tasks from a queue.
    Threads,
    /// `workers` child processes (this binary's `__worker`), one task at a time each.
    Processes,
    /// A tokio multi-thread runtime with `workers` worker threads.
    EventLoopMt,
    /// A per-run rayon pool of `workers` threads (work stealing).
    Rayon,
    /// asyncio.to_thread: one loop that offloads each task's blocking/CPU part to a blocking
    /// pool of `workers` threads.
    #[serde(rename = "event-loop+threads")]
    EventLoopThreads,
    /// run_in_executor with a process pool: one loop that sends each task's CPU part to
    /// `workers` worker processes.
    #[serde(rename = "event-loop+processes")]
    EventLoopProcesses,
    /// aiomultiprocess: `workers` worker processes, each running its own event loop with many
    /// tasks in flight.
    #[serde(rename = "processes+event-loop")]
    ProcessesEventLoop,
    /// Deterministic virtual timings, for tests of the GUI and the CLI. Not listed to users.
    Mock,
    // ---- The user's own Python interpreter (see `backend::python`). ----
    /// The real asyncio: one event loop in the interpreter, `workers` tasks in flight.
    PythonAsyncio,
    /// The real ThreadPoolExecutor with `workers` threads.
    PythonThreads,
    /// The real ProcessPoolExecutor with `workers` processes.
    PythonProcesses,
}

impl BackendKind {
    /// The backends that run in the user's own Python interpreter, offered when one is found.
    pub const PYTHON: [BackendKind; 3] = [Self::PythonAsyncio, Self::PythonThreads, Self::PythonProcesses];

    /// Whether this backend runs in the user's Python interpreter.
    pub fn is_python(self) -> bool {
        matches!(self, Self::PythonAsyncio | Self::PythonThreads | Self::PythonProcesses)
    }

    /// The Rust backends a user can pick, in display order (the Python ones are [`Self::PYTHON`]).
    pub const USER_FACING: [BackendKind; 8] = [
        Self::EventLoop,
        Self::Threads,
        Self::Processes,
        Self::EventLoopMt,
        Self::Rayon,
        Self::EventLoopThreads,
        Self::EventLoopProcesses,
        Self::ProcessesEventLoop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::EventLoop => "event-loop",
            Self::Threads => "threads",
            Self::Processes => "processes",
            Self::EventLoopMt => "event-loop-mt",
            Self::Rayon => "rayon",
            Self::EventLoopThreads => "event-loop+threads",
            Self::EventLoopProcesses => "event-loop+processes",
            Self::ProcessesEventLoop => "processes+event-loop",
            Self::Mock => "mock",
            Self::PythonAsyncio => "python-asyncio",
            Self::PythonThreads => "python-threads",
            Self::PythonProcesses => "python-processes",
        }
    }

    /// The Python construct this backend stands for, for tooltips and the README.
    pub fn python_analog(self) -> &'static str {
        match self {
            Self::EventLoop => "asyncio",
            Self::Threads => "ThreadPoolExecutor",
            Self::Processes => "ProcessPoolExecutor",
            Self::EventLoopMt => "(no Python analog: a work-stealing event loop on several threads)",
            Self::Rayon => "(no Python analog: a work-stealing thread pool)",
            Self::EventLoopThreads => "asyncio.to_thread",
            Self::EventLoopProcesses => "loop.run_in_executor(ProcessPoolExecutor)",
            Self::ProcessesEventLoop => "aiomultiprocess",
            Self::Mock => "(test double)",
            Self::PythonAsyncio => "asyncio, in your own Python",
            Self::PythonThreads => "ThreadPoolExecutor, in your own Python",
            Self::PythonProcesses => "ProcessPoolExecutor, in your own Python",
        }
    }

    /// One sentence on how this backend runs tasks, for tooltips.
    pub fn summary(self) -> &'static str {
        match self {
            Self::EventLoop => {
                "One thread running a tokio event loop (like asyncio). Waits overlap; CPU work runs one task at a time and blocks the loop."
            }
            Self::Threads => "A pool of OS threads pulling tasks from a queue (like ThreadPoolExecutor).",
            Self::Processes => {
                "Child processes of this app, one task at a time each (like ProcessPoolExecutor). Pays start-up and memory."
            }
            Self::EventLoopMt => {
                "A tokio event loop spread over several worker threads that steal tasks from each other."
            }
            Self::Rayon => "A per-run rayon pool: threads that steal work from each other's queues.",
            Self::EventLoopThreads => {
                "One event loop that hands each task's blocking part (CPU work, a blocking call) to a thread pool (asyncio.to_thread)."
            }
            Self::EventLoopProcesses => {
                "One event loop that sends each task's CPU part to a pool of worker processes (run_in_executor with a ProcessPoolExecutor)."
            }
            Self::ProcessesEventLoop => {
                "Worker processes that each run their own event loop with many tasks in flight (aiomultiprocess)."
            }
            Self::Mock => "Deterministic virtual timings, for tests.",
            Self::PythonAsyncio => {
                "The real asyncio in your Python interpreter: one event loop, the articles' code. Waits overlap; CPU work blocks the loop."
            }
            Self::PythonThreads => {
                "The real ThreadPoolExecutor in your Python interpreter. With the GIL (every default build), CPU work takes turns on one core."
            }
            Self::PythonProcesses => {
                "The real ProcessPoolExecutor in your Python interpreter: each process has its own GIL. Pays start-up and memory."
            }
        }
    }

    /// Backends that run an event loop in this process, whose lag is measured.
    pub fn has_event_loop(self) -> bool {
        matches!(
            self,
            Self::EventLoop
                | Self::EventLoopMt
                | Self::EventLoopThreads
                | Self::EventLoopProcesses
                | Self::ProcessesEventLoop
        )
    }

    /// Backends whose workers are OS processes (bounded by cores, started as `__worker`).
    pub fn uses_processes(self) -> bool {
        matches!(self, Self::Processes | Self::EventLoopProcesses | Self::ProcessesEventLoop)
    }

    /// Backends whose workers are threads of this process (bounded by the thread limit).
    pub fn uses_threads(self) -> bool {
        matches!(self, Self::Threads | Self::EventLoopMt | Self::Rayon | Self::EventLoopThreads)
    }

    /// What `workers` means for this backend, for messages and tooltips.
    pub fn workers_meaning(self) -> &'static str {
        match self {
            Self::EventLoop => "tasks in flight",
            Self::Threads => "threads",
            Self::Processes => "processes",
            Self::EventLoopMt => "loop threads",
            Self::Rayon => "rayon threads",
            Self::EventLoopThreads => "offload threads",
            Self::EventLoopProcesses => "offload processes",
            Self::ProcessesEventLoop => "processes with a loop each",
            Self::Mock => "lanes",
            Self::PythonAsyncio => "tasks in flight",
            Self::PythonThreads => "Python threads",
            Self::PythonProcesses => "Python processes",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::USER_FACING.into_iter().chain(Self::PYTHON).chain([Self::Mock]).find(|b| b.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Self::USER_FACING.iter().chain(&Self::PYTHON).map(|b| b.name()).collect();
            format!("unknown backend '{s}' (expected one of: {})", names.join(", "))
        })
    }
}

/// What each task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Count primes in 2..=size by trial division.
    Primes,
    /// Naive recursive Fibonacci of `size`.
    Fib,
    /// Wait `size` milliseconds (non-blocking on an event loop, blocking elsewhere).
    Sleep,
    /// Nothing: measures dispatch overhead.
    Noop,
    /// A real HTTP GET to the run's embedded loopback server, which answers after `size` ms.
    Http,
    /// Write `size` KiB to a temp file, fsync, read it back, delete it.
    File,
    /// A CPU part (primes below `size`) then an I/O wait (`io_wait_millis`).
    Mixed,
    /// A *blocking* sleep of `size` ms, even inside async tasks (the anti-pattern).
    BlockingSleep,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 8] =
        [Self::Primes, Self::Fib, Self::Sleep, Self::Noop, Self::Http, Self::File, Self::Mixed, Self::BlockingSleep];

    pub fn name(self) -> &'static str {
        match self {
            Self::Primes => "primes",
            Self::Fib => "fib",
            Self::Sleep => "sleep",
            Self::Noop => "noop",
            Self::Http => "http",
            Self::File => "file",
            Self::Mixed => "mixed",
            Self::BlockingSleep => "blocking-sleep",
        }
    }

    /// What `size` measures, for labels: "upper bound", "n", "ms", "KiB".
    pub fn size_unit(self) -> &'static str {
        match self {
            Self::Primes | Self::Mixed => "upper bound",
            Self::Fib => "n",
            Self::Sleep | Self::Http | Self::BlockingSleep => "ms",
            Self::File => "KiB",
            Self::Noop => "",
        }
    }

    /// One sentence on what a task does, for tooltips.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Primes => "CPU: count primes below N by trial division (the articles' example).",
            Self::Fib => "CPU: naive recursive Fibonacci of n.",
            Self::Sleep => "I/O-like: wait for the given milliseconds (non-blocking on an event loop).",
            Self::Noop => "Nothing: measures what dispatching a task costs.",
            Self::Http => {
                "I/O: a real HTTP GET to the lab's own loopback server, which answers after the given milliseconds."
            }
            Self::File => "I/O: write the given KiB to a temp file, fsync, read it back, delete it.",
            Self::Mixed => "CPU then I/O: count primes below N, then wait io_wait_millis.",
            Self::BlockingSleep => {
                "The anti-pattern: a blocking sleep even inside async tasks (time.sleep in async def); it stalls the loop."
            }
        }
    }

    /// Inclusive bounds of `size`, chosen so one task finishes in seconds, not hours.
    pub fn size_bounds(self) -> (u64, u64) {
        match self {
            Self::Primes => (2, 10_000_000),
            Self::Fib => (1, 45),
            Self::Sleep | Self::BlockingSleep => (1, 60_000),
            Self::Noop => (0, u64::MAX),
            Self::Http => (0, 60_000),
            Self::File => (1, 64 * 1024),
            Self::Mixed => (2, 10_000_000),
        }
    }

    pub fn default_size(self) -> u64 {
        match self {
            Self::Primes => 100_000,
            Self::Fib => 30,
            Self::Sleep | Self::BlockingSleep => 50,
            Self::Noop => 0,
            Self::Http => 100,
            Self::File => 64,
            Self::Mixed => 50_000,
        }
    }

    /// Work that burns CPU (and so holds the emulated GIL).
    pub fn is_cpu_bound(self) -> bool {
        matches!(self, Self::Primes | Self::Fib)
    }

    /// Work with a CPU part (all of `primes`/`fib`, the first half of `mixed`).
    pub fn has_cpu_part(self) -> bool {
        matches!(self, Self::Primes | Self::Fib | Self::Mixed)
    }

    /// One task in words: "primes below 100,000", "fib(30)", "sleep 50 ms", "no-op".
    pub fn describe(self, size: u64) -> String {
        match self {
            Self::Primes => format!("primes below {}", thousands(size)),
            Self::Fib => format!("fib({size})"),
            Self::Sleep => format!("sleep {} ms", thousands(size)),
            Self::Noop => "no-op".to_owned(),
            Self::Http => format!("HTTP GET answered after {} ms", thousands(size)),
            Self::File => format!("write+fsync+read {} KiB", thousands(size)),
            Self::Mixed => format!("primes below {} then an I/O wait", thousands(size)),
            Self::BlockingSleep => format!("blocking sleep {} ms", thousands(size)),
        }
    }
}

impl WorkloadKind {
    /// What this workload does differently on `backend` that a reader should know, for the
    /// summary and tooltips.
    pub fn note_on(self, backend: BackendKind) -> Option<&'static str> {
        match self {
            Self::File if backend.has_event_loop() => Some(
                "tokio::fs is a thread pool underneath: every file call runs on a blocking thread, \
                 as aiofiles does in Python; the loop itself never touches the disk",
            ),
            Self::BlockingSleep
                if matches!(
                    backend,
                    BackendKind::EventLoop | BackendKind::EventLoopMt | BackendKind::ProcessesEventLoop
                ) =>
            {
                Some("each blocking sleep holds up the loop thread it runs on (time.sleep inside async def)")
            }
            Self::File if backend == BackendKind::PythonAsyncio => Some(
                "each file round trip runs in the loop's default thread pool (run_in_executor), as aiofiles does; \
                 the loop itself never touches the disk",
            ),
            Self::BlockingSleep if backend == BackendKind::PythonAsyncio => {
                Some("each time.sleep inside async def holds up the loop")
            }
            Self::Http => Some("real HTTP over loopback to the lab's own server, which runs on a thread of this app"),
            _ => None,
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WorkloadKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|w| w.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|w| w.name()).collect();
            format!("unknown workload '{s}' (expected one of: {})", names.join(", "))
        })
    }
}

/// `1234567` -> `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
