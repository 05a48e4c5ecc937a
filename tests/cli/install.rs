//! What an installed command-line tool ships: `completions` for bash, zsh and fish (bash's
//! actually completing a subcommand), a bad shell refused with exit 2, the man page naming
//! every subcommand `--help` lists, a page per subcommand; and, installed into a virtual
//! environment (as pipx and `uv tool` do), the lab's default Python is that environment's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BIN, code, lab, run_json, runs, serial, stderr};

/// The subcommands `--help` lists (its "Commands:" section), so a new one is checked too.
fn listed_subcommands() -> Vec<String> {
    let help = String::from_utf8_lossy(&lab(&["--help"]).stdout).into_owned();
    let commands = help.split("Commands:").nth(1).unwrap_or_default();
    let names: Vec<String> = commands
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A name is indented by two spaces; a wrapped description by more.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 7 && names.iter().any(|n| n == "run"), "no subcommands found in:\n{help}");
    names
}

#[test]
fn completions_name_every_subcommand_in_bash_zsh_and_fish() {
    let subcommands = listed_subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let output = lab(&["completions", shell]);
        assert_eq!(code(&output), Some(0), "{shell}: {}", stderr(&output));
        let script = String::from_utf8_lossy(&output.stdout);
        for name in &subcommands {
            assert!(script.contains(name.as_str()), "{shell}: {name} missing");
        }
        assert!(!script.contains("__worker"), "{shell}: the internal worker is offered");
    }
}

#[test]
fn bash_completes_a_subcommand_from_a_prefix() {
    // The generated script needs bash alone (complete, compgen), not the bash-completion package.
    let script = "source <(\"$LAB\" completions bash)\n\
                  func=$(complete -p concurrency-lab | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n\
                  COMP_WORDS=(concurrency-lab sw); COMP_CWORD=1\n\
                  \"$func\" concurrency-lab sw concurrency-lab\n\
                  printf '%s\\n' \"${COMPREPLY[@]}\"";
    let output = Command::new("bash").args(["--norc", "-c", script]).env("LAB", BIN).stdin(Stdio::null()).output();
    let output = output.unwrap_or_else(|e| panic!("bash: {e}"));
    let offered = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(offered.lines().collect::<Vec<_>>(), ["sweep"], "`concurrency-lab sw<Tab>`");
}

#[test]
fn a_bad_shell_exits_2_naming_the_value() {
    let output = lab(&["completions", "tcsh"]);
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "{err}");
    assert!(err.contains("tcsh") && err.contains("bash") && err.contains("zsh") && err.contains("fish"), "{err}");
    assert!(output.stdout.is_empty(), "nothing printed on stdout");
}

#[test]
fn the_man_page_names_every_subcommand() {
    let output = lab(&["man"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH concurrency-lab 1"), "not roff:\n{page:.300}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for name in listed_subcommands() {
        // roff escapes hyphens: concurrency\-lab\-run(1).
        let entry = format!("concurrency\\-lab\\-{}(1)", name.replace('-', "\\-"));
        assert!(page.contains(&entry), "{entry} missing from the SUBCOMMANDS section");
    }
    assert!(!page.contains("__worker"), "the internal worker is documented");
}

#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("man1");
    let output = lab(&["man", "--dir", &out.display().to_string()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let mut expected: Vec<String> = listed_subcommands().iter().map(|n| format!("concurrency-lab-{n}.1")).collect();
    expected.push("concurrency-lab.1".to_owned());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    written.sort();
    assert_eq!(written, expected);
    // A directory that cannot be made is an error naming it, exit 1.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap_or_else(|e| panic!("{e}"));
    let output = lab(&["man", "--dir", &blocked.join("man1").display().to_string()]);
    assert_eq!(code(&output), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("--dir") && stderr(&output).contains("file/man1"), "{}", stderr(&output));
}

/// A venv made by `python3 -m venv`, with the lab's binary in its `bin/` as pip puts it there
/// (a hard link where the file system allows, else a copy). `None` without a python3 that can
/// make one.
fn venv_with_the_lab(root: &Path) -> Option<PathBuf> {
    let made = Command::new("python3").args(["-m", "venv", "--without-pip"]).arg(root).stdin(Stdio::null()).output();
    if !made.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let lab = root.join("bin").join("concurrency-lab");
    if std::fs::hard_link(BIN, &lab).is_err() {
        std::fs::copy(BIN, &lab).unwrap_or_else(|e| panic!("copy {BIN}: {e}"));
    }
    Some(lab)
}

#[cfg(target_os = "linux")]
#[test]
fn installed_in_a_venv_the_lab_runs_that_venv_s_python() {
    let _serial = serial();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap_or_else(|e| panic!("{e}"));
    let venv = dir.path().join("venv");
    let Some(installed) = venv_with_the_lab(&venv) else {
        panic!("python3 -m venv failed: the Python tests need python3 with its venv module");
    };
    let venv_python = venv.join("bin").join("python3");
    let listed = Command::new(&installed).arg("presets").stdin(Stdio::null()).output();
    let listed = listed.unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains(&format!("run {} (the virtual environment", venv_python.display())),
        "presets does not say the venv's python is used:\n{text}"
    );
    let run = |extra: &[&str]| {
        let args =
            [&["run", "--json", "-", "--backend", "python-threads", "--workload", "noop", "--tasks", "2"], extra];
        let output = Command::new(&installed).args(args.concat()).stdin(Stdio::null()).output();
        output.unwrap_or_else(|e| panic!("{e}"))
    };
    let output = run(&[]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let executable = runs(&json)[0]["python"]["executable"].as_str().map(PathBuf::from);
    assert_eq!(executable, Some(venv_python), "the venv's interpreter ran, by its venv path");
    // An explicit --python wins.
    let (output, json) = run_json(&["--backend", "python-threads", "--workload", "noop", "--tasks", "2"]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let outside = runs(&json)[0]["python"]["executable"].as_str().map(PathBuf::from);
    assert!(outside.is_some_and(|p| !p.starts_with(&venv)), "the lab outside the venv does not use it");
    let system = outside_python();
    let output = run(&["--python", &system.display().to_string()]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let executable = runs(&json)[0]["python"]["executable"].as_str().map(PathBuf::from);
    assert!(executable.is_some_and(|p| !p.starts_with(&venv)), "--python beats the venv's interpreter");
}

/// The machine's python3 as it names itself (`sys.executable`), outside any venv.
fn outside_python() -> PathBuf {
    let output = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output();
    let output = output.unwrap_or_else(|e| panic!("python3: {e}"));
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}
