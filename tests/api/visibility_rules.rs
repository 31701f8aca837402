//! Each visibility rule is written twice: as SQL for queries (`db::queries::visibility`) and
//! in Rust for one loaded row (`domain::visibility`). One test per rule holds the two
//! together over every case of status × publication time × embargo × whether the public saw
//! it, with times before, at and after the moment asked about.

use std::collections::BTreeSet;

use byline::{
    db::{
        queries::{self, visibility::Scope},
        rows::ArticleRow,
    },
    domain::{
        self,
        article::{ArticleFilter, ArticleSort, ArticleStatus},
    },
    service::ContentService,
};
use chrono::{Duration, NaiveDateTime};

use crate::{
    helpers::{Backend, open_content, seed_taxonomy},
    visibility::insert_raw,
};

/// Hours relative to `now`: never set, before, exactly at, after.
const TIMES: [Option<i64>; 4] = [None, Some(-2), Some(0), Some(2)];

/// Stores one article for every case; returns `now` and every stored row.
async fn every_case(content: &ContentService) -> (NaiveDateTime, Vec<ArticleRow>) {
    seed_taxonomy(content).await;
    let now = domain::now();
    let at = move |h: Option<i64>| h.map(|h| now + Duration::hours(h));
    let mut n = 0;
    for status in ArticleStatus::ALL.iter().copied() {
        for published in TIMES {
            for embargo in TIMES {
                for seen in [None, Some(-3)] {
                    n += 1;
                    insert_raw(content, &format!("case-{n}"), now, move |row| {
                        row.status = status.as_str().into();
                        row.published_at = at(published);
                        row.embargo_until = at(embargo);
                        row.first_published_at = None;
                        row.public_since = at(seen);
                        // Every other case belongs to one contributor's key.
                        row.created_by = (n % 2 == 0).then(|| "contributor-key".to_owned());
                    })
                    .await;
                }
            }
        }
    }
    let rows = ids_in(content, Scope::Any).await;
    assert_eq!(
        rows.len(),
        n,
        "every case is stored, and `Any` finds them all"
    );
    (now, rows)
}

/// The rows the SQL of `scope` lets through.
async fn ids_in(content: &ContentService, scope: Scope) -> Vec<ArticleRow> {
    content
        .db()
        .read(move |conn| {
            Ok(queries::articles::list(
                conn,
                &scope,
                &ArticleFilter::default(),
                ArticleSort::UpdatedDesc,
                None,
                10_000,
                byline::domain::Bodies::Skip,
            )?)
        })
        .await
        .expect("list")
}

/// Holds the SQL of `scope` to `rule`, the Rust for one row, over every case.
async fn sql_agrees_with_rust(
    content: &ContentService,
    rows: &[ArticleRow],
    scope: Scope,
    rule: impl Fn(&ArticleRow) -> bool,
) {
    let by_sql: BTreeSet<String> = ids_in(content, scope.clone())
        .await
        .into_iter()
        .map(|r| r.slug)
        .collect();
    let by_rust: BTreeSet<String> = rows
        .iter()
        .filter(|r| rule(r))
        .map(|r| r.slug.clone())
        .collect();
    assert!(!by_rust.is_empty(), "{scope:?}: some case must be in it");
    assert!(
        by_rust.len() < rows.len(),
        "{scope:?}: some case must be out"
    );
    let only_sql: Vec<_> = by_sql.difference(&by_rust).collect();
    let only_rust: Vec<_> = by_rust.difference(&by_sql).collect();
    assert!(
        only_sql.is_empty() && only_rust.is_empty(),
        "{scope:?}: only in SQL {only_sql:?}, only in Rust {only_rust:?}"
    );
}

async fn public_rule(backend: Backend) {
    let Some((_db, content)) = open_content(backend) else {
        return;
    };
    let (now, rows) = every_case(&content).await;
    sql_agrees_with_rust(&content, &rows, Scope::Public(now), |r| {
        r.publication().is_public(now)
    })
    .await;
}

async fn withdrawn_rule(backend: Backend) {
    let Some((_db, content)) = open_content(backend) else {
        return;
    };
    let (now, rows) = every_case(&content).await;
    sql_agrees_with_rust(&content, &rows, Scope::Withdrawn(now), |r| {
        r.publication().is_withdrawn(now)
    })
    .await;
    sql_agrees_with_rust(&content, &rows, Scope::Syndicated(now), |r| {
        r.publication().is_public(now) || r.publication().is_withdrawn(now)
    })
    .await;
}

async fn contributor_rule(backend: Backend) {
    let Some((_db, content)) = open_content(backend) else {
        return;
    };
    let (_, rows) = every_case(&content).await;
    let scope = Scope::CreatedBy("contributor-key".into());
    sql_agrees_with_rust(&content, &rows, scope, |r| {
        r.created_by.as_deref() == Some("contributor-key")
    })
    .await;
}

macro_rules! on_both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$body(crate::helpers::Backend::Sqlite).await;
            }
            #[actix_web::test]
            async fn postgres() {
                super::$body(crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

on_both!(sql_and_rust_agree_on_public, public_rule);
on_both!(sql_and_rust_agree_on_withdrawn, withdrawn_rule);
on_both!(sql_and_rust_agree_on_created_by, contributor_rule);
