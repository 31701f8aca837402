//! A PostgreSQL session of its own, outside the pool, that `LISTEN`s on one channel: how an
//! instance hears the changes other instances commit.

use diesel::{connection::SimpleConnection, pg::PgConnection, prelude::*};

use super::first_line;

/// One listening session.
pub struct Listening {
    conn: PgConnection,
}

impl Listening {
    /// Connects to `url`, names the session `application_name` (so operators, and tests,
    /// find it in `pg_stat_activity`) and listens on `channel`. Notifications committed
    /// before this returns are not heard.
    pub fn open(url: &str, channel: &str, application_name: &str) -> Result<Listening, String> {
        let mut conn = PgConnection::establish(&with_liveness(url))
            .map_err(|e| first_line(&e.to_string()).to_owned())?;
        conn.batch_execute(&format!(
            "SET application_name = {}; LISTEN {}",
            quote_literal(application_name),
            quote_ident(channel),
        ))
        .map_err(|e| first_line(&e.to_string()).to_owned())?;
        Ok(Listening { conn })
    }

    /// The payloads on the channel that arrived since the last call, without waiting; an
    /// error when the session is gone.
    pub fn drain(&mut self) -> Result<Vec<String>, String> {
        let mut payloads = Vec::new();
        for notification in self.conn.notifications_iter() {
            let notification = notification.map_err(|e| first_line(&e.to_string()).to_owned())?;
            payloads.push(notification.payload);
        }
        Ok(payloads)
    }

    /// Whether the session still answers: a connection that died without closing (a
    /// network cut) gives no error to [`Listening::drain`].
    pub fn ping(&mut self) -> Result<(), String> {
        self.conn
            .batch_execute("SELECT 1")
            .map_err(|e| first_line(&e.to_string()).to_owned())
    }
}

/// TCP settings that make a dead network an error within about ten seconds, even on an idle
/// session (the defaults wait hours), unless the URL sets its own.
const LIVENESS: [(&str, &str); 4] = [
    ("keepalives_idle", "5"),
    ("keepalives_interval", "2"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "10000"),
];

fn with_liveness(url: &str) -> String {
    let mut url = super::connection::with_connect_timeout(url);
    for (name, value) in LIVENESS {
        if !url.contains(&format!("{name}=")) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("{name}={value}"));
        }
    }
    url
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
