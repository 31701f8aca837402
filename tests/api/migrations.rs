//! Migrations: the same steps for both backends, applied from scratch, idempotent, and
//! matching `src/db/schema.rs`.

use byline::db::{
    Db, migrations,
    rows::{
        ArticleAuthorRow, ArticleRow, ArticleTagRow, AssetRow, AuthorRow, RevisionRow, SectionRow,
        TagRow, WebhookAttemptRow, WebhookDeliveryRow, WebhookEventRow, WebhookRow,
    },
    schema::{
        article_assets, article_authors, article_tags, articles, assets, authors, revisions,
        sections, tags, webhook_attempts, webhook_deliveries, webhook_events, webhooks,
    },
};
use diesel::{QueryableByName, RunQueryDsl, SelectableHelper, prelude::*, sql_types::BigInt};

use crate::helpers::{Backend, TestDatabase};

#[test]
fn both_backends_have_the_same_migration_steps() {
    let (postgres, sqlite) = migrations::embedded_names();
    assert!(!postgres.is_empty());
    assert_eq!(postgres, sqlite);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many columns the database has for `table`.
fn column_count(db: &Db, backend: Backend, table: &'static str) -> i64 {
    let sql = match backend {
        Backend::Sqlite => format!("SELECT COUNT(*) AS n FROM pragma_table_info('{table}')"),
        Backend::Postgres => {
            format!(
                "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'"
            )
        }
    };
    db.read_blocking(|conn| Ok(diesel::sql_query(&sql).get_result::<Count>(conn)?.n))
        .expect("count columns")
}

fn migrations_apply_and_match_the_schema(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return;
    };
    let db = Db::connect(database.url(), 1).expect("connect");
    let applied = db.migrate().expect("first run applies");
    assert_eq!(applied.len(), migrations::embedded_names().0.len());
    assert!(
        db.migrate().expect("second run").is_empty(),
        "migrating again changes nothing"
    );
    // Every column schema.rs names exists, with a type Diesel can read.
    db.read_blocking(|conn| {
        sections::table.select(SectionRow::as_select()).load(conn)?;
        authors::table.select(AuthorRow::as_select()).load(conn)?;
        tags::table.select(TagRow::as_select()).load(conn)?;
        articles::table.select(ArticleRow::as_select()).load(conn)?;
        article_authors::table
            .select(ArticleAuthorRow::as_select())
            .load(conn)?;
        article_tags::table
            .select(ArticleTagRow::as_select())
            .load(conn)?;
        revisions::table
            .select(RevisionRow::as_select())
            .load(conn)?;
        webhooks::table.select(WebhookRow::as_select()).load(conn)?;
        webhook_events::table
            .select(WebhookEventRow::as_select())
            .load(conn)?;
        webhook_deliveries::table
            .select(WebhookDeliveryRow::as_select())
            .load(conn)?;
        webhook_attempts::table
            .select(WebhookAttemptRow::as_select())
            .load(conn)?;
        assets::table.select(AssetRow::as_select()).load(conn)?;
        article_assets::table
            .select((article_assets::article_id, article_assets::asset_id))
            .load::<(String, String)>(conn)?;
        Ok(())
    })
    .expect("schema.rs matches the migrated database");
    // …and the database has no column schema.rs lacks.
    for (table, columns) in [
        ("sections", 6),
        ("authors", 9),
        ("tags", 7),
        ("articles", 29),
        ("api_keys", 7),
        ("article_slugs", 3),
        ("tombstones", 3),
        ("server_secrets", 3),
        ("article_authors", 3),
        ("article_tags", 4),
        ("revisions", 6),
        ("tombstone_slugs", 3),
        ("webhooks", 8),
        ("webhook_events", 7),
        ("webhook_deliveries", 11),
        ("webhook_attempts", 6),
        ("assets", 16),
        ("article_assets", 2),
    ] {
        assert_eq!(
            column_count(&db, backend, table),
            columns,
            "columns of {table}"
        );
    }
}

#[test]
fn migrations_apply_and_match_the_schema_on_sqlite() {
    migrations_apply_and_match_the_schema(Backend::Sqlite);
}

#[test]
fn migrations_apply_and_match_the_schema_on_postgres() {
    migrations_apply_and_match_the_schema(Backend::Postgres);
}

/// The migrated SQLite schema reads in the system's own `sqlite3` shell, which may be older
/// than the SQLite Byline bundles: an operator's backup or inspection must not find the
/// schema "malformed" (as `ORDER BY` inside `group_concat`, SQLite 3.44+, made it).
#[test]
fn the_sqlite_schema_reads_in_the_system_sqlite3_shell() {
    let Ok(version) = std::process::Command::new("sqlite3")
        .arg("--version")
        .output()
    else {
        eprintln!("no sqlite3 shell on PATH: skipped");
        return;
    };
    assert!(version.status.success());
    let Some(database) = TestDatabase::create(Backend::Sqlite) else {
        return;
    };
    Db::connect(database.url(), 1)
        .expect("connect")
        .migrate()
        .expect("migrate");
    let byline::config::DatabaseUrl::Sqlite(path) = database.url() else {
        unreachable!("a SQLite database");
    };
    let shell = std::process::Command::new("sqlite3")
        .arg("-readonly")
        .arg(path)
        .arg("SELECT count(*) FROM sqlite_master; SELECT count(*) FROM article_fts;")
        .output()
        .expect("run sqlite3");
    assert!(
        shell.status.success() && shell.stderr.is_empty(),
        "sqlite3 {}: {}",
        String::from_utf8_lossy(&version.stdout).trim(),
        String::from_utf8_lossy(&shell.stderr)
    );
}
