//! The embedded HTTP server of an `http` run: axum on its own current-thread tokio runtime in
//! a named thread (`lab-http-server`), listening on 127.0.0.1 with an ephemeral port. The
//! engine starts it before the first repetition, outside the measured backend, and stops it
//! when the run ends, or at once when the run is stopped: closing every connection is what
//! ends the requests in flight (a blocking client cannot be interrupted otherwise).
//! `GET /delay/{ms}` answers after `ms` milliseconds with a small JSON body, like the
//! articles' "what is my IP" service without the internet.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::Notify;

use super::error::SetupError;

/// Pending connections the listener queues: a run may open a thousand at once.
const BACKLOG: u32 = 4096;

/// A running server; stopped (and its thread joined) on drop.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    /// Binds `bind` (default 127.0.0.1:0) and starts serving. Binding happens here, so a port
    /// that is taken is a clear error before anything runs.
    pub fn start(bind: Option<SocketAddr>) -> Result<Self, SetupError> {
        let bind = bind.unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
        let fail = |what, cause| SetupError::HttpServer { bind, what, cause };
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail("tokio runtime", e))?;
        let listener = runtime.block_on(async {
            let socket = if bind.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }
                .map_err(|e| fail("socket", e))?;
            socket.bind(bind).map_err(|e| fail("bind", e))?;
            socket.listen(BACKLOG).map_err(|e| fail("listen", e))
        })?;
        let addr = listener.local_addr().map_err(|e| fail("local address", e))?;
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let app = Router::new().route("/delay/{millis}", get(delay));
        let thread = std::thread::Builder::new()
            .name("lab-http-server".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        () = stopped.notified() => {}
                    }
                });
                // Dropping the runtime drops every open connection.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(|e| fail("thread", e))?;
        Ok(Self { addr, stop, thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[cfg(test)]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Something that stops the server from any thread (without waiting for it): it stops
    /// listening and closes every open connection.
    pub fn stopper(&self) -> impl FnOnce() + Send + 'static {
        let stop = self.stop.clone();
        move || stop.notify_one()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn delay(Path(millis): Path<u64>) -> impl IntoResponse {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    ([(header::CONTENT_TYPE, "application/json")], format!("{{\"origin\":\"127.0.0.1\",\"delay_ms\":{millis}}}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::io::IoTargets;

    #[test]
    fn answers_after_the_delay_and_stops() {
        let server = HttpServer::start(None).unwrap();
        let io = IoTargets::new(Some(server.base_url()), None).unwrap();
        let start = std::time::Instant::now();
        io.get_blocking(30).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(30));
        let addr = server.addr();
        drop(server);
        assert!(std::net::TcpStream::connect(addr).is_err(), "the port is closed after the run");
    }

    #[test]
    fn stopping_ends_a_request_in_flight() {
        let server = HttpServer::start(None).unwrap();
        let io = IoTargets::new(Some(server.base_url()), None).unwrap();
        let stop = server.stopper();
        let request = std::thread::spawn(move || io.get_blocking(30_000));
        std::thread::sleep(Duration::from_millis(100));
        let start = std::time::Instant::now();
        stop();
        let outcome = request.join().expect("the request thread ends");
        assert!(outcome.is_err(), "a closed connection fails the request");
        assert!(start.elapsed() < Duration::from_secs(5), "ended in {:?}", start.elapsed());
    }

    #[test]
    fn a_taken_port_is_a_clear_error() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let msg = HttpServer::start(Some(addr)).unwrap_err().to_string();
        assert!(msg.contains(&format!("could not start the HTTP server on {addr}: bind")), "{msg}");
    }
}
