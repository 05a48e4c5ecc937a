//! Untrusted input is bounded: a user preset directory holding a FIFO, a link to /dev/zero, a
//! file over the size cap and a broken preset neither hangs `presets` nor a run of a bundled
//! preset; each is listed as unreadable with its reason, and a broken preset asked for by
//! name shows its own error. A one-line megabyte preset gets a short message. And configs
//! that need more memory than the machine has are refused up front, with the numbers.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::{BIN, code, stderr};

/// Runs the binary with `XDG_CONFIG_HOME` at `config_home`, failing if it hangs.
fn lab_with_config(config_home: &Path, args: &[&str]) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    super::wait_with_timeout(child, Duration::from_secs(30))
}

const BROKEN: &str = "version = 1\nname = \"mine\"\ndescription = \"d\"\nbackends = [\"threads\"]\n\
    [workload]\nkind = \"noop\"\n[run]\ntaks = 3\nworkers = 2\n";

#[test]
fn hostile_user_presets_are_listed_as_unreadable_and_hang_nothing() {
    let _serial = super::serial();
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = home.path().join("concurrency-lab").join("presets");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let made = Command::new("mkfifo").arg(dir.join("fifo.toml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.toml")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("huge.toml"), vec![b'#'; 2 << 20]).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("broken.toml"), BROKEN).unwrap_or_else(|e| panic!("{e}"));

    let listed = lab_with_config(home.path(), &["presets"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(code(&listed), Some(2), "a broken user preset is an error in the listing: {text}");
    assert!(text.lines().any(|l| l.starts_with("cpu-primes-gil")), "bundled ones are listed: {text}");
    for (file, reason) in [
        ("fifo.toml", "not a regular file (a FIFO)"),
        ("zero.toml", "not a regular file (a character device)"),
        ("huge.toml", "larger than the 1024 KiB a preset may be"),
        ("broken.toml", "unknown field `taks`"),
    ] {
        assert!(text.lines().any(|l| l.contains(file) && l.contains(reason)), "{file}: {reason} in:\n{text}");
    }

    let bundled =
        lab_with_config(home.path(), &["run", "--preset", "cpu-primes-gil", "--size", "5000", "--backend", "threads"]);
    assert_eq!(code(&bundled), Some(0), "a bundled preset runs: {}", stderr(&bundled));

    let by_name = lab_with_config(home.path(), &["run", "--preset", "broken"]);
    let err = stderr(&by_name);
    assert_eq!(code(&by_name), Some(2), "{err}");
    assert!(
        err.contains("broken.toml") && err.contains("line 8, column 1") && err.contains("unknown field `taks`"),
        "{err}"
    );
    assert!(!err.contains("no preset file or name matches"), "{err}");

    for (file, reason) in [("fifo.toml", "a FIFO"), ("zero.toml", "a character device")] {
        let path = dir.join(file).display().to_string();
        let by_path = lab_with_config(home.path(), &["run", "--preset", &path]);
        assert_eq!(code(&by_path), Some(2), "{}", stderr(&by_path));
        assert!(stderr(&by_path).contains(reason), "{}", stderr(&by_path));
    }
}

#[test]
fn a_megabyte_line_gets_a_short_error() {
    let _serial = super::serial();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("long.toml");
    let text = BROKEN.replace("name = \"mine\"", &format!("name = \"mine\"\nextra = \"{}\"", "z".repeat(900_000)));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let output = super::lab(&["run", "--preset", &path.display().to_string()]);
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "{:.300}", err);
    assert!(err.contains("line 3, column 1") && err.contains("unknown field `extra`"), "{:.600}", err);
    assert!(err.len() < 2000, "the message quotes a short stretch: {} bytes", err.len());
}

#[test]
fn configs_beyond_the_machines_memory_are_refused_up_front() {
    let _serial = super::serial();
    let output = super::lab(&[
        "run",
        "--backend",
        "event-loop+threads",
        "--workload",
        "file",
        "--size",
        "65536",
        "--tasks",
        "100000",
    ]);
    let err = stderr(&output);
    assert_eq!(code(&output), Some(2), "{err}");
    assert!(err.contains("backend event-loop+threads: tasks: 100000 need"), "{err}");
    // 195 GiB of buffers; a machine with that much to spare still lacks the 6 TiB of temp space.
    let memory =
        err.contains("100,000 file tasks in flight × 2 buffers of 1 MiB") && err.contains("but this machine has");
    let temp = err.contains("6.1 TiB of temp files at once") && err.contains("free; lower tasks");
    assert!(memory || temp, "{err}");
    assert!(output.stdout.is_empty(), "nothing ran");
}
