//! The whole report of a result file, as the CLI and the exports show it: per run its group,
//! relative speed and notes, and one verdict per group of comparable runs, each with its words.
//! With real CPython beside the lab, the GIL check. Runs are named by backend ("the threads
//! run"). The JSON export writes this as `report`.

use serde::Serialize;

use super::{
    Finding, GilCheck, Note, Relative, SweepReport, Verdict, gil_check, group_verdicts, groups, notes, relative_speeds,
    text,
};
use crate::engine::RunResult;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub runs: Vec<RunReport>,
    pub verdicts: Vec<Worded<Verdict>>,
    /// Real CPython's threads vs processes beside the emulated GIL's, when both ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gil_check: Option<Worded<GilCheck>>,
    /// When the runs are a sweep's points: each backend's curve and its fitted laws.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepReport>,
}

/// What the report says about one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    /// Runs with the same group did the same work (see `report::comparable`).
    pub group: usize,
    pub relative: Worded<Relative>,
    pub notes: Vec<Worded<Note>>,
}

/// A structured value with its words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Worded<T> {
    #[serde(flatten)]
    pub value: T,
    pub text: String,
}

impl Summary {
    /// Whether the runs `member` picks need the [`text::UNCONFIRMED`] footnote: a speed-up among
    /// them rests on single repetitions, and no verdict of theirs already says so.
    pub fn needs_unconfirmed_note(&self, member: impl Fn(usize) -> bool) -> bool {
        let unconfirmed = (self.runs.iter().enumerate())
            .any(|(i, r)| member(i) && matches!(r.relative.value, Relative::Faster { measurable: false, .. }));
        let said = self.verdicts.iter().any(|v| {
            member(v.value.subject())
                && matches!(&v.value, Verdict::Compared(c) if matches!(c.finding, Finding::Unrepeated { .. }))
        });
        unconfirmed && !said
    }
}

/// The report of `runs` on a machine with `cores` logical cores.
pub fn summary(runs: &[&RunResult], cores: u64) -> Summary {
    // A backend that ran more than once (a sweep's points) is named with its workers.
    let short = |i: usize| {
        let Some(run) = runs.get(i) else { return String::new() };
        let backend = run.config.backend;
        let repeated = runs.iter().filter(|r| r.config.backend == backend).count() > 1;
        let workers = run.config.workers;
        if repeated { format!("{backend} ({workers} {})", backend.workers_meaning()) } else { backend.to_string() }
    };
    let long = |i: usize| format!("the {} run", short(i));
    let runs_out = groups(runs)
        .into_iter()
        .zip(relative_speeds(runs))
        .zip(runs)
        .map(|((group, relative), run)| RunReport {
            group,
            relative: Worded { text: text::relative(&relative, &short), value: relative },
            notes: notes(run).into_iter().map(|note| Worded { text: text::note(&note), value: note }).collect(),
        })
        .collect();
    let verdicts = group_verdicts(runs)
        .into_iter()
        .map(|verdict| Worded { text: text::verdict(&verdict, runs, &long, cores), value: verdict })
        .collect();
    let gil_check = gil_check(runs).map(|check| Worded { text: text::gil_check(&check), value: check });
    Summary { runs: runs_out, verdicts, gil_check, sweep: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BackendKind;
    use crate::report::sample::run;

    #[test]
    fn serializes_values_beside_their_words() -> Result<(), serde_json::Error> {
        let slow = run(BackendKind::EventLoop, &[2.0, 2.0]);
        let fast = run(BackendKind::Threads, &[1.0, 1.0]);
        let json = serde_json::to_value(summary(&[&slow, &fast], 2))?;
        let relative = &json["runs"][1]["relative"];
        assert_eq!(relative["kind"], "faster");
        assert_eq!(relative["than"], 0);
        assert_eq!(relative["text"], "2.00× faster than event-loop");
        let verdict = &json["verdicts"][0];
        assert_eq!(verdict["kind"], "compared");
        assert_eq!(verdict["finding"]["kind"], "faster");
        assert!(verdict["text"].as_str().is_some_and(|t| t.starts_with("The threads run was 2.00× faster")));
        Ok(())
    }
}
