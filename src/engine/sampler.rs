//! The `lab-sampler` thread of a repetition: every interval it samples per-core busy percent
//! (Linux: `/proc/stat` deltas, 50 ms minimum; elsewhere sysinfo, which refuses to refresh
//! faster than 200 ms), the resident memory of the app and of its worker processes, and
//! forwards progress and newly finished spans to the event sink. Each sample also splits the
//! machine's busy time into the run's, the lab's and everyone else's (`accounting`); the
//! sampler counts itself as the lab's, and measures its own CPU time so its cost is part of
//! the record.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::accounting::{LabThreads, Reading, Totals};
use super::events::{Event, EventSink};
use super::result::{CoreSplit, CpuSample, SamplerInfo};
use super::spans::{RunClock, SpanLog};
use super::{memory, sys};

/// Process ids of a run's worker processes, for memory sampling.
#[derive(Debug, Default)]
pub struct Pids(Mutex<Vec<u32>>);

impl Pids {
    pub fn add(&self, pid: u32) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(pid);
    }

    pub fn remove(&self, pid: u32) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| *p != pid);
    }

    fn snapshot(&self) -> Vec<u32> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// What the sampler hands back when its repetition ends.
#[derive(Debug)]
pub struct Sampled {
    pub samples: Vec<CpuSample>,
    /// The highest reading of this process's resident memory.
    pub own_rss_max_bytes: Option<u64>,
    /// The highest reading of the worker processes' resident memory, summed (a stand-in where
    /// their own peaks can't be read when they are reaped).
    pub workers_rss_max_bytes: Option<u64>,
    pub info: SamplerInfo,
    /// The accounting's readings, on the run's clock (the first taken before it started, as
    /// 0): `accounting::totals_until` turns them into the repetition's totals. Empty where
    /// they can't be taken.
    pub readings: Vec<(f64, Reading)>,
}

/// Everything the sampler thread reads, borrowed from the repetition.
pub struct SamplerInputs<'a> {
    pub interval: Duration,
    pub spans: &'a SpanLog,
    pub pids: &'a Pids,
    pub total_tasks: u64,
    pub sink: &'a dyn EventSink,
    /// The lab's own threads (the sampler adds itself).
    pub lab: &'a LabThreads,
}

/// Runs until `stop` yields or disconnects. Waits for the run's clock on `clock` first, so
/// its baseline reading is taken before the measured part starts.
pub fn run(inputs: SamplerInputs<'_>, clock: Receiver<RunClock>, stop: Receiver<()>) -> Sampled {
    let cpu_at_start = sys::thread_cpu_secs();
    inputs.lab.add_current();
    let (mut source, note) = CpuSource::open();
    let interval = inputs.interval.max(source.min_interval());
    let mut previous = source.read();
    let first_reading = Reading::take(inputs.lab, &inputs.pids.snapshot());
    let mut previous_reading = (first_reading, Instant::now());
    let mut readings: Vec<(f64, Reading)> = first_reading.map(|r| (0.0, r)).into_iter().collect();
    let mut samples = Vec::new();
    let mut own_rss = memory::own_rss_bytes();
    let mut workers_rss = workers_rss_bytes(inputs.pids);
    let Ok(clock) = clock.recv() else {
        let info = source.info(interval, None, note);
        let (own_rss_max_bytes, workers_rss_max_bytes) = (own_rss, workers_rss);
        return Sampled { samples, own_rss_max_bytes, workers_rss_max_bytes, info, readings: Vec::new() };
    };
    let mut spans_sent = 0;
    let mut last_sample_secs = 0.0;
    let mut next_tick = Instant::now() + interval;
    loop {
        let wait = next_tick.saturating_duration_since(Instant::now());
        let stopping = !matches!(stop.recv_timeout(wait), Err(RecvTimeoutError::Timeout));
        let t_secs = clock.now_secs();
        // A last, partial interval is kept only when long enough to mean something.
        if !stopping || t_secs - last_sample_secs >= interval.as_secs_f64() / 2.0 {
            let current = source.read();
            let reading = (Reading::take(inputs.lab, &inputs.pids.snapshot()), Instant::now());
            let split = split_between(previous_reading, reading);
            previous_reading = reading;
            readings.extend(reading.0.map(|r| (t_secs, r)));
            if let Some(per_core) = source.busy_percent(&previous, &current) {
                let sample = CpuSample { t_secs, per_core, split };
                inputs.sink.emit(Event::CpuSample(sample.clone()));
                samples.push(sample);
                last_sample_secs = t_secs;
            }
            previous = current;
        }
        own_rss = max_option(own_rss, memory::own_rss_bytes());
        workers_rss = max_option(workers_rss, workers_rss_bytes(inputs.pids));
        let fresh = inputs.spans.since(spans_sent);
        if !fresh.is_empty() {
            spans_sent += fresh.len();
            inputs.sink.emit(Event::TasksFinished(fresh));
        }
        inputs.sink.emit(Event::Progress {
            done: inputs.spans.done(),
            total: inputs.total_tasks,
            elapsed_secs: t_secs,
        });
        if stopping {
            break;
        }
        next_tick += interval;
        let now = Instant::now();
        if next_tick < now {
            next_tick = now + interval;
        }
    }
    let own_cpu = match (cpu_at_start, sys::thread_cpu_secs()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let info = source.info(interval, own_cpu, note);
    let last = Reading::take(inputs.lab, &inputs.pids.snapshot());
    readings.extend(last.map(|r| (clock.now_secs(), r)));
    inputs.lab.retire_current();
    Sampled { samples, own_rss_max_bytes: own_rss, workers_rss_max_bytes: workers_rss, info, readings }
}

/// Who kept the cores busy between two timed readings.
fn split_between(
    (earlier, earlier_at): (Option<Reading>, Instant),
    (later, later_at): (Option<Reading>, Instant),
) -> Option<CoreSplit> {
    let wall_secs = later_at.saturating_duration_since(earlier_at).as_secs_f64();
    Totals::between(&earlier?, &later?).per_wall_sec(wall_secs)
}

fn max_option(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Resident memory of the given worker processes, summed (`None` when there are none or it
/// can't be read).
fn workers_rss_bytes(pids: &Pids) -> Option<u64> {
    pids.snapshot().into_iter().filter_map(memory::rss_bytes_of).reduce(|a, b| a + b)
}

/// One reading of every core's counters: `(busy, total)` ticks, indexed by core number.
type Ticks = Vec<(u64, u64)>;

enum CpuSource {
    ProcStat,
    Sysinfo(Box<sysinfo::System>),
    Unavailable,
}

impl CpuSource {
    fn open() -> (Self, Option<String>) {
        if cfg!(target_os = "linux") && read_proc_stat().is_some() {
            return (Self::ProcStat, None);
        }
        let refresh = sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing().with_usage());
        match sysinfo::System::new_with_specifics(refresh) {
            Ok(system) => (Self::Sysinfo(Box::new(system)), None),
            Err(err) => (Self::Unavailable, Some(format!("CPU sampling unavailable: {err}"))),
        }
    }

    fn min_interval(&self) -> Duration {
        match self {
            Self::Sysinfo(_) => sysinfo::MINIMUM_CPU_UPDATE_INTERVAL,
            Self::ProcStat | Self::Unavailable => Duration::from_millis(50),
        }
    }

    fn read(&mut self) -> Ticks {
        match self {
            Self::ProcStat => read_proc_stat().unwrap_or_default(),
            Self::Sysinfo(system) => {
                system.refresh_cpu_usage();
                Vec::new()
            }
            Self::Unavailable => Vec::new(),
        }
    }

    fn busy_percent(&self, previous: &Ticks, current: &Ticks) -> Option<Vec<f32>> {
        match self {
            Self::ProcStat => busy_percent(previous, current),
            Self::Sysinfo(system) => Some(system.cpus().iter().map(sysinfo::Cpu::usage).collect()),
            Self::Unavailable => None,
        }
    }

    fn info(&self, interval: Duration, cpu_secs: Option<f64>, note: Option<String>) -> SamplerInfo {
        let source = match self {
            Self::ProcStat => "proc-stat",
            Self::Sysinfo(_) => "sysinfo",
            Self::Unavailable => "unavailable",
        };
        let interval_millis = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        SamplerInfo { source: source.to_owned(), interval_millis, cpu_secs, note }
    }
}

fn read_proc_stat() -> Option<Ticks> {
    parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// Per-core `(busy, total)` ticks from `/proc/stat` text, indexed by the `cpuN` label
/// (offline cores are absent from the file and read as zero).
pub fn parse_proc_stat(text: &str) -> Option<Ticks> {
    let mut cores: Ticks = Vec::new();
    for line in text.lines() {
        // Per-core lines only: "cpu0 ...", not the aggregate "cpu  ...".
        let Some(rest) = line.strip_prefix("cpu").filter(|r| r.starts_with(|c: char| c.is_ascii_digit())) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let Some(Ok(index)) = fields.next().map(str::parse::<usize>) else { continue };
        let values: Vec<u64> = fields.take(8).filter_map(|f| f.parse().ok()).collect();
        if values.len() < 4 {
            continue;
        }
        // user nice system idle iowait irq softirq steal: idle time is idle + iowait.
        let total: u64 = values.iter().sum();
        let idle = values[3] + values.get(4).copied().unwrap_or(0);
        if cores.len() <= index {
            cores.resize(index + 1, (0, 0));
        }
        cores[index] = (total - idle, total);
    }
    (!cores.is_empty()).then_some(cores)
}

/// Busy percent per core between two readings; `None` if the readings don't line up.
fn busy_percent(previous: &Ticks, current: &Ticks) -> Option<Vec<f32>> {
    if previous.len() != current.len() || current.is_empty() {
        return None;
    }
    let per_core = previous
        .iter()
        .zip(current)
        .map(|(&(busy0, total0), &(busy1, total1))| {
            let total = total1.saturating_sub(total0);
            if total == 0 {
                return 0.0;
            }
            (busy1.saturating_sub(busy0) as f64 / total as f64 * 100.0).clamp(0.0, 100.0) as f32
        })
        .collect();
    Some(per_core)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT_A: &str = "cpu  10 0 10 80 0 0 0 0 0 0\n\
        cpu0 5 0 5 40 0 0 0 0 0 0\n\
        cpu1 5 0 5 40 0 0 0 0 0 0\n\
        intr 1 2 3\n";
    const STAT_B: &str = "cpu  40 0 10 110 0 0 0 0 0 0\n\
        cpu0 35 0 5 40 0 0 0 0 0 0\n\
        cpu1 5 0 5 65 5 0 0 0 0 0\n";

    #[test]
    fn proc_stat_deltas_give_busy_percent() {
        let a = parse_proc_stat(STAT_A).unwrap();
        let b = parse_proc_stat(STAT_B).unwrap();
        assert_eq!(a.len(), 2, "the aggregate line is skipped");
        assert_eq!(busy_percent(&a, &b), Some(vec![100.0, 0.0]));
    }

    #[test]
    fn cores_are_indexed_by_label() {
        let text = "cpu0 1 0 1 8 0 0 0 0\ncpu2 2 0 2 6 0 0 0 0\n";
        let ticks = parse_proc_stat(text).unwrap();
        assert_eq!(ticks, vec![(2, 10), (0, 0), (4, 10)]);
    }

    #[test]
    fn mismatched_readings_give_nothing() {
        assert_eq!(busy_percent(&vec![(1, 2)], &vec![]), None);
    }
}
