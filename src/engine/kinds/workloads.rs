//! The workload table: one row per workload with its name, what `size` measures, its bounds
//! and default, its CPU part, and how it is described. What a task *does* is written in
//! `engine/workload.rs` (and, on event loops, `engine/backend/loop_task.rs`) as exhaustive
//! matches, so a new workload is one row here plus the arms the compiler asks for there.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::BackendInfo;

/// The CPU work of a task (done holding the GIL, when the GIL is on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuWork {
    /// Count the primes in 2..=size the articles' way (every divisor below each candidate).
    Primes,
    /// Naive recursive Fibonacci of size.
    Fib,
}

/// One row of the workload table.
#[derive(Debug)]
pub struct WorkloadInfo {
    /// The public spelling (CLI, presets, JSON).
    pub name: &'static str,
    /// What `size` measures, for labels: "upper bound", "n", "ms", "KiB".
    pub size_unit: &'static str,
    /// One sentence on what a task does, for tooltips.
    pub summary: &'static str,
    /// Inclusive bounds of `size`, chosen so one task finishes within about a minute, not hours
    /// (primes below 1,000,000 are about 100× the work of primes below 100,000).
    pub size_bounds: (u64, u64),
    pub default_size: u64,
    /// The CPU part of a task, if it has one.
    pub cpu: Option<CpuWork>,
    /// A task waits `io_wait_millis` after its CPU part.
    pub io_wait: bool,
    /// One task in words: "primes below 100,000", "fib(30)", "sleep 50 ms".
    pub describe: fn(u64) -> String,
    /// What this workload does differently on a backend that a reader should know.
    pub note_on: fn(&BackendInfo) -> Option<&'static str>,
}

macro_rules! workloads {
    ($($(#[$doc:meta])* $variant:ident => $info:expr,)+) => {
        /// What each task does. The names are the public spelling (CLI, presets, JSON).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum WorkloadKind {
            $($(#[$doc])* $variant,)+
        }

        impl WorkloadKind {
            pub const ALL: &'static [WorkloadKind] = &[$(Self::$variant,)+];

            /// This workload's row of the table.
            pub fn info(self) -> &'static WorkloadInfo {
                match self {
                    $(Self::$variant => const { &$info },)+
                }
            }
        }
    };
}

workloads! {
    /// Count primes in 2..=size the articles' way: every divisor below each candidate.
    Primes => WorkloadInfo {
        name: "primes",
        size_unit: "upper bound",
        summary: "CPU: count primes below N the articles' way, trying every divisor below each candidate \
                  (about 0.75 s of one core for N = 100,000; the work grows with N²).",
        size_bounds: (2, 1_000_000),
        default_size: 100_000,
        cpu: Some(CpuWork::Primes),
        io_wait: false,
        describe: |size| format!("primes below {}", thousands(size)),
        note_on: |_| None,
    },
    /// Naive recursive Fibonacci of `size`.
    Fib => WorkloadInfo {
        name: "fib",
        size_unit: "n",
        summary: "CPU: naive recursive Fibonacci of n.",
        size_bounds: (1, 45),
        default_size: 30,
        cpu: Some(CpuWork::Fib),
        io_wait: false,
        describe: |size| format!("fib({size})"),
        note_on: |_| None,
    },
    /// Wait `size` milliseconds (non-blocking on an event loop, blocking elsewhere).
    Sleep => WorkloadInfo {
        name: "sleep",
        size_unit: "ms",
        summary: "I/O-like: wait for the given milliseconds (non-blocking on an event loop).",
        size_bounds: (1, 60_000),
        default_size: 50,
        cpu: None,
        io_wait: false,
        describe: |size| format!("sleep {} ms", thousands(size)),
        note_on: |_| None,
    },
    /// Nothing: measures dispatch overhead.
    Noop => WorkloadInfo {
        name: "noop",
        size_unit: "",
        summary: "Nothing: measures what dispatching a task costs.",
        size_bounds: (0, u64::MAX),
        default_size: 0,
        cpu: None,
        io_wait: false,
        describe: |_| "no-op".to_owned(),
        note_on: |_| None,
    },
    /// A real HTTP GET to the run's embedded loopback server, which answers after `size` ms.
    Http => WorkloadInfo {
        name: "http",
        size_unit: "ms",
        summary: "I/O: a real HTTP GET to the lab's own loopback server, which answers after the given \
                  milliseconds.",
        size_bounds: (0, 60_000),
        default_size: 100,
        cpu: None,
        io_wait: false,
        describe: |size| format!("HTTP GET answered after {} ms", thousands(size)),
        note_on: |_| Some("real HTTP over loopback to the lab's own server, which runs on a thread of this app"),
    },
    /// Write `size` KiB to a temp file, fsync, read it back, delete it.
    File => WorkloadInfo {
        name: "file",
        size_unit: "KiB",
        summary: "I/O: write the given KiB to a temp file, fsync, read it back, delete it.",
        size_bounds: (1, 64 * 1024),
        default_size: 64,
        cpu: None,
        io_wait: false,
        describe: |size| format!("write+fsync+read {} KiB", thousands(size)),
        note_on: |backend| match (backend.has_event_loop, backend.in_python) {
            (true, false) => Some(
                "every file call goes to the runtime's blocking thread pool and is awaited, as tokio::fs does \
                 and aiofiles does in Python; the loop itself never touches the disk",
            ),
            (true, true) => Some(
                "each file round trip runs in the loop's default thread pool (run_in_executor), as aiofiles \
                 does; the loop itself never touches the disk",
            ),
            (false, _) => None,
        },
    },
    /// A CPU part (primes below `size`) then an I/O wait (`io_wait_millis`).
    Mixed => WorkloadInfo {
        name: "mixed",
        size_unit: "upper bound",
        summary: "CPU then I/O: count primes below N, then wait io_wait_millis.",
        size_bounds: (2, 1_000_000),
        default_size: 50_000,
        cpu: Some(CpuWork::Primes),
        io_wait: true,
        describe: |size| format!("primes below {} then an I/O wait", thousands(size)),
        note_on: |_| None,
    },
    /// A *blocking* sleep of `size` ms, even inside async tasks (the anti-pattern).
    BlockingSleep => WorkloadInfo {
        name: "blocking-sleep",
        size_unit: "ms",
        summary: "The anti-pattern: a blocking sleep even inside async tasks (time.sleep in async def); it \
                  stalls the loop.",
        size_bounds: (1, 60_000),
        default_size: 50,
        cpu: None,
        io_wait: false,
        describe: |size| format!("blocking sleep {} ms", thousands(size)),
        note_on: |backend| {
            backend
                .blocking_on_loop
                .then_some("each blocking sleep holds up the loop thread it runs on (time.sleep inside async def)")
        },
    },
}

impl WorkloadKind {
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn size_unit(self) -> &'static str {
        self.info().size_unit
    }

    pub fn summary(self) -> &'static str {
        self.info().summary
    }

    pub fn size_bounds(self) -> (u64, u64) {
        self.info().size_bounds
    }

    pub fn default_size(self) -> u64 {
        self.info().default_size
    }

    /// Work that only burns CPU (and so holds the emulated GIL throughout).
    pub fn is_cpu_bound(self) -> bool {
        let info = self.info();
        info.cpu.is_some() && !info.io_wait
    }

    /// Work with a CPU part (all of `primes`/`fib`, the first half of `mixed`).
    pub fn has_cpu_part(self) -> bool {
        self.info().cpu.is_some()
    }

    /// Work that waits `io_wait_millis` after its CPU part (`mixed`).
    pub fn uses_io_wait(self) -> bool {
        self.info().io_wait
    }

    /// One task in words: "primes below 100,000", "fib(30)", "sleep 50 ms", "no-op".
    pub fn describe(self, size: u64) -> String {
        (self.info().describe)(size)
    }

    /// What this workload does differently on `backend` that a reader should know, for the
    /// summary and tooltips.
    pub fn note_on(self, backend: super::BackendKind) -> Option<&'static str> {
        (self.info().note_on)(backend.info())
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no workload's; the message lists them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown workload '{name}' (expected one of: {})", WorkloadKind::ALL.iter().map(|w| w.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownWorkload {
    pub name: String,
}

impl FromStr for WorkloadKind {
    type Err = UnknownWorkload;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|w| w.name() == s).ok_or_else(|| UnknownWorkload { name: s.to_owned() })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BackendKind;

    #[test]
    fn names_round_trip_in_serde_too() {
        for w in WorkloadKind::ALL {
            assert_eq!(w.name().parse::<WorkloadKind>(), Ok(*w));
            assert_eq!(serde_json::to_value(w).ok(), Some(serde_json::Value::from(w.name())), "serde spelling of {w}");
        }
        assert!("mine-bitcoin".parse::<WorkloadKind>().is_err());
    }

    #[test]
    fn cpu_parts_and_notes_follow_the_rows() {
        let cpu: Vec<&str> = WorkloadKind::ALL.iter().filter(|w| w.has_cpu_part()).map(|w| w.name()).collect();
        assert_eq!(cpu, ["primes", "fib", "mixed"]);
        assert!(!WorkloadKind::Mixed.is_cpu_bound() && WorkloadKind::Fib.is_cpu_bound());
        assert!(WorkloadKind::BlockingSleep.note_on(BackendKind::EventLoop).is_some());
        assert!(WorkloadKind::BlockingSleep.note_on(BackendKind::EventLoopThreads).is_none(), "offloaded");
        assert!(WorkloadKind::File.note_on(BackendKind::Threads).is_none());
    }
}
