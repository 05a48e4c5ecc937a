//! The backend table: one row per backend with everything the lab knows about it (its name,
//! the Python construct it stands for, what `workers` means, where its workers run, its lane
//! word and colour, and the constructor of its implementation). The rest of the lab reads
//! these rows instead of matching on backends. Adding a backend is its file in
//! `engine/backend/` plus one row here; the `backends!` macro makes the enum, the lists and
//! the lookup from the rows, so nothing else can be forgotten.

use super::super::backend::protocol::WorkerMode;
use super::super::backend::python::{self, Python};
use super::super::backend::{Backend, event_loop, mock, processes, rayon_pool, threads};

mod names;

pub use self::names::UnknownBackend;

/// What a backend's `workers` are, which decides how many it may have and what they cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerKind {
    /// Tasks in flight on one event-loop thread: at most the task count, no OS thread each.
    InFlight,
    /// OS threads of this process (they count against the per-user process limit).
    Thread,
    /// Child processes (at most 4 per core; each also has reader threads here).
    Process,
    /// Nothing real: the mock's virtual lanes.
    Virtual,
}

impl WorkerKind {
    /// Threads and processes one worker adds against `RLIMIT_NPROC` (a process brings two
    /// reader threads of ours and its own threads).
    pub fn os_tasks_each(self) -> u64 {
        match self {
            Self::Thread => 1,
            Self::Process => 4,
            Self::InFlight | Self::Virtual => 0,
        }
    }
}

/// How many tasks are in flight at once (so how many HTTP connections are open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InFlight {
    /// One per worker.
    Workers,
    /// Every task (a loop without a limit, or processes each running a loop).
    AllTasks,
}

/// One row of the backend table.
#[derive(Debug)]
pub struct BackendInfo {
    /// The public spelling (CLI, presets, JSON).
    pub name: &'static str,
    /// The Python construct it stands for, for tooltips and the README.
    pub python_analog: &'static str,
    /// One sentence on how it runs tasks, for tooltips.
    pub summary: &'static str,
    pub workers: WorkerKind,
    /// What `workers` means, for labels and messages ("threads", "tasks in flight").
    pub workers_meaning: &'static str,
    /// What one timeline lane is ("thread", "process", "loop").
    pub lane_word: &'static str,
    pub in_flight: InFlight,
    /// It runs an event loop in this process or its workers, whose lag is measured.
    pub has_event_loop: bool,
    /// Blocking parts of tasks (CPU work, a blocking sleep) run on a loop's own thread.
    pub blocking_on_loop: bool,
    /// Its colour everywhere it appears (plots, legend, history), as sRGB; the GUI's palette
    /// turns it into a drawing colour. Readable on dark and light backgrounds.
    pub colour: [u8; 3],
    /// It runs in the user's own Python interpreter (offered when one is found), not in this
    /// app: its runs are compared with other Python runs, and Rust runs with Rust runs.
    pub in_python: bool,
    /// Makes the implementation that runs a repetition.
    pub(crate) start: fn() -> Box<dyn Backend>,
}

macro_rules! backends {
    (
        listed { $($(#[$doc:meta])* $variant:ident => $info:expr,)+ }
        python { $($(#[$py_doc:meta])* $py:ident => $py_info:expr,)+ }
        hidden { $($(#[$hidden_doc:meta])* $hidden:ident => $hidden_info:expr,)* }
    ) => {
        /// How the work is run. The names are the public spelling (CLI, presets, JSON).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BackendKind {
            $($(#[$doc])* $variant,)+
            $($(#[$py_doc])* $py,)+
            $($(#[$hidden_doc])* $hidden,)*
        }

        impl BackendKind {
            /// The lab's own (Rust) backends a user can pick, in display order.
            pub const USER_FACING: &'static [BackendKind] = &[$(Self::$variant,)+];
            /// The backends that run in the user's own Python, offered when one is found.
            pub const PYTHON: &'static [BackendKind] = &[$(Self::$py,)+];
            /// Every backend, the ones users don't see last.
            pub const ALL: &'static [BackendKind] = &[$(Self::$variant,)+ $(Self::$py,)+ $(Self::$hidden,)*];

            /// This backend's row of the table.
            pub fn info(self) -> &'static BackendInfo {
                match self {
                    $(Self::$variant => const { &$info },)+
                    $(Self::$py => const { &$py_info },)+
                    $(Self::$hidden => const { &$hidden_info },)*
                }
            }
        }
    };
}

backends! {
    listed {
        EventLoop => BackendInfo {
            name: "event-loop",
            python_analog: "asyncio",
            summary: "One thread running a tokio event loop (like asyncio). Waits overlap; CPU work runs one \
                      task at a time and blocks the loop.",
            workers: WorkerKind::InFlight,
            workers_meaning: "tasks in flight",
            lane_word: "loop",
            in_flight: InFlight::Workers,
            has_event_loop: true,
            blocking_on_loop: true,
            colour: [0x3b, 0x8e, 0xea], // blue
            in_python: false,
            start: || Box::new(event_loop::EventLoop(event_loop::Flavor::Single)),
        },
        Threads => BackendInfo {
            name: "threads",
            python_analog: "ThreadPoolExecutor",
            summary: "A pool of OS threads pulling tasks from a queue (like ThreadPoolExecutor).",
            workers: WorkerKind::Thread,
            workers_meaning: "threads",
            lane_word: "thread",
            in_flight: InFlight::Workers,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0xe8, 0x8a, 0x1a], // orange
            in_python: false,
            start: || Box::new(threads::Threads),
        },
        Processes => BackendInfo {
            name: "processes",
            python_analog: "ProcessPoolExecutor",
            summary: "Child processes of this app, one task at a time each (like ProcessPoolExecutor). Pays \
                      start-up and memory.",
            workers: WorkerKind::Process,
            workers_meaning: "processes",
            lane_word: "process",
            in_flight: InFlight::Workers,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0x2e, 0xa0, 0x5a], // green
            in_python: false,
            start: || Box::new(processes::Processes { mode: WorkerMode::Blocking }),
        },
        EventLoopMt => BackendInfo {
            name: "event-loop-mt",
            python_analog: "(no Python analog: a work-stealing event loop on several threads)",
            summary: "A tokio event loop spread over several worker threads that steal tasks from each other.",
            workers: WorkerKind::Thread,
            workers_meaning: "loop threads",
            lane_word: "thread",
            in_flight: InFlight::AllTasks,
            has_event_loop: true,
            blocking_on_loop: true,
            colour: [0x17, 0xb0, 0xc4], // cyan
            in_python: false,
            start: || Box::new(event_loop::EventLoop(event_loop::Flavor::MultiThread)),
        },
        Rayon => BackendInfo {
            name: "rayon",
            python_analog: "(no Python analog: a work-stealing thread pool)",
            summary: "A per-run rayon pool: threads that steal work from each other's queues.",
            workers: WorkerKind::Thread,
            workers_meaning: "rayon threads",
            lane_word: "thread",
            in_flight: InFlight::Workers,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0xd9, 0x5f, 0xb5], // pink
            in_python: false,
            start: || Box::new(rayon_pool::Rayon),
        },
        /// asyncio.to_thread: one loop that offloads each task's blocking/CPU part to a
        /// blocking pool of `workers` threads.
        EventLoopThreads => BackendInfo {
            name: "event-loop+threads",
            python_analog: "asyncio.to_thread",
            summary: "One event loop that hands each task's blocking part (CPU work, a blocking call) to a \
                      thread pool (asyncio.to_thread).",
            workers: WorkerKind::Thread,
            workers_meaning: "offload threads",
            lane_word: "worker",
            in_flight: InFlight::AllTasks,
            has_event_loop: true,
            blocking_on_loop: false,
            colour: [0xa0, 0x6e, 0x4a], // brown
            in_python: false,
            start: || Box::new(event_loop::EventLoop(event_loop::Flavor::ToThreads)),
        },
        /// run_in_executor with a process pool: one loop that sends each task's CPU part to
        /// `workers` worker processes.
        EventLoopProcesses => BackendInfo {
            name: "event-loop+processes",
            python_analog: "loop.run_in_executor(ProcessPoolExecutor)",
            summary: "One event loop that sends each task's CPU part to a pool of worker processes \
                      (run_in_executor with a ProcessPoolExecutor).",
            workers: WorkerKind::Process,
            workers_meaning: "offload processes",
            lane_word: "worker",
            in_flight: InFlight::AllTasks,
            has_event_loop: true,
            blocking_on_loop: false,
            colour: [0xa8, 0xa8, 0x1e], // olive
            in_python: false,
            start: || Box::new(event_loop::EventLoop(event_loop::Flavor::ToProcesses)),
        },
        /// aiomultiprocess: `workers` worker processes, each running its own event loop with
        /// many tasks in flight.
        ProcessesEventLoop => BackendInfo {
            name: "processes+event-loop",
            python_analog: "aiomultiprocess",
            summary: "Worker processes that each run their own event loop with many tasks in flight \
                      (aiomultiprocess).",
            workers: WorkerKind::Process,
            workers_meaning: "processes with a loop each",
            lane_word: "process",
            in_flight: InFlight::AllTasks,
            has_event_loop: true,
            blocking_on_loop: true,
            colour: [0x8a, 0x5f, 0xd8], // violet
            in_python: false,
            start: || Box::new(processes::Processes { mode: WorkerMode::EventLoop }),
        },
    }
    python {
        /// The real asyncio in the user's interpreter: one loop, `workers` tasks in flight.
        PythonAsyncio => BackendInfo {
            name: "python-asyncio",
            python_analog: "asyncio, in your own Python",
            summary: "The real asyncio in your Python interpreter: one event loop, the articles' code. Waits \
                      overlap; CPU work blocks the loop.",
            workers: WorkerKind::InFlight,
            workers_meaning: "tasks in flight",
            lane_word: "loop",
            in_flight: InFlight::Workers,
            has_event_loop: true,
            blocking_on_loop: true,
            // The user's own Python: colours of their own, apart from the Rust backends' and each other's.
            colour: [0xa3, 0x28, 0x7a], // plum
            in_python: true,
            start: || Box::new(Python::new(python::protocol::Pool::Asyncio)),
        },
        /// The real ThreadPoolExecutor with `workers` threads.
        PythonThreads => BackendInfo {
            name: "python-threads",
            python_analog: "ThreadPoolExecutor, in your own Python",
            summary: "The real ThreadPoolExecutor in your Python interpreter. With the GIL (every default build), \
                      CPU work takes turns on one core.",
            workers: WorkerKind::Thread,
            workers_meaning: "Python threads",
            lane_word: "thread",
            in_flight: InFlight::Workers,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0xd2, 0x45, 0x3c], // brick red
            in_python: true,
            start: || Box::new(Python::new(python::protocol::Pool::Threads)),
        },
        /// The real ProcessPoolExecutor with `workers` processes.
        PythonProcesses => BackendInfo {
            name: "python-processes",
            python_analog: "ProcessPoolExecutor, in your own Python",
            summary: "The real ProcessPoolExecutor in your Python interpreter: each process has its own GIL. \
                      Pays start-up and memory.",
            workers: WorkerKind::Process,
            workers_meaning: "Python processes",
            lane_word: "process",
            in_flight: InFlight::Workers,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0x13, 0x7a, 0x70], // teal
            in_python: true,
            start: || Box::new(Python::new(python::protocol::Pool::Processes)),
        },
    }
    hidden {
        /// Deterministic virtual timings, for tests of the GUI and the CLI.
        Mock => BackendInfo {
            name: "mock",
            python_analog: "(test double)",
            summary: "Deterministic virtual timings, for tests.",
            workers: WorkerKind::Virtual,
            workers_meaning: "lanes",
            lane_word: "worker",
            in_flight: InFlight::AllTasks,
            has_event_loop: false,
            blocking_on_loop: false,
            colour: [0x8c, 0x8c, 0x8c], // grey
            in_python: false,
            start: || Box::new(mock::Mock),
        },
    }
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn python_analog(self) -> &'static str {
        self.info().python_analog
    }

    pub fn summary(self) -> &'static str {
        self.info().summary
    }

    pub fn workers_meaning(self) -> &'static str {
        self.info().workers_meaning
    }

    /// Backends that run in the user's own Python interpreter.
    pub fn is_python(self) -> bool {
        self.info().in_python
    }

    /// Backends that run an event loop, whose lag is measured.
    pub fn has_event_loop(self) -> bool {
        self.info().has_event_loop
    }

    /// Backends whose workers are OS processes (bounded by cores, started as `__worker`).
    pub fn uses_processes(self) -> bool {
        self.info().workers == WorkerKind::Process
    }

    /// Backends whose workers are threads of this process (bounded by the thread limit).
    pub fn uses_threads(self) -> bool {
        self.info().workers == WorkerKind::Thread
    }

    /// One event-loop thread that runs every task's blocking part itself (asyncio): CPU work
    /// on it runs one task at a time.
    pub fn one_loop_thread_runs_cpu_work(self) -> bool {
        let info = self.info();
        info.blocking_on_loop && info.workers == WorkerKind::InFlight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, b) in BackendKind::ALL.iter().enumerate() {
            assert_eq!(b.name().parse::<BackendKind>(), Ok(*b));
            assert_eq!(serde_json::to_value(b).ok(), Some(serde_json::Value::from(b.name())), "serde spelling of {b}");
            assert!(BackendKind::ALL[..i].iter().all(|other| other.name() != b.name()), "{b} twice");
        }
        let err = "fiber".parse::<BackendKind>().unwrap_err().to_string();
        assert!(err.starts_with("unknown backend 'fiber' (expected one of: event-loop, threads, processes"), "{err}");
        assert!(!err.contains("mock"), "the test double is not offered: {err}");
    }

    #[test]
    fn colours_are_distinct() {
        for (i, b) in BackendKind::ALL.iter().enumerate() {
            assert!(BackendKind::ALL[..i].iter().all(|o| o.info().colour != b.info().colour), "{b} shares a colour");
        }
    }

    #[test]
    fn only_the_plain_event_loops_run_cpu_work_on_one_loop_thread() {
        let one: Vec<BackendKind> =
            BackendKind::ALL.iter().copied().filter(|b| b.one_loop_thread_runs_cpu_work()).collect();
        assert_eq!(one, vec![BackendKind::EventLoop, BackendKind::PythonAsyncio]);
    }
}
