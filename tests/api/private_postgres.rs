//! A PostgreSQL server of one test's own (initdb in a temp folder, a free port), for tests
//! that restart or freeze the server: the shared one on 5432 serves every other test.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

pub struct PrivatePostgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

/// The folder of `initdb` and `pg_ctl`, when PostgreSQL's server programs are installed.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL program, as the `postgres` user when the tests run as root (the server
/// refuses to run as root).
fn run(bin: &Path, program: &str, args: &[&str]) -> bool {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    };
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl PrivatePostgres {
    /// A fresh, running server; `None` when PostgreSQL's server programs are not installed.
    pub fn start() -> Option<PrivatePostgres> {
        let bin = server_bin()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        if is_root() {
            let chowned = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(chowned, "chown the private cluster's folder");
        }
        let data_arg = data.to_string_lossy().into_owned();
        assert!(
            run(
                &bin,
                "initdb",
                &[
                    "-D",
                    &data_arg,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync"
                ]
            ),
            "initdb"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("address")
            .port();
        let server = PrivatePostgres {
            _dir: dir,
            data,
            bin,
            port,
        };
        assert!(server.pg_ctl(&["start"]), "start the private cluster");
        Some(server)
    }

    fn pg_ctl(&self, action: &[&str]) -> bool {
        let data = self.data.to_string_lossy().into_owned();
        let socket_dir = self.data.to_string_lossy().into_owned();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {socket_dir} -c fsync=off",
            self.port
        );
        let mut args = vec!["-D", &data, "-w", "-t", "30", "-o", &options];
        args.extend_from_slice(action);
        run(&self.bin, "pg_ctl", &args)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl restart -m immediate`: every connection dies, as in a crash.
    pub fn restart_immediately(&self) {
        assert!(self.pg_ctl(&["-m", "immediate", "restart"]), "restart");
    }

    /// The server's processes: the postmaster and its children.
    fn pids(&self) -> Vec<String> {
        let pid_file = std::fs::read_to_string(self.data.join("postmaster.pid")).expect("pid");
        let postmaster = pid_file
            .lines()
            .next()
            .expect("postmaster pid")
            .trim()
            .to_owned();
        let children = Command::new("pgrep")
            .args(["-P", &postmaster])
            .output()
            .expect("pgrep");
        let mut pids = vec![postmaster];
        pids.extend(
            String::from_utf8_lossy(&children.stdout)
                .split_whitespace()
                .map(str::to_owned),
        );
        pids
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(signal)
            .args(self.pids())
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal}");
    }

    /// Stops every process of the server (SIGSTOP): it accepts nothing and answers nothing.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.thaw_quietly();
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
    }
}

impl PrivatePostgres {
    fn thaw_quietly(&self) {
        if let Ok(pid_file) = std::fs::read_to_string(self.data.join("postmaster.pid"))
            && let Some(pid) = pid_file.lines().next()
        {
            let _ = Command::new("kill").args(["-CONT", pid.trim()]).status();
            let _ = Command::new("pkill")
                .args(["-CONT", "-P", pid.trim()])
                .status();
        }
    }
}
