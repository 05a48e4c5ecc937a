//! The I/O a task can do: an HTTP GET to the run's embedded server (a blocking `ureq` client
//! for threads and processes, an async `reqwest` client on event loops) and a temp-file round
//! trip (std::fs when blocking; tokio::fs on event loops, which is itself a thread pool: every
//! tokio::fs call is a `spawn_blocking` underneath). Nothing is left behind: temp files are
//! removed on every path out, including a cancelled task.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::error::{IoError, SetupError};

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

    /// A GET answered after `delay_millis`, blocking this thread.
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

    /// Writes `kib` KiB to a new temp file, fsyncs, reads it back and deletes it (std::fs).
    pub fn file_blocking(&self, kib: u64) -> Result<(), IoError> {
        let dir = self.file_dir()?;
        let data = payload(kib);
        let fail = |what, cause| IoError::File { dir: dir.to_owned(), what, cause };
        // NamedTempFile deletes itself on drop, so an error or a panic leaves nothing behind
        // (and a worker process killed mid-write is cleaned up by the app: its pid is in the name).
        let mut file = tempfile::Builder::new()
            .prefix(&temp_prefix(std::process::id()))
            .tempfile_in(dir)
            .map_err(|e| fail("cannot create a temp file", e))?;
        file.write_all(&data).map_err(|e| fail("write", e))?;
        file.as_file().sync_all().map_err(|e| fail("fsync", e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| fail("seek", e))?;
        let mut back = Vec::with_capacity(data.len());
        file.read_to_end(&mut back).map_err(|e| fail("read", e))?;
        file.close().map_err(|e| fail("delete", e))?;
        check_len(back.len(), data.len())
    }

    /// The same round trip with tokio::fs (each call runs on tokio's blocking thread pool).
    pub async fn file_async(&self, kib: u64) -> Result<(), IoError> {
        let dir = self.file_dir()?;
        let data = payload(kib);
        let fail = |what, cause| IoError::File { dir: dir.to_owned(), what, cause };
        let path = dir.join(unique_name());
        let guard = RemoveOnDrop(Some(path.clone()));
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(|e| fail("cannot create a temp file", e))?;
        file.write_all(&data).await.map_err(|e| fail("write", e))?;
        file.sync_all().await.map_err(|e| fail("fsync", e))?;
        drop(file);
        let back = tokio::fs::read(&path).await.map_err(|e| fail("read", e))?;
        tokio::fs::remove_file(&path).await.map_err(|e| fail("delete", e))?;
        guard.disarm();
        check_len(back.len(), data.len())
    }
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

fn payload(kib: u64) -> Vec<u8> {
    vec![0xA5; usize::try_from(kib.saturating_mul(1024)).unwrap_or(0)]
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

/// Checks, before a `file` run, that `dir` takes new files: a clear error up front instead of
/// every task failing.
pub fn check_temp_dir(dir: &Path) -> Result<(), SetupError> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .and_then(|probe| probe.close())
        .map_err(|cause| SetupError::TempDir { dir: dir.to_owned(), cause })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let io = IoTargets::new(None, Some(dir.path().to_owned())).unwrap();
        io.file_blocking(4).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(io.file_async(4)).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
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
    fn an_unusable_temp_dir_is_named() {
        let msg = check_temp_dir(Path::new("/proc/version/not-a-dir")).unwrap_err().to_string();
        assert!(msg.contains("/proc/version/not-a-dir") && msg.contains("TMPDIR"), "{msg}");
    }
}
