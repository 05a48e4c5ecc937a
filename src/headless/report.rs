//! `report`: runs presets one after another and writes a directory a person can read
//! (index.md with a PNG per preset), docs/claims.md's table of figures (presets.md) and
//! results.json. Everything is checked before the first run: the preset names, their
//! configs, the directory (made if missing, refused if it is a file) and every file in it.
//! Each PNG is written as soon as its preset is done; a stop signal ends the preset in
//! progress and the report is written with those that finished (exit 128 + the signal).
//! Without a renderer the report is still written, saying why it has no pictures.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Context as _, anyhow};

use super::png::{Png, availability};
use super::report_md::{Notes, Section, index_md, presets_md, results_json};
use super::{CliError, EXIT_CANCELLED, ProgressBar, say, stop_on_signals};
use crate::cli::{Plan, ReportArgs, RunArgs};
use crate::engine::{CancelToken, Machine, Outcome, ResultFile, run_experiment};
use crate::export::Exporter;
use crate::export::atomic::PendingFile;
use crate::presets::{self, Preset};

/// A preset to run, with its plan and where its picture goes.
struct Planned {
    preset: Preset,
    plan: Plan,
    png: Option<PendingFile>,
}

/// Whether a bundled preset is one of the claims a default report reproduces.
fn states_a_claim(preset: &Preset) -> bool {
    preset.description.starts_with("Claim")
}

fn plan_of(preset: &Preset, args: &ReportArgs) -> anyhow::Result<Plan> {
    let run = RunArgs { preset: Some(preset.id.clone()), python: args.python.clone(), yes: true, ..RunArgs::default() };
    run.plan()
}

/// The presets to run: those named (any error is bad input), or the bundled ones (a preset
/// that cannot run here, say without Python, is skipped with the reason).
fn choose(args: &ReportArgs, notes: &mut Notes) -> anyhow::Result<Vec<(Preset, Plan)>> {
    let mut chosen: Vec<(Preset, Plan)> = Vec::new();
    if args.preset.is_empty() {
        for (id, _) in presets::BUNDLED {
            let preset = presets::load(id)?;
            if !args.all && !states_a_claim(&preset) {
                continue;
            }
            match plan_of(&preset, args) {
                Ok(plan) => chosen.push((preset, plan)),
                Err(e) => notes.skipped.push(((*id).to_owned(), format!("{e:#}"))),
            }
        }
        return Ok(chosen);
    }
    for name in &args.preset {
        let preset = presets::load(name)?;
        if chosen.iter().any(|(p, _)| p.id == preset.id) {
            anyhow::bail!("--preset {name}: a preset named {} is already in the report", preset.id);
        }
        let plan = plan_of(&preset, args).with_context(|| format!("--preset {name}"))?;
        chosen.push((preset, plan));
    }
    Ok(chosen)
}

/// Makes the report's directory if it is missing; refuses a path that is something else.
fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!("--out {} is a file, not a directory", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).with_context(|| format!("--out {}: cannot make the directory", dir.display()))
        }
        Err(e) => Err(anyhow!(e).context(format!("--out {}", dir.display()))),
    }
}

fn pending(dir: &Path, name: &str) -> anyhow::Result<PendingFile> {
    let path = dir.join(name);
    PendingFile::create(&path).with_context(|| format!("--out: {}", path.display()))
}

/// `report`.
pub fn report(args: &ReportArgs) -> Result<ExitCode, CliError> {
    let cancel = CancelToken::new();
    let signal = stop_on_signals(&cancel);
    let mut notes = Notes::default();
    let chosen = choose(args, &mut notes).map_err(CliError::BadInput)?;
    if chosen.is_empty() {
        let why: Vec<String> = notes.skipped.iter().map(|(id, why)| format!("{id}: {why}")).collect();
        return Err(CliError::BadInput(anyhow!("no preset can run here ({})", why.join("; "))));
    }
    prepare_dir(&args.out).map_err(CliError::BadInput)?;
    let files = ["index.md", "results.json", "presets.md"].map(|name| pending(&args.out, name));
    let [index, results, table] = files;
    let (index, results, table) =
        (index.map_err(CliError::BadInput)?, results.map_err(CliError::BadInput)?, table.map_err(CliError::BadInput)?);
    let pictures = availability();
    if let Err(why) = &pictures {
        say(format_args!("report: no PNGs: {why}"));
    }
    let mut planned = Vec::new();
    for (preset, plan) in chosen {
        let png = match pictures {
            Ok(()) => Some(pending(&args.out, &format!("{}.png", preset.id)).map_err(CliError::BadInput)?),
            Err(_) => None,
        };
        planned.push(Planned { preset, plan, png });
    }
    let machine = Machine::detect();
    let progress = ProgressBar::new(std::io::stderr().is_terminal());
    let mut sections = Vec::new();
    let mut failed = 0;
    let total = planned.len();
    for (i, Planned { preset, plan, png }) in planned.into_iter().enumerate() {
        say(format_args!("report [{}/{total}] {}: {} runs", i + 1, preset.id, plan.configs.len()));
        let started = Instant::now();
        let mut runs = Vec::new();
        for config in &plan.configs {
            if cancel.is_cancelled() {
                break;
            }
            runs.push(run_experiment(config, &cancel, &progress));
            progress.clear();
        }
        if cancel.is_cancelled() {
            notes.stopped = Some(format!(
                "a stop signal ended the report during `{}`; it and the {} presets after it were not reported",
                preset.id,
                total - i - 1
            ));
            break;
        }
        let file = ResultFile { sweep: plan.sweep.clone(), ..ResultFile::new(machine.clone(), runs) };
        failed += file.runs.iter().filter(|r| r.outcome == Outcome::Failed).count();
        let png = match (png, &pictures) {
            (Some(pending), _) => {
                let name = format!("{}.png", preset.id);
                let drawn = Png { look: args.look.clone(), heading: format!("{}: {}", preset.id, preset.name) };
                match drawn.render(&file).and_then(|bytes| pending.commit(&bytes)) {
                    Ok(_) => Ok(name),
                    Err(e) => {
                        failed += 1;
                        say(format_args!("Error: {name}: {e:#}"));
                        Err(format!("rendering it failed: {e:#}"))
                    }
                }
            }
            (None, Err(why)) => Err(format!("PNGs were skipped: {why}")),
            (None, Ok(())) => Err("PNGs were skipped".to_owned()),
        };
        let wall_secs = started.elapsed().as_secs_f64();
        say(format_args!("report [{}/{total}] {}: done in {wall_secs:.1} s", i + 1, preset.id));
        sections.push(Section {
            id: preset.id.clone(),
            name: preset.name.clone(),
            description: preset.description.clone(),
            file,
            png,
            wall_secs,
        });
    }
    let writes: [(PendingFile, anyhow::Result<Vec<u8>>); 3] = [
        (index, index_md(&machine, &sections, &notes).map(String::into_bytes)),
        (results, results_json(&machine, &sections, &notes)),
        (table, presets_md(&sections).map(String::into_bytes)),
    ];
    for (pending, bytes) in writes {
        let shown = pending.path().display().to_string();
        match bytes.and_then(|bytes| pending.commit(&bytes)) {
            Ok(path) => say(format_args!("wrote {}", path.display())),
            Err(e) => {
                failed += 1;
                say(format_args!("Error: {shown}: {e:#}"));
            }
        }
    }
    Ok(match signal.load(Ordering::SeqCst) {
        0 if failed > 0 => ExitCode::from(1),
        0 => ExitCode::SUCCESS,
        signal => ExitCode::from(u8::try_from(128 + signal).unwrap_or(EXIT_CANCELLED)),
    })
}
