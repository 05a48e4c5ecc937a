//! The I/O a task can do: an HTTP GET to the run's embedded server (a blocking `ureq` client
//! for threads and processes, an async `reqwest` client on event loops) and a temp-file round
//! trip (std::fs when blocking; on event loops each file call goes to the runtime's blocking
//! thread pool, as tokio::fs and aiofiles do), written and read in 1 MiB chunks with a look at
//! the cancel token between them. Nothing is left behind: temp files are removed on
//! every path out, including a cancelled task, and live in the run's own directory
//! ([`super::run_dir`]), which goes when the run ends.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::cancel::CancelToken;
use super::error::{IoError, SetupError};
use super::workload::TaskFailure;

/// Requests give up after this long (the server answers after at most 60 s).
const HTTP_TIMEOUT: Duration = Duration::from_secs(90);

/// Where a run's I/O goes: its HTTP server (for `http`) and its temp directory (for `file`).
#[derive(Clone, Debug, Default)]
pub struct IoTargets {
    pub http: Option<HttpClients>,
    pub file_dir: Option<PathBuf>,
}

impl IoTargets {
    /// Targets for a server at `base_url` (e.g. `http://127.0.0.1:4242`) and a temp dir.
    pub fn new(base_url: Option<String>, file_dir: Option<PathBuf>) -> Result<Self, SetupError> {
        let http = base_url.map(HttpClients::new).transpose()?;
        Ok(Self { http, file_dir })
    }

    /// The server's base URL, for worker processes.
    pub fn http_base_url(&self) -> Option<&str> {
        self.http.as_ref().map(|h| h.base_url.as_str())
    }

    fn http(&self) -> Result<&HttpClients, IoError> {
        self.http.as_ref().ok_or(IoError::NoServer)
    }

    fn file_dir(&self) -> Result<&Path, IoError> {
        self.file_dir.as_deref().ok_or(IoError::NoTempDir)
    }

    /// A GET answered after `delay_millis`, blocking this thread. Stop does not wait for it:
    /// cancelling a run closes the run's server, which ends the request at once.
    pub fn get_blocking(&self, delay_millis: u64) -> Result<(), IoError> {
        let http = self.http()?;
        let url = http.url(delay_millis);
        let fail = |cause: String| IoError::Http { url: url.clone(), cause };
        let mut response = http.blocking.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let body = response.body_mut().read_to_string().map_err(|e| fail(format!("reading the body: {e}")))?;
        check_body(&url, body)
    }

    /// A GET answered after `delay_millis`, awaiting on the current event loop.
    pub async fn get_async(&self, delay_millis: u64) -> Result<(), IoError> {
        let http = self.http()?;
        let url = http.url(delay_millis);
        let fail = |cause: String| IoError::Http { url: url.clone(), cause };
        let response = http.nonblocking.get(&url).send().await.map_err(|e| fail(e.to_string()))?;
        let response = response.error_for_status().map_err(|e| fail(e.to_string()))?;
        let body = response.text().await.map_err(|e| fail(format!("reading the body: {e}")))?;
        check_body(&url, body)
    }

    /// Writes `kib` KiB to a new temp file in chunks, fsyncs, reads it back in chunks and
    /// deletes it (std::fs). The token is checked between chunks, so Stop waits for at most one
    /// chunk (or the one fsync).
    pub fn file_blocking(&self, kib: u64, cancel: &CancelToken) -> Result<(), TaskFailure> {
        let dir = self.file_dir()?;
        let total = file_bytes(kib);
        let fail = |what, cause| IoError::File { dir: dir.to_owned(), what, cause };
        // NamedTempFile deletes itself on drop, so an error, a stop or a panic leaves nothing
        // behind (and a worker process killed mid-write leaves it in the run's directory,
        // which the app removes).
        let mut file = tempfile::Builder::new()
            .prefix(&temp_prefix(std::process::id()))
            .tempfile_in(dir)
            .map_err(|e| fail("cannot create a temp file", e))?;
        let mut written = 0;
        while written < total {
            cancel.check()?;
            let part = &chunk()[..(total - written).min(CHUNK_BYTES)];
            file.write_all(part).map_err(|e| fail("write", e))?;
            written += part.len();
        }
        cancel.check()?;
        file.as_file().sync_all().map_err(|e| fail("fsync", e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| fail("seek", e))?;
        let mut buffer = vec![0; total.clamp(1, CHUNK_BYTES)];
        let mut read = 0;
        loop {
            cancel.check()?;
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => read += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail("read", e).into()),
            }
        }
        file.close().map_err(|e| fail("delete", e))?;
        Ok(check_len(read, total)?)
    }

    /// The same round trip from an event loop: every file call (open, each chunk, fsync, seek,
    /// delete) is handed to the runtime's blocking thread pool and awaited, exactly as tokio::fs
    /// (and Python's aiofiles) do underneath. Unlike tokio::fs's writes, a call still queued
    /// when the run stops is dropped rather than run, and each looks at the token first, so
    /// Stop waits only for the calls already running.
    pub async fn file_async(&self, kib: u64, cancel: &CancelToken) -> Result<(), TaskFailure> {
        let dir = self.file_dir()?;
        let total = file_bytes(kib);
        let fail = |what, cause| IoError::File { dir: dir.to_owned(), what, cause };
        let path = dir.join(unique_name());
        // Removes the file however the task ends, including when the loop drops it (Stop).
        let guard = RemoveOnDrop(Some(path.clone()));
        let create = path.clone();
        let open = move || std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(create);
        let file = Arc::new(on_pool(cancel, open).await?.map_err(|e| fail("cannot create a temp file", e))?);
        let mut written = 0;
        while written < total {
            let (file, len) = (file.clone(), (total - written).min(CHUNK_BYTES));
            on_pool(cancel, move || (&*file).write_all(&chunk()[..len])).await?.map_err(|e| fail("write", e))?;
            written += len;
        }
        let synced = file.clone();
        on_pool(cancel, move || synced.sync_all()).await?.map_err(|e| fail("fsync", e))?;
        let rewound = file.clone();
        on_pool(cancel, move || (&*rewound).seek(SeekFrom::Start(0))).await?.map_err(|e| fail("seek", e))?;
        let mut buffer = vec![0; total.clamp(1, CHUNK_BYTES)];
        let mut read = 0;
        loop {
            let file = file.clone();
            let (back, got) = on_pool(cancel, move || {
                let got = (&*file).read(&mut buffer);
                (buffer, got)
            })
            .await?;
            buffer = back;
            match got {
                Ok(0) => break,
                Ok(n) => read += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail("read", e).into()),
            }
        }
        drop(file);
        on_pool(cancel, move || std::fs::remove_file(path)).await?.map_err(|e| fail("delete", e))?;
        guard.disarm();
        Ok(check_len(read, total)?)
    }
}

/// Runs one blocking file call on the runtime's blocking pool and awaits it (what tokio::fs
/// does for each call), unless the run has been stopped by the time a thread takes it.
async fn on_pool<T: Send + 'static>(
    cancel: &CancelToken,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailure> {
    cancel.check()?;
    let token = cancel.clone();
    let ran = tokio::task::spawn_blocking(move || token.check().map(|()| call())).await;
    ran.map_err(|e| IoError::BlockingCall(e.to_string()))?.map_err(TaskFailure::from)
}

/// File I/O goes in chunks of this size: Stop waits for at most one, and a task holds two
/// buffers of at most this size (its data is written from one shared chunk).
pub const CHUNK_BYTES: usize = 1 << 20;

/// The bytes every file task writes, one chunk of them, shared.
fn chunk() -> &'static [u8] {
    static CHUNK: std::sync::OnceLock<Box<[u8]>> = std::sync::OnceLock::new();
    CHUNK.get_or_init(|| vec![0xA5; CHUNK_BYTES].into_boxed_slice())
}

fn file_bytes(kib: u64) -> usize {
    usize::try_from(kib.saturating_mul(1024)).unwrap_or(usize::MAX)
}

/// The blocking and the async client of one run, both pointed at its server.
#[derive(Clone, Debug)]
pub struct HttpClients {
    base_url: String,
    blocking: ureq::Agent,
    nonblocking: reqwest::Client,
}

impl HttpClients {
    pub fn new(base_url: String) -> Result<Self, SetupError> {
        // No proxies: the server is on loopback, and an HTTP_PROXY in the environment must
        // not turn a lab measurement into a proxy measurement.
        let blocking: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(HTTP_TIMEOUT))
            .proxy(None)
            .max_idle_connections(1024)
            .max_idle_connections_per_host(1024)
            .build()
            .into();
        let nonblocking = reqwest::Client::builder()
            .no_proxy()
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| SetupError::HttpClient(e.to_string()))?;
        Ok(Self { base_url, blocking, nonblocking })
    }

    fn url(&self, delay_millis: u64) -> String {
        format!("{}/delay/{delay_millis}", self.base_url)
    }
}

fn check_body(url: &str, body: String) -> Result<(), IoError> {
    if body.contains("\"delay_ms\"") { Ok(()) } else { Err(IoError::Body { url: url.to_owned(), body }) }
}

fn check_len(read: usize, wrote: usize) -> Result<(), IoError> {
    if read == wrote { Ok(()) } else { Err(IoError::ShortRead { wrote, read }) }
}

/// Temp files of this lab start with this, so a leftover would be easy to spot.
pub const TEMP_PREFIX: &str = "concurrency-lab-";

/// The prefix of every temp file process `pid` creates.
pub fn temp_prefix(pid: u32) -> String {
    format!("{TEMP_PREFIX}{pid}-")
}

/// Removes the temp files a (dead) process `pid` left in `dir`; returns how many.
pub fn remove_leftovers(dir: &Path, pid: u32) -> usize {
    let prefix = temp_prefix(pid);
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|name| name.starts_with(&prefix)))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}{}.tmp", temp_prefix(std::process::id()), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Deletes the file when dropped, unless disarmed: a cancelled task leaves nothing behind.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_leaves_nothing_behind() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let io = IoTargets::new(None, Some(dir.path().to_owned())).map_err(|e| e.to_string())?;
        let cancel = CancelToken::new();
        // 4 KiB, and 2.5 chunks: the last chunk is a partial one.
        for kib in [4, 2560] {
            io.file_blocking(kib, &cancel).map_err(|e| format!("{e:?}"))?;
            let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(|e| e.to_string())?;
            runtime.block_on(io.file_async(kib, &cancel)).map_err(|e| format!("{e:?}"))?;
        }
        let left = std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(usize::MAX);
        assert_eq!(left, 0);
        Ok(())
    }

    #[test]
    fn leftovers_of_a_dead_process_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["concurrency-lab-77-a", "concurrency-lab-77-b", "concurrency-lab-770-c", "other"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(remove_leftovers(dir.path(), 77), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["concurrency-lab-770-c", "other"]);
    }

    #[test]
    fn a_cancelled_file_task_stops_and_leaves_nothing() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let io = IoTargets::new(None, Some(dir.path().to_owned())).map_err(|e| e.to_string())?;
        let cancel = CancelToken::new();
        cancel.cancel();
        assert!(matches!(io.file_blocking(64 * 1024, &cancel), Err(TaskFailure::Cancelled)));
        let runtime = tokio::runtime::Builder::new_current_thread().build().map_err(|e| e.to_string())?;
        assert!(matches!(runtime.block_on(io.file_async(64 * 1024, &cancel)), Err(TaskFailure::Cancelled)));
        let left = std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(usize::MAX);
        assert_eq!(left, 0);
        Ok(())
    }
}
