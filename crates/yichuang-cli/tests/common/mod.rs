//! Helpers of the tests that run the real `yichuang serve` binary.

#![allow(clippy::unwrap_used, dead_code, reason = "tests")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_yichuang");

/// Starts the server on the data directory `dir` (and the PostgreSQL database `database_url`,
/// else SQLite in `dir`) and returns it with its base address once it listens.
pub(crate) async fn serve(dir: &Path, database_url: Option<&str>) -> (Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir)
        .env_remove("YICHUANG_DATABASE_URL")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://127.0.0.1:") {
                let _ = tx.send(line[i..].trim_end_matches('/').to_owned());
            }
        }
    });
    let base =
        tokio::task::spawn_blocking(move || rx.recv().expect("server announces its address"))
            .await
            .unwrap();
    (child, base)
}

/// An API token of the demo account `user`.
pub(crate) async fn token(client: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": user, "password": "demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().expect("a token").to_owned()
}
