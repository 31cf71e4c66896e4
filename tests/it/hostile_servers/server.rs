//! A small hostile HTTP server: an axum router on an ephemeral loopback port that logs
//! every request it receives (method, path and query, headers, body), so that a test
//! can tell what a client sent where. Plus a listener that accepts and never answers,
//! and a project directory to run the real binary against such servers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `METHOD /path?query`, every header as `name: value`, and the body, as text.
    pub text: String,
}

/// A running hostile server.
pub struct Hostile {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port.
    pub port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Serves `router` on 127.0.0.1:0, logging each request.
    pub async fn serve(router: Router) -> Hostile {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        Self::serve_on(listener, router)
    }

    /// Serves `router` on a listener bound already (so its port can be known first).
    pub fn serve_on(listener: tokio::net::TcpListener, router: Router) -> Hostile {
        let port = listener.local_addr().expect("local address").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let app = router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let sink = Arc::clone(&sink);
            async move {
                let (parts, body) = request.into_parts();
                let bytes = axum::body::to_bytes(body, 1 << 20)
                    .await
                    .unwrap_or_default();
                let mut text = format!("{} {}\n", parts.method, parts.uri);
                for (name, value) in &parts.headers {
                    text.push_str(&format!(
                        "{name}: {}\n",
                        String::from_utf8_lossy(value.as_bytes())
                    ));
                }
                text.push_str(&String::from_utf8_lossy(&bytes));
                sink.lock().expect("request log").push(Seen { text });
                next.run(Request::from_parts(parts, Body::from(bytes)))
                    .await
            }
        }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Hostile {
            url: format!("http://127.0.0.1:{port}"),
            port,
            log,
        }
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("request log").clone()
    }
}

/// A listener that accepts connections and never answers; its URL.
pub async fn silent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: Option<i32>,
    /// stdout and stderr together.
    pub output: String,
    /// How long it took.
    pub elapsed: Duration,
}

/// A project directory with a `metaform.yaml`, for running the binary.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A project whose `metaform.yaml` is `config`.
    pub fn new(config: &str) -> Project {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("metaform.yaml"), config).expect("write the config");
        std::fs::create_dir_all(dir.path().join("state")).expect("create state/");
        Project { dir }
    }

    /// Runs `metaform ARGS` in the project with `env` set.
    pub async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let started = Instant::now();
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_metaform"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("METAFORM_LOG")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(60), output)
            .await
            .expect("metaform ends within a minute")
            .expect("metaform runs");
        Run {
            code: output.status.code(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            elapsed: started.elapsed(),
        }
    }
}
