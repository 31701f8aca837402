//! The `byline` command line, run as a user would.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use crate::helpers::{Backend, TestDatabase};

pub(crate) fn byline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("run byline")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_explains_each_command() {
    let out = byline(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "migrate", "seed"] {
        assert!(help.contains(command), "--help lists {command}: {help}");
    }
    let seed = text(&byline(&["seed", "--help"]).stdout);
    for flag in ["--demo", "--synthetic", "--rng-seed", "--database-url"] {
        assert!(seed.contains(flag), "seed --help lists {flag}");
    }
}

#[test]
fn bad_database_urls_fail_with_one_clear_line() {
    for (url, says) in [
        ("mysql://localhost/x", "unsupported database URL scheme"),
        (
            "postgres://postgres@127.0.0.1:1/nothing",
            "cannot connect to postgres://",
        ),
    ] {
        let out = byline(&["migrate", "--database-url", url]);
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("byline: ") && err.contains(says),
            "{url}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn seed_without_a_choice_is_a_usage_error() {
    let out = byline(&["seed"]);
    assert_eq!(out.status.code(), Some(2));
}

fn migrate_and_seed_demo(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return;
    };
    let url = database.url_arg();
    let out = byline(&["migrate", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let steps = byline::db::migrations::embedded_names().0.len();
    assert!(text(&out.stdout).contains(&format!("{steps} migration(s) applied")));
    let again = byline(&["migrate", "--database-url", &url]);
    assert!(text(&again.stdout).contains("0 migration(s) applied"));
    let seeded = byline(&["seed", "--demo", "--database-url", &url]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    assert!(text(&seeded.stdout).contains("Loaded the demo newsroom: 15 articles."));
    let twice = byline(&["seed", "--demo", "--database-url", &url]);
    assert!(
        text(&twice.stdout).contains("already has articles"),
        "seeding twice adds nothing"
    );
    let synthetic = byline(&["seed", "--synthetic", "10", "--database-url", &url]);
    assert_eq!(
        synthetic.status.code(),
        Some(1),
        "synthetic content goes into an empty database only: {:?} {}",
        synthetic.status,
        text(&synthetic.stderr)
    );
}

#[test]
fn migrate_and_seed_demo_on_sqlite() {
    migrate_and_seed_demo(Backend::Sqlite);
}

#[test]
fn migrate_and_seed_demo_on_postgres() {
    migrate_and_seed_demo(Backend::Postgres);
}

fn seed_synthetic(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return;
    };
    let url = database.url_arg();
    let out = byline(&[
        "seed",
        "--synthetic",
        "1500",
        "--rng-seed",
        "7",
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Generated 1500 articles"),
        "{}",
        text(&out.stdout)
    );
    let db = byline::db::Db::connect(database.url(), 1).expect("connect");
    let count = db
        .read_blocking(|conn| Ok(byline::db::queries::articles::count_all(conn)?))
        .expect("count");
    assert_eq!(count, 1500);
}

#[test]
fn seed_synthetic_on_sqlite() {
    seed_synthetic(Backend::Sqlite);
}

#[test]
fn seed_synthetic_on_postgres() {
    seed_synthetic(Backend::Postgres);
}

/// Starts `serve` (a `byline serve …` command) in `dir` on the default database there, and
/// answers the child with the URL on the first line of its banner that starts with `label`.
pub(crate) fn spawn_serve(
    mut serve: Command,
    dir: &std::path::Path,
    label: &str,
) -> (std::process::Child, String) {
    let mut child = serve
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start byline serve");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, lines) = std::sync::mpsc::channel();
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let line = lines
        .iter()
        .find(|line| line.trim_start().starts_with(label))
        .expect("serve prints where it answers");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a URL")
        .to_owned();
    (child, url)
}

/// `byline serve --demo`, the README's run command, answers on the address it prints.
#[actix_web::test]
async fn serve_with_demo_prints_where_to_point_curl_and_answers_there() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_byline"));
    serve
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "error");
    let (mut child, url) = spawn_serve(serve, dir.path(), "REST:");
    let body: serde_json::Value = reqwest::get(&url)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(3));
    child.kill().expect("stop");
    let _ = child.wait();
    assert!(
        dir.path().join("data/byline.db").exists(),
        "the default database lives in ./data/"
    );
}

/// A real `byline serve` under clients' mistakes writes no ERROR line, and on SIGTERM drains
/// (readiness 503 first) and exits cleanly.
#[actix_web::test]
async fn serve_logs_no_errors_for_bad_requests_and_stops_gracefully_on_sigterm() {
    use std::io::{Read as _, Write as _};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_byline"));
    serve
        .args(["serve", "--bind", "127.0.0.1:0", "--shutdown-drain", "1"])
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped());
    let (mut child, ready_url) = spawn_serve(serve, dir.path(), "Health:");
    let address = ready_url
        .trim_start_matches("http://")
        .trim_end_matches("/readyz")
        .to_owned();
    let garbage: [&[u8]; 5] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ];
    let oversize = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(64 * 1024));
    for request in garbage.iter().copied().chain([oversize.as_bytes()]) {
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("timeout");
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    }
    assert_eq!(reqwest::get(&ready_url).await.expect("ready").status(), 200);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Draining: still answering, not ready.
    let draining = reqwest::get(&ready_url).await.expect("draining readyz");
    assert_eq!(draining.status(), 503);
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit status {status}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(
        errors.is_empty(),
        "ERROR lines for client mistakes: {errors:?}"
    );
}
