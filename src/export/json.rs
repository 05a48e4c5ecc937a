//! The result JSON (its fields are a contract, listed in ARCHITECTURE.md): the whole record,
//! pretty-printed, plus the report's judgement of it under `report` (groups, relative speeds,
//! notes, verdicts; each value beside its words). Reading a file back ignores `report`.

use serde::Serialize;

use super::{Exporter, report_of};
use crate::engine::ResultFile;
use crate::report::Summary;

pub struct Json;

impl Exporter for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, file: &ResultFile) -> anyhow::Result<Vec<u8>> {
        #[derive(Serialize)]
        struct WithReport<'a> {
            #[serde(flatten)]
            file: &'a ResultFile,
            report: Summary,
        }
        let mut bytes = serde_json::to_vec_pretty(&WithReport { file, report: report_of(file) })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sample;

    #[test]
    fn contract_fields_are_present() -> anyhow::Result<()> {
        let bytes = Json.render(&sample::file())?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        assert_eq!(v["version"], 1);
        for key in ["cpu_brand", "logical_cores", "physical_cores", "os", "total_memory_bytes"] {
            assert!(v["machine"].get(key).is_some(), "machine.{key}");
        }
        let run = &v["runs"][0];
        for key in [
            "config",
            "outcome",
            "elapsed_secs",
            "setup_secs",
            "cpu_secs",
            "effective_parallelism",
            "peak_rss_bytes",
            "baseline_rss_bytes",
            "repetitions",
            "stats",
            "spans",
            "cpu_samples",
            "gil_holds",
            "gil_holds_dropped",
        ] {
            assert!(run.get(key).is_some(), "runs[0].{key}");
        }
        assert_eq!(run["config"]["backend"], "event-loop");
        assert_eq!(run["config"]["workload"]["kind"], "primes");
        assert_eq!(run["config"]["workload"]["size"], 100_000);
        assert_eq!(run["outcome"], "completed");
        for key in ["median_secs", "mean_secs", "stddev_secs", "min_secs", "max_secs"] {
            assert!(run["stats"].get(key).is_some(), "stats.{key}");
        }
        let span = &run["spans"][0];
        for key in ["task", "worker", "start_secs", "end_secs", "ok"] {
            assert!(span.get(key).is_some(), "spans[0].{key}");
        }
        assert_eq!(run["cpu_samples"][0]["per_core"][0], 100.0);
        assert_eq!(run["gil_holds"], serde_json::json!([]), "an empty list with the GIL off");
        assert_eq!(v["report"]["runs"][1]["relative"]["text"], "2.00× faster than event-loop");
        assert_eq!(v["report"]["verdicts"][0]["fast"], 1);
        let back: ResultFile = serde_json::from_slice(&bytes)?;
        assert_eq!(back, sample::file());
        Ok(())
    }

    #[test]
    fn the_accounting_and_the_busy_machine_note_are_written() -> anyhow::Result<()> {
        let mut file = sample::file();
        let v: serde_json::Value = serde_json::from_slice(&Json.render(&file)?)?;
        assert_eq!(v["runs"][0]["lab_cpu_secs"], serde_json::Value::Null, "null where not measured");
        assert_eq!(v["runs"][0]["other_cpu_secs"], serde_json::Value::Null);
        file.runs[1].lab_cpu_secs = Some(0.001);
        file.runs[1].other_cpu_secs = Some(0.015);
        file.runs[1].repetitions[1].other_cpu_secs = Some(0.015);
        let bytes = Json.render(&file)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        let run = &v["runs"][1];
        assert_eq!((run["lab_cpu_secs"].as_f64(), run["other_cpu_secs"].as_f64()), (Some(0.001), Some(0.015)));
        assert_eq!(run["repetitions"][1]["other_cpu_secs"], 0.015);
        let note = &v["report"]["runs"][1]["notes"][0];
        assert_eq!((&note["severity"], &note["kind"]["kind"]), (&"warning".into(), &"busy_machine".into()));
        assert_eq!(note["kind"]["other_cores"], 0.75);
        assert_eq!(v["report"]["verdicts"][0]["disturbed"], true);
        assert_eq!(v["report"]["verdicts"][0]["fast_load"]["other_cores"], 0.75);
        assert_eq!(serde_json::from_slice::<ResultFile>(&bytes)?, file, "read back whole");
        Ok(())
    }

    #[test]
    fn gil_holds_are_listed_per_run() -> anyhow::Result<()> {
        let mut file = sample::file();
        file.runs[1].config.gil = true;
        file.runs[1].gil_holds = sample::holds();
        let bytes = Json.render(&file)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        let hold = &v["runs"][1]["gil_holds"][1];
        assert_eq!((hold["worker"].as_u64(), hold["start_secs"].as_f64()), (Some(1), Some(0.006)));
        assert_eq!(hold["end_secs"], 0.011);
        assert_eq!(serde_json::from_slice::<ResultFile>(&bytes)?, file);
        // A file written before the field existed still reads.
        let mut old = v.clone();
        for run in old["runs"].as_array_mut().into_iter().flatten() {
            run.as_object_mut().map(|o| (o.remove("gil_holds"), o.remove("gil_holds_dropped")));
        }
        let back: ResultFile = serde_json::from_value(old)?;
        assert!(back.runs.iter().all(|r| r.gil_holds.is_empty() && r.gil_holds_dropped == 0));
        Ok(())
    }
}
