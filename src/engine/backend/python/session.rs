//! One running harness: the interpreter started in its own process group with the setup as
//! its argument, a reader thread forwarding its protocol lines, a tail of its stderr (where
//! workload prints and tracebacks land), and an end that leaves nothing behind. Every path
//! out kills the whole group (harness, pool workers, fork server, resource tracker) with
//! SIGKILL before the harness is reaped; on a clean end the harness is first given time to
//! shut its pool down itself. The harness and its workers also die with the lab (a
//! parent-death signal, and the stdin pipe held here as a lifeline).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::interpreter::Interpreter;
use super::protocol::{self, FromHarness, Hello, Setup};
use crate::engine::backend::protocol::PARENT_PID_ENV;
use crate::engine::cancel::CancelToken;
use crate::engine::sys;

/// How long the interpreter gets for its start-up and imports (aiohttp is slow to import).
const HELLO_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a harness that said "done" gets to shut its pool down and exit.
const EXIT_GRACE: Duration = Duration::from_secs(5);
const STDERR_TAIL_BYTES: usize = 4000;

/// What the reader thread forwards.
pub enum Incoming {
    Message(Box<FromHarness>),
    Garbage(String),
    Closed,
}

pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Incoming>,
    stderr_tail: Arc<Mutex<String>>,
    /// Closed when the stderr reader reaches the end of the pipe.
    stderr_done: Receiver<()>,
    reaped: Option<sys::Reaped>,
    pub hello: Hello,
    /// Seconds from starting the interpreter to its hello (start-up and imports).
    pub startup_secs: f64,
}

impl Session {
    /// Starts the harness and waits for its hello. Cancel-aware: a stop during start-up
    /// kills the group and returns `Ok(None)`.
    pub fn start(
        interpreter: &Interpreter,
        script: &Path,
        setup: &Setup,
        cancel: &CancelToken,
    ) -> Result<Option<Session>, String> {
        let setup_json = serde_json::to_string(setup).map_err(|e| format!("could not encode the setup: {e}"))?;
        let mut command = Command::new(&interpreter.executable);
        command
            .args(interpreter.options())
            .arg(script)
            .arg(setup_json)
            .env(PARENT_PID_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !interpreter.free_threaded {
            // On a default build PYTHON_GIL is a start-up error; on a free-threaded one -X wins.
            command.env_remove("PYTHON_GIL");
        }
        // Its own group: one killpg ends every process it starts, and a Ctrl+C meant for the
        // lab (sent to the terminal's foreground group) does not reach Python half-way.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let started = sys::monotonic_nanos();
        let mut child =
            command.spawn().map_err(|e| format!("could not start {}: {e}", interpreter.executable.display()))?;
        let stdin = child.stdin.take();
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let (stderr_done_tx, stderr_done) = mpsc::channel();
        let readers = spawn_readers(&mut child, tx, stderr_tail.clone(), stderr_done_tx);
        let mut session = Session {
            child,
            stdin,
            rx,
            stderr_tail,
            stderr_done,
            reaped: None,
            hello: placeholder_hello(),
            startup_secs: 0.0,
        };
        readers?;
        let deadline = Instant::now() + HELLO_TIMEOUT;
        loop {
            if cancel.is_cancelled() {
                session.kill();
                return Ok(None);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not finish starting within {} s",
                    interpreter.executable.display(),
                    HELLO_TIMEOUT.as_secs()
                ));
            }
            match session.rx.recv_timeout(Duration::from_millis(20)) {
                Ok(Incoming::Message(message)) => match *message {
                    FromHarness::Hello(hello) => {
                        protocol::check_hello(&hello)?;
                        session.startup_secs = hello.t_ns.saturating_sub(started) as f64 / 1e9;
                        session.hello = hello;
                        return Ok(Some(session));
                    }
                    other => return Err(session.unexpected(other)),
                },
                Ok(other) => return Err(session.explain(other)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(session.death()),
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The start of the measured part.
    pub fn go(&mut self) -> Result<(), String> {
        let written = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(b"go\n").and_then(|()| stdin.flush()),
            None => return Err("the harness's stdin is closed".to_owned()),
        };
        written.map_err(|_| self.death())
    }

    pub fn recv(&self, timeout: Duration) -> Result<Incoming, RecvTimeoutError> {
        self.rx.recv_timeout(timeout)
    }

    /// The run's error for something the harness should not have sent (or its silence).
    pub fn explain(&mut self, incoming: Incoming) -> String {
        match incoming {
            Incoming::Message(message) => self.unexpected(*message),
            Incoming::Garbage(line) => format!("the Python harness sent an unreadable line: {line:.200}"),
            Incoming::Closed => self.death(),
        }
    }

    fn unexpected(&self, message: FromHarness) -> String {
        match message {
            FromHarness::Error { message } => format!("the Python harness failed:\n{}", message.trim_end()),
            other => format!("the Python harness sent an unexpected {other:?}"),
        }
    }

    /// "the Python harness (pid 4242) was killed by signal 9 (SIGKILL) ...", plus its stderr.
    pub fn death(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut exited = false;
        while self.reaped.is_none() && !exited && Instant::now() < deadline {
            match sys::child_has_exited(self.child.id()) {
                Ok(true) => exited = true,
                Ok(false) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break,
            }
        }
        self.kill();
        let pid = self.child.id();
        let how = match self.reaped {
            Some(reaped) if exited => reaped.exit.to_string(),
            _ => "stopped answering (the lab killed it)".to_owned(),
        };
        format!("the Python harness (pid {pid}) {how} before the run finished{}", self.last_words())
    }

    /// "; its stderr: ..." from the harness's stderr, if it said anything. Called after the
    /// group is dead, so the pipe is at its end; the reader gets a moment to get there.
    fn last_words(&self) -> String {
        let _ = self.stderr_done.recv_timeout(Duration::from_millis(500));
        let tail = self.stderr_tail.lock().map(|t| t.trim().to_owned()).unwrap_or_default();
        if tail.is_empty() { String::new() } else { format!("; its stderr:\n{tail}") }
    }

    /// Ends the session. `clean`: the harness said "done" and is shutting its pool down;
    /// give it [`EXIT_GRACE`] to exit. Then (always) the whole group is killed and the
    /// harness reaped.
    pub fn finish(&mut self, clean: bool) {
        if clean {
            let deadline = Instant::now() + EXIT_GRACE;
            while Instant::now() < deadline && matches!(sys::child_has_exited(self.child.id()), Ok(false)) {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        self.kill();
    }

    /// Kills the process group, then reaps the harness (in that order: the group's id stays
    /// reserved until the harness is reaped) and closes its stdin.
    fn kill(&mut self) {
        if self.reaped.is_some() {
            return;
        }
        let _ = sys::kill_process_group(self.child.id());
        let _ = self.child.kill();
        if let Ok(reaped) = sys::reap_child(&mut self.child, true) {
            self.reaped = reaped;
        }
        drop(self.stdin.take());
    }
}

impl Drop for Session {
    /// The safety net: no path out leaves a Python process running.
    fn drop(&mut self) {
        self.kill();
    }
}

fn placeholder_hello() -> Hello {
    Hello {
        protocol: 0,
        pid: 0,
        version: String::new(),
        implementation: String::new(),
        executable: String::new(),
        free_threaded: false,
        gil_enabled: true,
        start_method: None,
        http_client: None,
        t_ns: 0,
    }
}

/// The protocol reader (stdout) and the stderr tail, one named thread each.
fn spawn_readers(
    child: &mut Child,
    tx: mpsc::Sender<Incoming>,
    tail: Arc<Mutex<String>>,
    done: mpsc::Sender<()>,
) -> Result<(), String> {
    let stdout = child.stdout.take();
    std::thread::Builder::new()
        .name("lab-python-out".to_owned())
        .spawn(move || {
            for line in stdout.into_iter().flat_map(|out| BufReader::new(out).lines()) {
                let Ok(line) = line else { break };
                let incoming = match serde_json::from_str::<FromHarness>(&line) {
                    Ok(message) => Incoming::Message(Box::new(message)),
                    Err(_) => Incoming::Garbage(line),
                };
                if tx.send(incoming).is_err() {
                    return;
                }
            }
            let _ = tx.send(Incoming::Closed);
        })
        .map_err(|e| format!("could not start the thread that reads the Python harness: {e}"))?;
    let Some(stderr) = child.stderr.take() else { return Ok(()) };
    std::thread::Builder::new()
        .name("lab-python-err".to_owned())
        .spawn(move || {
            super::super::keep_tail(stderr, &tail, STDERR_TAIL_BYTES);
            drop(done);
        })
        .map(drop)
        .map_err(|e| format!("could not start the thread that reads the Python harness's stderr: {e}"))
}
