//! A Chrome / Perfetto trace (the JSON "Trace Event Format", which ui.perfetto.dev and
//! chrome://tracing open): every run is a process; every lane a named thread track with one
//! complete event (`X`, microseconds from the run's start) per task; the GIL's holds on a track of
//! their own beside each lane; the run's setup as a slice of its own; per-core utilization as
//! counter tracks (`C`).
//!
//! Perfetto does not lay out slices that overlap on one track without nesting, and an event
//! loop's tasks do overlap on its one lane (every task in flight at once). So each lane's spans
//! are dealt onto as few tracks as never overlap ("loop 0", "loop 0 · 2", …): a span goes on the
//! first track whose last span has ended.
//!
//! Perfetto's JSON importer keys a thread's name by its thread id alone, treats tid 0 as the
//! idle task, and reads ids as 32-bit numbers: so every track of the file gets its own small
//! id, counted from 1 across all runs.

use serde_json::{Value, json};

use super::Exporter;
use crate::engine::{ResultFile, RunResult, Span};

pub struct Trace;

fn micros(secs: f64) -> f64 {
    (secs * 1e6 * 1000.0).round() / 1000.0
}

impl Exporter for Trace {
    fn name(&self) -> &'static str {
        "trace"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        let mut events = Vec::new();
        let mut next_tid = 1;
        for (index, run) in file.runs.iter().enumerate() {
            run_events(&mut events, index as u64 + 1, run, &mut next_tid);
        }
        let trace = json!({
            "traceEvents": events,
            "displayTimeUnit": "ms",
            "otherData": {
                "machine": format!("{} ({} logical cores)", file.machine.cpu_brand, file.machine.logical_cores),
                "generator": concat!("concurrency-lab ", env!("CARGO_PKG_VERSION")),
            },
        });
        Ok(serde_json::to_vec(&trace)?)
    }
}

/// One run's events; its tracks take thread ids from `next_tid` on.
fn run_events(events: &mut Vec<Value>, pid: u64, run: &RunResult, next_tid: &mut u64) {
    let config = &run.config;
    let lane_word = config.backend.info().lane_word;
    let name = format!("run {pid}: {} · {} ({})", config.backend, config.describe_work(), run.outcome.name());
    events.push(json!({"ph": "M", "pid": pid, "name": "process_name", "args": {"name": name}}));
    events.push(json!({"ph": "M", "pid": pid, "name": "process_sort_index", "args": {"sort_index": pid}}));
    let mut new_track = |events: &mut Vec<Value>, name: &str| {
        let tid = *next_tid;
        *next_tid += 1;
        thread_name(events, pid, tid, name);
        tid
    };
    if run.setup_secs > 0.0 {
        let tid = new_track(events, "setup");
        events.push(json!({
            "ph": "X", "pid": pid, "tid": tid, "name": "setup",
            "ts": 0.0, "dur": micros(run.setup_secs),
        }));
    }
    let lanes = run.spans.iter().map(|s| s.worker).max().map_or(0, |m| m + 1);
    let mut gil_tracks = std::collections::BTreeMap::new();
    for lane in 0..lanes {
        let mut spans: Vec<&Span> = run.spans.iter().filter(|s| s.worker == lane).collect();
        spans.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
        // Each track's tid and last end; a span goes on the first track free by its start.
        let mut tracks: Vec<(u64, f64)> = Vec::new();
        for span in spans {
            let track = match tracks.iter().position(|&(_, end)| end <= span.start_secs) {
                Some(track) => track,
                None => {
                    let name = match tracks.len() {
                        0 => format!("{lane_word} {lane}"),
                        n => format!("{lane_word} {lane} · {}", n + 1),
                    };
                    tracks.push((new_track(events, &name), f64::NEG_INFINITY));
                    tracks.len() - 1
                }
            };
            tracks[track].1 = span.end_secs;
            let tid = tracks[track].0;
            let task = if span.ok { format!("task {}", span.task) } else { format!("task {} (failed)", span.task) };
            events.push(json!({
                "ph": "X", "pid": pid, "tid": tid, "name": task,
                "ts": micros(span.start_secs), "dur": micros((span.end_secs - span.start_secs).max(0.0)),
                "args": {"task": span.task, "ok": span.ok},
            }));
        }
        if run.gil_holds.iter().any(|h| h.worker == lane) {
            gil_tracks.insert(lane, new_track(events, &format!("{lane_word} {lane} · GIL")));
        }
    }
    for hold in &run.gil_holds {
        // A lane that held the GIL without a finished span (a stopped run) still gets its track.
        let tid = match gil_tracks.get(&hold.worker) {
            Some(&tid) => tid,
            None => *gil_tracks
                .entry(hold.worker)
                .or_insert_with(|| new_track(events, &format!("{lane_word} {} · GIL", hold.worker))),
        };
        events.push(json!({
            "ph": "X", "pid": pid, "tid": tid, "name": "holds the GIL",
            "ts": micros(hold.start_secs), "dur": micros((hold.end_secs - hold.start_secs).max(0.0)),
        }));
    }
    for sample in &run.cpu_samples {
        for (core, busy) in sample.per_core.iter().enumerate() {
            events.push(json!({
                "ph": "C", "pid": pid, "name": format!("core {core} busy %"),
                "ts": micros(sample.t_secs), "args": {"busy": busy},
            }));
        }
    }
}

fn thread_name(events: &mut Vec<Value>, pid: u64, tid: u64, name: &str) {
    events.push(json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name", "args": {"name": name}}));
    events.push(json!({"ph": "M", "pid": pid, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}}));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::{BackendKind, CpuSample, GilHold, Outcome};
    use crate::export::sample;

    /// Every complete event, grouped by (pid, tid) track.
    fn tracks(trace: &Value) -> BTreeMap<(u64, u64), Vec<(f64, f64)>> {
        let mut tracks: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
        for e in trace["traceEvents"].as_array().into_iter().flatten().filter(|e| e["ph"] == "X") {
            let key = (e["pid"].as_u64().unwrap_or(0), e["tid"].as_u64().unwrap_or(0));
            let (ts, dur) = (e["ts"].as_f64().unwrap_or(0.0), e["dur"].as_f64().unwrap_or(0.0));
            tracks.entry(key).or_default().push((ts, ts + dur));
        }
        tracks
    }

    #[test]
    fn overlapping_loop_tasks_are_dealt_onto_tracks_that_never_overlap() -> anyhow::Result<()> {
        let mut file = sample::file();
        // An event loop with 3 tasks in flight on its one lane, and one that failed.
        let span = |task, start: f64, end: f64, ok| Span { task, worker: 0, start_secs: start, end_secs: end, ok };
        file.runs[0].spans =
            vec![span(0, 0.0, 0.3, true), span(1, 0.1, 0.2, true), span(2, 0.15, 0.4, false), span(3, 0.35, 0.5, true)];
        file.runs[1].config.gil = true;
        file.runs[1].gil_holds = vec![
            GilHold { worker: 0, start_secs: 0.0, end_secs: 0.005 },
            GilHold { worker: 1, start_secs: 0.005, end_secs: 0.01 },
        ];
        file.runs[0].cpu_samples.clear();
        file.runs[1].cpu_samples = vec![CpuSample { t_secs: 0.1, per_core: vec![50.0, 100.0], split: None }];
        let trace: Value = serde_json::from_slice(&Trace.render(&file)?)?;
        let tracks = tracks(&trace);
        for (track, events) in &tracks {
            let mut events = events.clone();
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(events.windows(2).all(|w| w[0].1 <= w[1].0), "track {track:?} overlaps: {events:?}");
        }
        // Run 1's loop lane took three tracks (plus setup); its four tasks are all there.
        let setup: Vec<u64> = (trace["traceEvents"].as_array().into_iter().flatten())
            .filter(|e| e["name"] == "setup")
            .filter_map(|e| e["tid"].as_u64())
            .collect();
        let loop_tracks: Vec<_> = tracks.keys().filter(|(pid, tid)| *pid == 1 && !setup.contains(tid)).collect();
        assert_eq!(loop_tracks.len(), 3, "{tracks:?}");
        assert!(tracks.keys().all(|(_, tid)| (1..1 << 31).contains(tid)), "Perfetto reads 32-bit ids, 0 is idle");
        // Thread names are keyed by tid alone: no tid is named twice, even across runs.
        let named: Vec<u64> = (trace["traceEvents"].as_array().into_iter().flatten())
            .filter(|e| e["name"] == "thread_name")
            .filter_map(|e| e["tid"].as_u64())
            .collect();
        let unique: std::collections::BTreeSet<_> = named.iter().collect();
        assert_eq!(unique.len(), named.len(), "{named:?}");
        assert!(tracks.keys().any(|(pid, _)| *pid == 2), "both runs have tracks");
        let names: Vec<String> = (trace["traceEvents"].as_array().into_iter().flatten())
            .filter(|e| e["name"] == "thread_name")
            .map(|e| e["args"]["name"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(names.contains(&"loop 0 · 3".to_owned()) && names.contains(&"thread 1 · GIL".to_owned()), "{names:?}");
        let failed = trace["traceEvents"].as_array().into_iter().flatten().any(|e| e["name"] == "task 2 (failed)");
        assert!(failed);
        let counters = trace["traceEvents"].as_array().into_iter().flatten().filter(|e| e["ph"] == "C").count();
        assert_eq!(counters, 2, "one counter event per core and sample");
        Ok(())
    }

    #[test]
    fn every_run_is_a_named_process_with_its_setup() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs.push(sample::run(BackendKind::Processes, 0.5, Outcome::Cancelled));
        let trace: Value = serde_json::from_slice(&Trace.render(&file)?)?;
        let processes: Vec<&str> = (trace["traceEvents"].as_array().into_iter().flatten())
            .filter(|e| e["name"] == "process_name")
            .filter_map(|e| e["args"]["name"].as_str())
            .collect();
        assert_eq!(processes.len(), 3);
        assert!(
            processes[2].starts_with("run 3: processes ·") && processes[2].ends_with("(cancelled)"),
            "{processes:?}"
        );
        assert!(trace["traceEvents"].as_array().into_iter().flatten().any(|e| e["name"] == "setup"));
        Ok(())
    }
}
