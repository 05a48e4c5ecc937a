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
    /// Deterministic virtual timings, for tests of the GUI and the CLI. Not listed to users.
    Mock,
}

impl BackendKind {
    /// The backends a user can pick, in display order.
    pub const USER_FACING: [BackendKind; 3] = [Self::EventLoop, Self::Threads, Self::Processes];

    pub fn name(self) -> &'static str {
        match self {
            Self::EventLoop => "event-loop",
            Self::Threads => "threads",
            Self::Processes => "processes",
            Self::Mock => "mock",
        }
    }

    /// What `workers` means for this backend, for messages and tooltips.
    pub fn workers_meaning(self) -> &'static str {
        match self {
            Self::EventLoop => "tasks in flight",
            Self::Threads => "threads",
            Self::Processes => "processes",
            Self::Mock => "lanes",
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
        let all = [Self::EventLoop, Self::Threads, Self::Processes, Self::Mock];
        all.into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown backend '{s}' (expected one of: event-loop, threads, processes)"))
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
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 4] = [Self::Primes, Self::Fib, Self::Sleep, Self::Noop];

    pub fn name(self) -> &'static str {
        match self {
            Self::Primes => "primes",
            Self::Fib => "fib",
            Self::Sleep => "sleep",
            Self::Noop => "noop",
        }
    }

    /// Inclusive bounds of `size`, chosen so one task finishes in seconds, not hours.
    pub fn size_bounds(self) -> (u64, u64) {
        match self {
            Self::Primes => (2, 10_000_000),
            Self::Fib => (1, 45),
            Self::Sleep => (1, 60_000),
            Self::Noop => (0, u64::MAX),
        }
    }

    pub fn default_size(self) -> u64 {
        match self {
            Self::Primes => 100_000,
            Self::Fib => 30,
            Self::Sleep => 50,
            Self::Noop => 0,
        }
    }

    /// Work that burns CPU (and so holds the emulated GIL).
    pub fn is_cpu_bound(self) -> bool {
        matches!(self, Self::Primes | Self::Fib)
    }

    /// One task in words: "primes below 100,000", "fib(30)", "sleep 50 ms", "no-op".
    pub fn describe(self, size: u64) -> String {
        match self {
            Self::Primes => format!("primes below {}", thousands(size)),
            Self::Fib => format!("fib({size})"),
            Self::Sleep => format!("sleep {} ms", thousands(size)),
            Self::Noop => "no-op".to_owned(),
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
        Self::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| format!("unknown workload '{s}' (expected one of: primes, fib, sleep, noop)"))
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
