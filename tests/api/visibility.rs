//! The visibility rule, case by case, on every public path built so far.

use byline::{
    db::{queries, rows::ArticleRow},
    domain::{self, article::ArticleStatus},
    service::{
        ContentService,
        editorial::{References, prepare},
    },
};
use chrono::{Duration, NaiveDateTime};

use crate::{helpers::article, on_both_backends};

/// Stores an article exactly as described, bypassing workflow checks, so every combination
/// of status and dates can exist.
pub async fn insert_raw(
    content: &ContentService,
    slug: &str,
    now: NaiveDateTime,
    tweak: impl FnOnce(&mut ArticleRow) + Send + 'static,
) -> String {
    let section = content
        .section(byline::domain::Key::Slug("news".into()))
        .await
        .expect("section")
        .id;
    let author = content
        .author(byline::domain::Key::Slug("desk".into()))
        .await
        .expect("author")
        .id;
    let tag = content
        .tag(byline::domain::Key::Slug("eu".into()))
        .await
        .expect("tag")
        .id;
    let refs = References {
        section_id: Some(section),
        author_ids: vec![author],
        tag_ids: vec![tag],
    };
    let mut prepared = prepare(article(slug, now), refs, now).expect("valid article");
    tweak(&mut prepared.row);
    // A row described as first published with no later embargo, and withdrawn since, was
    // seen by the public (the rule migration 000007 backfills by).
    let row = &mut prepared.row;
    if row.public_since.is_none()
        && (row.status == "draft" || row.status == "archived")
        && let Some(first) = row.first_published_at
        && row.embargo_until.is_none_or(|e| e <= first)
    {
        row.public_since = Some(first);
    }
    let id = prepared.row.id.clone();
    content
        .db()
        .write(move |conn| {
            Ok(queries::articles::insert_many(
                conn,
                &[prepared.row],
                &prepared.bylines,
                &prepared.tagging,
            )?)
        })
        .await
        .expect("insert");
    id
}

struct Case {
    slug: &'static str,
    status: ArticleStatus,
    published_hours: Option<i64>,
    embargo_hours: Option<i64>,
    visible: bool,
}

const CASES: &[Case] = &[
    Case {
        slug: "published-past",
        status: ArticleStatus::Published,
        published_hours: Some(-2),
        embargo_hours: None,
        visible: true,
    },
    Case {
        slug: "published-future",
        status: ArticleStatus::Published,
        published_hours: Some(3),
        embargo_hours: None,
        visible: false,
    },
    Case {
        slug: "published-no-date",
        status: ArticleStatus::Published,
        published_hours: None,
        embargo_hours: None,
        visible: false,
    },
    Case {
        slug: "embargo-lifted",
        status: ArticleStatus::Published,
        published_hours: Some(-5),
        embargo_hours: Some(-1),
        visible: true,
    },
    Case {
        slug: "embargo-pending",
        status: ArticleStatus::Published,
        published_hours: Some(-5),
        embargo_hours: Some(2),
        visible: false,
    },
    Case {
        slug: "scheduled-later",
        status: ArticleStatus::Scheduled,
        published_hours: Some(4),
        embargo_hours: None,
        visible: false,
    },
    Case {
        slug: "scheduled-due",
        status: ArticleStatus::Scheduled,
        published_hours: Some(-1),
        embargo_hours: None,
        visible: true,
    },
    Case {
        slug: "scheduled-due-embargoed",
        status: ArticleStatus::Scheduled,
        published_hours: Some(-1),
        embargo_hours: Some(6),
        visible: false,
    },
    Case {
        slug: "draft-dated",
        status: ArticleStatus::Draft,
        published_hours: Some(-3),
        embargo_hours: None,
        visible: false,
    },
    Case {
        slug: "draft",
        status: ArticleStatus::Draft,
        published_hours: None,
        embargo_hours: None,
        visible: false,
    },
    Case {
        slug: "archived",
        status: ArticleStatus::Archived,
        published_hours: Some(-30),
        embargo_hours: None,
        visible: false,
    },
];

async fn seed_cases(content: &ContentService) -> Vec<(&'static Case, String)> {
    let now = domain::now();
    let mut ids = Vec::new();
    for case in CASES {
        let (status, published, embargo) = (case.status, case.published_hours, case.embargo_hours);
        let id = insert_raw(content, case.slug, now, move |row| {
            row.status = status.as_str().into();
            row.published_at = published.map(|h| now + Duration::hours(h));
            row.embargo_until = embargo.map(|h| now + Duration::hours(h));
            // Drafts and scheduled articles in this table were never out; an archived one was.
            if matches!(status, ArticleStatus::Draft | ArticleStatus::Scheduled) {
                row.first_published_at = None;
            }
            // Sync clients ask for everything changed lately; hidden rows must not leak there.
            row.updated_at = now;
        })
        .await;
        ids.push((case, id));
    }
    ids
}

fn expected_visible() -> Vec<&'static str> {
    CASES.iter().filter(|c| c.visible).map(|c| c.slug).collect()
}

on_both_backends!(only_visible_articles_are_listed, |app| {
    app.seed_taxonomy().await;
    seed_cases(&app.content).await;
    let mut listed = app.slugs("/v1/articles?limit=100").await;
    listed.sort();
    let mut expected = expected_visible();
    expected.sort();
    assert_eq!(listed, expected);
    for sort in ["published_at", "-updated_at"] {
        let mut listed = app
            .slugs(&format!("/v1/articles?limit=100&sort={sort}"))
            .await;
        listed.sort();
        assert_eq!(listed, expected, "sort {sort}");
    }
});

on_both_backends!(hidden_articles_are_404_or_410_by_slug_and_by_id, |app| {
    app.seed_taxonomy().await;
    for (case, id) in seed_cases(&app.content).await {
        // Withdrawn after publication: 410 Gone, so crawlers drop it. Never out: 404.
        let status = match (case.visible, case.status) {
            (true, _) => 200,
            (false, ArticleStatus::Archived) => 410,
            (false, _) => 404,
        };
        let by_slug = app
            .get(&format!("/v1/articles/{}", case.slug))
            .await
            .status()
            .as_u16();
        assert_eq!(by_slug, status, "{} by slug", case.slug);
        let by_id = app
            .get(&format!("/v1/articles/id/{id}"))
            .await
            .status()
            .as_u16();
        assert_eq!(by_id, status, "{} by id", case.slug);
    }
});

on_both_backends!(
    hidden_articles_do_not_leak_through_filters_sync_or_counts,
    |app| {
        app.seed_taxonomy().await;
        seed_cases(&app.content).await;
        let mut expected = expected_visible();
        expected.sort();
        let since = (domain::now() - Duration::hours(1)).and_utc().to_rfc3339();
        for query in [
            "tag=eu".to_owned(),
            "section=news".to_owned(),
            "author=desk".to_owned(),
            "lang=en".to_owned(),
            format!("updated_since={}", since.replace('+', "%2B")),
            "published_after=2000-01-01T00:00:00Z".to_owned(),
        ] {
            let mut listed = app.slugs(&format!("/v1/articles?limit=100&{query}")).await;
            listed.sort();
            assert_eq!(listed, expected, "filter {query}");
        }
        let visible = expected.len() as i64;
        assert_eq!(
            app.get_json("/v1/tags/eu", 200).await["data"]["article_count"],
            visible
        );
        assert_eq!(
            app.get_json("/v1/authors/desk", 200).await["data"]["article_count"],
            visible
        );
        assert_eq!(
            app.get_json("/v1/sections/news", 200).await["data"]["article_count"],
            visible
        );
        let tags = app.get_json("/v1/tags?limit=100", 200).await;
        let eu = tags["data"]
            .as_array()
            .expect("tags")
            .iter()
            .find(|t| t["slug"] == "eu")
            .expect("eu listed")
            .clone();
        assert_eq!(eu["article_count"], visible);
    }
);

on_both_backends!(
    demo_content_shows_its_draft_scheduled_and_embargoed_articles_to_no_one,
    |app| {
        let outcome = byline::seed::demo::load(&app.content)
            .await
            .expect("demo loads");
        assert_eq!(
            outcome,
            byline::seed::demo::DemoOutcome::Loaded { articles: 15 }
        );
        let listed = app.slugs("/v1/articles?limit=100").await;
        assert_eq!(listed.len(), 12);
        for hidden in [
            "commission-prepares-plan-to-fast-track-grid-permits",
            "what-to-watch-interior-ministers-migration-solidarity-pool",
            "commission-trims-euro-area-growth-forecast",
        ] {
            assert!(!listed.iter().any(|s| s == hidden), "{hidden} is listed");
            assert_eq!(
                app.get(&format!("/v1/articles/{hidden}"))
                    .await
                    .status()
                    .as_u16(),
                404
            );
        }
    }
);
