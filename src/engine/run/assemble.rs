//! Assembling a run's result from its repetitions: medians over the measured ones, the spans,
//! samples and loop lag of the one closest to the median, the highest memory, and what a failed
//! or stopped run reports (ARCHITECTURE.md, "One run, end to end", step 5).

use std::collections::HashSet;

use super::{RepetitionResult, ValidConfig};
use crate::engine::result::{Outcome, Repetition, RunResult};
use crate::engine::stats::{self, Stats};

pub(super) fn assemble(
    config: &ValidConfig,
    measured: Vec<RepetitionResult>,
    unfinished: Option<RepetitionResult>,
) -> RunResult {
    let elapsed: Vec<f64> = measured.iter().map(|r| r.elapsed_secs).collect();
    let cpu: Vec<f64> = measured.iter().filter_map(|r| r.cpu_secs).collect();
    let setup: Vec<f64> = measured.iter().map(|r| r.setup_secs).collect();
    let labs: Vec<f64> = measured.iter().filter_map(|r| r.lab_cpu_secs).collect();
    let others: Vec<f64> = measured.iter().filter_map(|r| r.other_cpu_secs).collect();
    let measured_count = measured.len();
    let repetitions = measured
        .iter()
        .map(|r| Repetition {
            elapsed_secs: r.elapsed_secs,
            cpu_secs: r.cpu_secs,
            lab_cpu_secs: r.lab_cpu_secs,
            other_cpu_secs: r.other_cpu_secs,
            setup_secs: r.setup_secs,
            interpreter_startup_secs: r.interpreter_startup_secs,
        })
        .collect();
    let startups: Vec<f64> = measured.iter().filter_map(|r| r.interpreter_startup_secs).collect();
    // The highest peak of any repetition, with the baseline it was measured against.
    let memory = measured.iter().chain(&unfinished).filter_map(|r| r.memory).max_by_key(|m| m.peak_bytes);
    let has_all_cpu = !measured.is_empty() && cpu.len() == measured.len();
    let orders: HashSet<u64> = measured.iter().filter_map(|r| r.order_hash).collect();
    let distinct_orders = (config.steps > 1 && !orders.is_empty()).then_some(orders.len() as u64);
    // A run stopped after some repetitions finished reports those (its outcome still says it
    // was stopped), so its figures agree with its repetitions; a failed run, or one stopped in
    // its first repetition, reports the repetition that did not finish.
    let (representative, from_measured) = match unfinished {
        Some(partial) if partial.outcome == Outcome::Cancelled && !measured.is_empty() => {
            let index = stats::closest_to_median(&elapsed).unwrap_or(0);
            let mut measured = measured;
            let mut closest = measured.swap_remove(index.min(measured.len() - 1));
            closest.outcome = Outcome::Cancelled;
            (closest, true)
        }
        Some(partial) => (partial, false),
        None => {
            let index = stats::closest_to_median(&elapsed).unwrap_or(0);
            let mut measured = measured;
            if measured.is_empty() {
                return empty_result(config, "no repetition ran".to_owned());
            }
            (measured.swap_remove(index.min(measured.len() - 1)), true)
        }
    };
    let (elapsed_secs, cpu_secs, setup_secs) = if from_measured {
        (stats::median(&elapsed), has_all_cpu.then(|| stats::median(&cpu)), stats::median(&setup))
    } else {
        (representative.elapsed_secs, representative.cpu_secs, representative.setup_secs)
    };
    let interpreter_startup_secs = if from_measured && !startups.is_empty() {
        Some(stats::median(&startups))
    } else {
        representative.interpreter_startup_secs
    };
    // The lab's and other programs' CPU, medians as cpu_secs is, so the three compare alike.
    let median_of = |values: &[f64], own: Option<f64>| {
        if from_measured && !values.is_empty() && values.len() == measured_count {
            Some(stats::median(values))
        } else {
            own
        }
    };
    let lab_cpu_secs = median_of(&labs, representative.lab_cpu_secs);
    let other_cpu_secs = median_of(&others, representative.other_cpu_secs);
    let effective_parallelism = cpu_secs.filter(|_| elapsed_secs > 0.0).map(|cpu| cpu / elapsed_secs);
    let tasks_failed = representative.spans.iter().filter(|s| !s.ok).count() as u64;
    RunResult {
        config: (**config).clone(),
        outcome: representative.outcome,
        error: representative.error,
        elapsed_secs,
        setup_secs,
        cpu_secs,
        lab_cpu_secs,
        other_cpu_secs,
        effective_parallelism,
        peak_rss_bytes: memory.map(|m| m.peak_bytes),
        baseline_rss_bytes: memory.map(|m| m.baseline_bytes),
        tasks_ok: representative.spans.len() as u64 - tasks_failed,
        tasks_failed,
        repetitions,
        stats: Stats::of(&elapsed),
        spans: representative.spans,
        cpu_samples: representative.samples,
        sampler: representative.sampler,
        loop_lag_max_secs: representative.loop_lag.map(|l| l.max_secs),
        loop_lag_p99_secs: representative.loop_lag.map(|l| l.p99_secs),
        loop_blocked: representative.loop_lag.map(|l| l.blocked()),
        distinct_orders,
        step_order: representative.step_order.unwrap_or_default(),
        interpreter_startup_secs,
        python: representative.python,
        gil_holds: representative.gil_holds,
        gil_holds_dropped: representative.gil_holds_dropped,
    }
}

/// A run that failed before any repetition (its I/O could not be set up).
pub(super) fn empty_result(config: &ValidConfig, error: String) -> RunResult {
    RunResult { error: Some(error), ..RunResult::unmeasured((**config).clone(), Outcome::Failed) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::result::Span;
    use crate::engine::run::tests::{config, repetition};

    #[test]
    fn medians_and_the_representative_repetition() {
        let measured = vec![repetition(3.0, 0, 10), repetition(1.0, 1, 30), repetition(2.2, 2, 20)];
        let result = assemble(&config(), measured, None);
        assert_eq!(result.outcome, Outcome::Completed);
        assert_eq!((result.elapsed_secs, result.cpu_secs, result.setup_secs), (2.2, Some(4.4), 2.2 / 10.0));
        assert_eq!(result.effective_parallelism, Some(2.0));
        assert_eq!(result.repetitions.iter().map(|r| r.elapsed_secs).collect::<Vec<_>>(), [3.0, 1.0, 2.2]);
        assert_eq!((result.stats.min_secs, result.stats.max_secs), (1.0, 3.0));
        // Spans and samples come from the repetition closest to the median (lane 2).
        assert_eq!(result.spans[0].worker, 2);
        assert_eq!(result.cpu_samples[0].per_core, [2.0]);
        // Memory: the highest peak, with the baseline it was measured against.
        assert_eq!((result.peak_rss_bytes, result.baseline_rss_bytes), (Some(30), Some(1030)));
    }

    #[test]
    fn cpu_time_missing_in_one_repetition_is_not_guessed() {
        let mut lost = repetition(1.0, 0, 0);
        lost.cpu_secs = None;
        let result = assemble(&config(), vec![repetition(1.0, 0, 0), lost], None);
        assert_eq!((result.cpu_secs, result.effective_parallelism), (None, None));
    }

    #[test]
    fn an_unfinished_repetition_is_the_result_with_its_own_figures() {
        let mut partial = repetition(0.4, 1, 50);
        partial.outcome = Outcome::Failed;
        partial.error = Some("worker process 1 died".into());
        partial.spans.push(Span { task: 1, worker: 1, start_secs: 0.1, end_secs: 0.2, ok: false });
        let result = assemble(&config(), vec![repetition(2.0, 0, 10)], Some(partial));
        assert_eq!(result.outcome, Outcome::Failed);
        assert_eq!(result.error.as_deref(), Some("worker process 1 died"));
        assert_eq!(result.elapsed_secs, 0.4, "the partial repetition's time, not a median");
        assert_eq!(result.repetitions.len(), 1, "only completed repetitions are listed");
        assert_eq!((result.tasks_ok, result.tasks_failed), (1, 1));
        assert_eq!(result.peak_rss_bytes, Some(50), "the unfinished repetition's memory counts too");
    }

    #[test]
    fn a_run_stopped_after_finished_repetitions_reports_those() {
        let mut partial = repetition(0.4, 1, 50);
        partial.outcome = Outcome::Cancelled;
        let finished = vec![repetition(1.5, 0, 10), repetition(1.6, 0, 10)];
        let result = assemble(&config(), finished, Some(partial));
        assert_eq!(result.outcome, Outcome::Cancelled);
        assert_eq!(result.elapsed_secs, result.stats.median_secs, "its figures agree with its repetitions");
        assert!(result.stats.min_secs <= result.elapsed_secs && result.elapsed_secs <= result.stats.max_secs);
        assert_eq!((result.tasks_ok, result.repetitions.len()), (1, 2), "a finished repetition's spans");
        // Stopped in its first repetition, a run has only the partial one to show.
        let mut first = repetition(0.4, 1, 50);
        first.outcome = Outcome::Cancelled;
        let result = assemble(&config(), Vec::new(), Some(first));
        assert_eq!((result.outcome, result.elapsed_secs), (Outcome::Cancelled, 0.4));
    }

    #[test]
    fn nothing_measured_is_a_failed_run() {
        let result = assemble(&config(), Vec::new(), None);
        assert_eq!(result.outcome, Outcome::Failed);
        assert_eq!(result.error.as_deref(), Some("no repetition ran"));
    }
}
