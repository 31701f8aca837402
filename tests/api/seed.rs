//! `byline seed --synthetic` builds the search index in bulk, with the search triggers held off:
//! the index must be the one the triggers build, and the triggers must be back afterwards.

use std::collections::HashMap;

use byline::{
    auth::Role,
    db::{
        Db, queries,
        rows::{ArticleAuthorRow, ArticleRow, ArticleTagRow},
        schema::{article_authors, article_tags, articles},
    },
    domain::{
        article::ArticleFilter,
        search::{SearchQuery, SearchSort},
    },
};
use diesel::{QueryableByName, RunQueryDsl, SelectableHelper, prelude::*, sql_types::Text};
use serde_json::json;

use crate::{
    cli::{byline, text},
    helpers::{Backend, TestApp, open_content},
    on_both_backends,
};

/// More than one of the seed's batches of a thousand, so the second batch is indexed in a
/// database that already holds articles.
const ARTICLES: usize = 1200;

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Line {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    value: String,
}

fn lines(db: &Db, sql: &str) -> Vec<Line> {
    db.read_blocking(|conn| Ok(diesel::sql_query(sql).load::<Line>(conn)?))
        .expect(sql)
}

/// Every trigger: its name, and its definition as the database reports it.
fn trigger_definitions(db: &Db, backend: Backend) -> Vec<Line> {
    lines(
        db,
        match backend {
            Backend::Sqlite => {
                "SELECT name AS key, tbl_name || ': ' || sql AS value \
                 FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT t.tgname::text AS key, \
                 pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text AS value \
                 FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY t.tgname"
            }
        },
    )
}

/// The whole search index, row by row: on SQLite each article's search id and FTS5 row, on
/// PostgreSQL each article's configuration and document, and the configurations in use.
fn index_rows(db: &Db, backend: Backend) -> Vec<Line> {
    match backend {
        Backend::Sqlite => {
            // The FTS5 index must also agree with the rows it indexes.
            db.read_blocking(|conn| {
                Ok(diesel::sql_query(
                    "INSERT INTO article_fts (article_fts) VALUES ('integrity-check')",
                )
                .execute(conn)?)
            })
            .expect("FTS5 integrity check");
            let count = lines(
                db,
                "SELECT 'rows' AS key, CAST(count(*) AS TEXT) AS value FROM article_fts",
            );
            let mut rows = lines(
                db,
                "SELECT CAST(m.fts_rowid AS TEXT) || ' ' || m.article_id AS key, \
                 coalesce(f.title || char(10) || f.standfirst || char(10) || f.body || char(10) \
                 || f.tags || char(10) || f.authors, 'no FTS5 row') AS value \
                 FROM article_search_ids m LEFT JOIN article_fts f ON f.rowid = m.fts_rowid \
                 ORDER BY m.fts_rowid",
            );
            rows.extend(count);
            rows
        }
        Backend::Postgres => {
            let mut rows = lines(
                db,
                "SELECT article_id AS key, config::text || ' ' || document::text AS value \
                 FROM article_search ORDER BY article_id",
            );
            rows.extend(lines(
                db,
                "SELECT 'config' AS key, config::text AS value FROM search_configs ORDER BY config::text",
            ));
            rows
        }
    }
}

/// One search result: id, score to the bit, sort time, snippet.
type Answer = (String, u64, String, Option<String>);

/// What search answers for a few queries.
fn search_answers(db: &Db) -> Vec<(String, Vec<Answer>)> {
    let queries = [
        "budget",
        "almeida",
        "agency",
        "\"rule of law\"",
        "tariffs or fisheries",
        "warsaw -tariffs",
        "summit council",
    ];
    queries
        .iter()
        .map(|q| {
            let query = SearchQuery::parse(q).expect("query");
            let hits = db
                .read_blocking(|conn| {
                    Ok(queries::search::search(
                        conn,
                        &queries::visibility::Scope::Any,
                        &ArticleFilter::default(),
                        &query,
                        SearchSort::Relevance,
                        None,
                        40,
                    )?)
                })
                .expect("search");
            let hits = hits
                .into_iter()
                .map(|h| (h.id, h.score.to_bits(), h.time.to_string(), h.snippet))
                .collect();
            ((*q).to_owned(), hits)
        })
        .collect()
}

/// Deletes every article and inserts the same rows again as the seed does (batches of a
/// thousand, articles then bylines then tagging, in the original order), with the triggers
/// keeping the index.
fn reload_through_the_triggers(db: &Db, order: &[String]) {
    let (rows, bylines, tagging) = db
        .read_blocking(|conn| {
            Ok((
                articles::table.select(ArticleRow::as_select()).load(conn)?,
                article_authors::table
                    .select(ArticleAuthorRow::as_select())
                    .load(conn)?,
                article_tags::table
                    .select(ArticleTagRow::as_select())
                    .load(conn)?,
            ))
        })
        .expect("read the articles");
    let mut rows: HashMap<String, ArticleRow> =
        rows.into_iter().map(|row| (row.id.clone(), row)).collect();
    let rows: Vec<ArticleRow> = order
        .iter()
        .map(|id| rows.remove(id).expect("an indexed article"))
        .collect();
    assert_eq!(rows.len(), ARTICLES, "every article is indexed");
    db.write_blocking(|conn| Ok(diesel::delete(articles::table).execute(conn)?))
        .expect("delete the articles");
    for chunk in rows.chunks(1000) {
        let ids: Vec<&str> = chunk.iter().map(|row| row.id.as_str()).collect();
        let bylines: Vec<ArticleAuthorRow> = bylines
            .iter()
            .filter(|b| ids.contains(&b.article_id.as_str()))
            .cloned()
            .collect();
        let tagging: Vec<ArticleTagRow> = tagging
            .iter()
            .filter(|t| ids.contains(&t.article_id.as_str()))
            .cloned()
            .collect();
        db.write_blocking(|conn| {
            Ok(queries::articles::insert_many(
                conn, chunk, &bylines, &tagging,
            )?)
        })
        .expect("insert through the triggers");
    }
}

on_both_backends!(synthetic_seed_indexes_as_the_triggers_do, |app| {
    let db = app.content.db().clone();
    let migrated_triggers = trigger_definitions(&db, app.backend);
    assert!(
        migrated_triggers.len() >= 10,
        "the search triggers exist: {migrated_triggers:?}"
    );

    let seeded = byline(&[
        "seed",
        "--synthetic",
        &ARTICLES.to_string(),
        "--rng-seed",
        "11",
        "--database-url",
        &app.database.url_arg(),
    ]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));

    // The triggers are back, exactly as migrated (and enabled, on PostgreSQL).
    assert_eq!(trigger_definitions(&db, app.backend), migrated_triggers);

    let bulk_index = index_rows(&db, app.backend);
    let bulk_answers = search_answers(&db);
    assert!(
        bulk_answers.iter().all(|(_, hits)| !hits.is_empty()),
        "each query finds synthetic articles: {:?}",
        bulk_answers
            .iter()
            .map(|(q, hits)| (q, hits.len()))
            .collect::<Vec<_>>()
    );

    // The same articles through the triggers, one batch after another: the same index, the
    // same answers (ranks to the bit, snippets).
    let order: Vec<String> = match app.backend {
        // Search ids follow insertion order.
        Backend::Sqlite => bulk_index
            .iter()
            .filter_map(|line| line.key.split_once(' ').map(|(_, id)| id.to_owned()))
            .collect(),
        Backend::Postgres => bulk_index
            .iter()
            .filter(|line| line.key != "config")
            .map(|line| line.key.clone())
            .collect(),
    };
    reload_through_the_triggers(&db, &order);
    let trigger_index = index_rows(&db, app.backend);
    assert_eq!(bulk_index.len(), trigger_index.len());
    for (bulk, triggered) in bulk_index.iter().zip(&trigger_index) {
        assert_eq!(bulk, triggered, "index rows differ");
    }
    assert_eq!(search_answers(&db), bulk_answers);

    // The triggers work after the seed: an article written through the admin API is found,
    // by its text and by its author's name.
    article_written_after_the_seed_is_found(&app).await;
});

async fn article_written_after_the_seed_is_found(app: &TestApp) {
    let (_, key) = app
        .content
        .create_key("desk".into(), Role::Editor)
        .await
        .expect("create key");
    let created = app
        .client
        .post(format!("{}/admin/v1/articles", app.base))
        .bearer_auth(&key)
        .json(&json!({
            "slug": "quokka-census",
            "title": "Quokka census in Luxembourg",
            "body": "Rangers counted **quokkas** for the first time.",
            "section": "economy",
            "authors": ["ana-almeida-0"],
            "tags": ["ana-almeida-0"],
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let id = created["data"]["id"].as_str().expect("id");
    let published = app
        .client
        .post(format!("{}/admin/v1/articles/{id}/publish", app.base))
        .bearer_auth(&key)
        .header("If-Match", "\"v1\"")
        .send()
        .await
        .expect("publish");
    assert_eq!(published.status().as_u16(), 200);
    for q in ["quokka", "quokka%20almeida", "census%20luxembourg"] {
        assert_eq!(
            app.slugs(&format!("/v1/search?q={q}&fields=slug")).await,
            ["quokka-census"],
            "q={q}"
        );
    }
}

/// A load that fails rolls back with the triggers in place: nothing outside its transaction
/// ever sees them off.
fn held_triggers_come_back_when_the_load_fails(backend: Backend) {
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    let db = content.db();
    let migrated = trigger_definitions(db, backend);
    let failed = db.write_blocking(|conn| {
        let held = queries::search_index::hold_insert_triggers(conn)?;
        assert!(
            held.is_some(),
            "the owner of the tables can hold the triggers"
        );
        Err::<(), _>(byline::error::AppError::internal("the load failed"))
    });
    assert!(failed.is_err());
    assert_eq!(trigger_definitions(db, backend), migrated);
}

#[test]
fn held_triggers_come_back_when_the_load_fails_on_sqlite() {
    held_triggers_come_back_when_the_load_fails(Backend::Sqlite);
}

#[test]
fn held_triggers_come_back_when_the_load_fails_on_postgres() {
    held_triggers_come_back_when_the_load_fails(Backend::Postgres);
}
