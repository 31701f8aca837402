//! A large generated dataset for benchmarks: N articles with proportional authors, tags and
//! sections, bodies of news-story length, and a realistic mix of states (mostly published,
//! some drafts, scheduled and embargoed). The same `--rng-seed` gives the same content.
//!
//! Rows go in through the same `service::editorial::prepare` as every other write (so bodies
//! are rendered and sanitized), in multi-row inserts of a thousand articles per transaction.
//! Within each transaction the search triggers are held off and the batch is indexed at the
//! end in one set-based statement, with the same result (`db::queries::search_index`).
//! Revisions are not written for generated articles.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};

use crate::{
    config::DatabaseUrl,
    db::{Db, queries},
    domain::{
        self,
        article::{ArticleStatus, AuthorLink, BodyFormat, TagKind},
    },
    error::{AppError, AppResult},
    service::{
        editorial::{NewArticle, PreparedArticle, References, prepare},
        taxonomy::{NewAuthor, NewSection, NewTag, author_row, section_row, tag_row},
    },
};

const BATCH: usize = 1000;

const SECTIONS: [&str; 8] = [
    "News & Analysis",
    "Economy",
    "Energy & Climate",
    "Defence",
    "Digital",
    "Agriculture",
    "Opinion",
    "World",
];
const FIRST_NAMES: [&str; 16] = [
    "Ana", "Bram", "Chiara", "Dariusz", "Elin", "Fatima", "Goran", "Hanna", "Ines", "Jonas",
    "Katarina", "Luca", "Marta", "Niels", "Olga", "Pieter",
];
const LAST_NAMES: [&str; 16] = [
    "Almeida",
    "Berger",
    "Costa",
    "Dvorak",
    "Eriksen",
    "Fontaine",
    "Greco",
    "Horvat",
    "Ivanova",
    "Janssen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Ortega",
    "Papadopoulos",
];
const TOPICS: [&str; 24] = [
    "budget",
    "migration",
    "energy",
    "trade",
    "enlargement",
    "farming",
    "defence",
    "digital",
    "climate",
    "rule of law",
    "competition",
    "fisheries",
    "health",
    "transport",
    "tariffs",
    "sanctions",
    "inflation",
    "housing",
    "labour",
    "elections",
    "space",
    "research",
    "cohesion",
    "banking",
];
const PLACES: [&str; 12] = [
    "Brussels",
    "Strasbourg",
    "Luxembourg",
    "Warsaw",
    "Paris",
    "Berlin",
    "Rome",
    "Madrid",
    "Vienna",
    "Prague",
    "Athens",
    "Riga",
];
const WORDS: [&str; 64] = [
    "ministers",
    "agreed",
    "proposal",
    "council",
    "commission",
    "parliament",
    "vote",
    "draft",
    "budget",
    "member",
    "states",
    "negotiators",
    "said",
    "on",
    "Tuesday",
    "the",
    "bloc",
    "would",
    "plan",
    "talks",
    "deal",
    "officials",
    "capitals",
    "rules",
    "funding",
    "package",
    "compromise",
    "committee",
    "amendment",
    "presidency",
    "deadline",
    "summit",
    "leaders",
    "diplomats",
    "reform",
    "measures",
    "support",
    "opposed",
    "majority",
    "law",
    "text",
    "policy",
    "impact",
    "market",
    "industry",
    "farmers",
    "prices",
    "energy",
    "grid",
    "security",
    "border",
    "court",
    "ruling",
    "investigation",
    "report",
    "figures",
    "growth",
    "forecast",
    "spending",
    "cuts",
    "tax",
    "partners",
    "coalition",
    "government",
];

/// What a synthetic run produced and how long it took.
#[derive(Debug, Clone)]
pub struct SyntheticReport {
    pub articles: usize,
    pub authors: usize,
    pub tags: usize,
    pub sections: usize,
    pub elapsed: StdDuration,
}

fn sentence(rng: &mut StdRng) -> String {
    let len = rng.random_range(12..28);
    let mut words: Vec<&str> = (0..len)
        .map(|_| *WORDS.choose(rng).unwrap_or(&"news"))
        .collect();
    let first = words.remove(0);
    let mut s = String::with_capacity(len * 8);
    s.push_str(&first[..1].to_uppercase());
    s.push_str(&first[1..]);
    for w in words {
        s.push(' ');
        s.push_str(w);
    }
    s.push('.');
    s
}

/// A body of 450–800 words: paragraphs, a subheading, a quote.
fn body(rng: &mut StdRng) -> String {
    let paragraphs = rng.random_range(7..12);
    let mut out = String::with_capacity(5000);
    for p in 0..paragraphs {
        if p == paragraphs / 2 {
            out.push_str("## What happens next\n\n");
        }
        if p == 2 {
            out.push_str("> ");
        }
        let sentences = rng.random_range(3..5);
        let text: Vec<String> = (0..sentences).map(|_| sentence(rng)).collect();
        out.push_str(&text.join(" "));
        out.push_str("\n\n");
    }
    out
}

fn refuse_non_empty(db: &Db) -> AppResult<()> {
    let existing = db.read_blocking(|conn| Ok(queries::articles::count_all(conn)?))?;
    if existing > 0 {
        return Err(AppError::new(
            crate::error::ErrorKind::Conflict,
            format!(
                "the database already holds {existing} articles; generate synthetic content into an empty one"
            ),
        ));
    }
    Ok(())
}

/// How many tags carry most of the tagging (issue 14's "20 hot tags of 500").
const HOT_TAGS: usize = 20;

/// Generates `count` articles and proportional taxonomy into an empty database.
pub fn generate(
    db: &Db,
    count: usize,
    rng_seed: u64,
    show_progress: bool,
) -> AppResult<SyntheticReport> {
    refuse_non_empty(db)?;
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(rng_seed);
    // Issue 14's shape: at 10 000 articles, 200 authors and 500 tags, of which 20 are hot.
    let author_count = (count / 50).clamp(8, 20_000);
    let tag_count = (count / 20).clamp(40, 50_000);

    let sections: Vec<_> = SECTIONS
        .iter()
        .map(|name| {
            let slug = domain::slug::Slug::from_title(name)
                .map(|s| s.into_string())
                .unwrap_or_default();
            section_row(NewSection {
                slug,
                name: (*name).into(),
                description: Some(format!("Coverage of {name}.")),
            })
        })
        .collect::<AppResult<_>>()?;
    let authors: Vec<_> = (0..author_count)
        .map(|i| {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
            author_row(NewAuthor {
                slug: format!("{}-{}-{i}", first.to_lowercase(), last.to_lowercase()),
                name: format!("{first} {last}"),
                role: Some(if i == 0 {
                    "Newsroom desk".into()
                } else {
                    "Correspondent".into()
                }),
                bio: Some(format!("{first} {last} reports on European politics.")),
                avatar_url: Some(format!("https://images.example.com/authors/{i}.jpg")),
                links: vec![AuthorLink {
                    label: "Website".into(),
                    url: format!("https://example.com/authors/{i}"),
                }],
            })
        })
        .collect::<AppResult<_>>()?;
    let tags: Vec<_> = (0..tag_count)
        .map(|i| {
            let (kind, base) = match i % 5 {
                0 => (
                    TagKind::Person,
                    format!("{} {}", FIRST_NAMES[i % 16], LAST_NAMES[(i / 16) % 16]),
                ),
                1 => (TagKind::Place, PLACES[i % PLACES.len()].to_owned()),
                2 => (TagKind::Organization, format!("Agency {}", i / 5)),
                3 => (TagKind::Event, format!("Summit {}", 2000 + (i / 5) % 30)),
                _ => (TagKind::Topic, TOPICS[i % TOPICS.len()].to_owned()),
            };
            let slug = format!(
                "{}-{i}",
                domain::slug::Slug::from_title(&base)
                    .map(|s| s.into_string())
                    .unwrap_or_default()
            );
            tag_row(NewTag {
                slug,
                name: base,
                kind,
                description: None,
            })
        })
        .collect::<AppResult<_>>()?;
    let (section_ids, author_ids, tag_ids): (Vec<String>, Vec<String>, Vec<String>) = (
        sections.iter().map(|s| s.id.clone()).collect(),
        authors.iter().map(|a| a.id.clone()).collect(),
        tags.iter().map(|t| t.id.clone()).collect(),
    );
    db.write_blocking(|conn| {
        queries::insert_rows!(conn, crate::db::schema::sections::table, &sections)?;
        for chunk in authors.chunks(2000) {
            queries::insert_rows!(conn, crate::db::schema::authors::table, chunk)?;
        }
        for chunk in tags.chunks(2000) {
            queries::insert_rows!(conn, crate::db::schema::tags::table, chunk)?;
        }
        Ok(())
    })?;

    let progress = if show_progress {
        ProgressBar::new(count as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = domain::now();
    let (mut made, mut batches) = (0, 0_usize);
    while made < count {
        let batch = BATCH.min(count - made);
        // Content is drawn in order (so a seed gives the same dataset); rendering, the costly
        // part, runs on every core.
        let drafts: Vec<(NewArticle, References)> = (made..made + batch)
            .map(|i| synthetic_article(&mut rng, i, now, &section_ids, &author_ids, &tag_ids))
            .collect();
        let prepared = prepare_in_parallel(drafts, now)?;
        let rows: Vec<_> = prepared.iter().map(|p| p.row.clone()).collect();
        let bylines: Vec<_> = prepared
            .iter()
            .flat_map(|p| p.bylines.iter().cloned())
            .collect();
        let tagging: Vec<_> = prepared
            .iter()
            .flat_map(|p| p.tagging.iter().cloned())
            .collect();
        let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
        // One transaction per batch: the search triggers are held off while its rows go in,
        // then the batch is indexed set-based and the triggers come back. Nobody else sees
        // them off, and a batch that fails or is interrupted rolls back with them in place.
        db.write_blocking(|conn| {
            let held = queries::search_index::hold_insert_triggers(conn)?;
            queries::articles::insert_many(conn, &rows, &bylines, &tagging)?;
            if let Some(held) = held {
                queries::search_index::index_articles(conn, &ids)?;
                held.restore(conn)?;
            }
            Ok(())
        })?;
        made += batch;
        batches += 1;
        // PostgreSQL plans the index statement's name lookups from the link tables'
        // statistics; never analyzed, it guesses from their size and, past ~65 000 articles,
        // scans every tag for each article (three times slower). Statistics taken after 1,
        // 2, 4, 8… batches keep the plan right for a few cheap ANALYZEs.
        if batches.is_power_of_two() && matches!(db.url(), DatabaseUrl::Postgres(_)) {
            db.write_blocking(|conn| {
                Ok(diesel::connection::SimpleConnection::batch_execute(
                    conn,
                    "ANALYZE article_authors, article_tags, authors, tags",
                )?)
            })?;
        }
        progress.set_position(made as u64);
    }
    progress.finish_and_clear();
    // Planner statistics for the freshly loaded tables; without them PostgreSQL plans the
    // list queries as if the tables were empty until autovacuum gets round to it.
    db.write_blocking(|conn| {
        Ok(diesel::connection::SimpleConnection::batch_execute(
            conn, "ANALYZE",
        )?)
    })?;
    Ok(SyntheticReport {
        articles: count,
        authors: author_count,
        tags: tag_count,
        sections: SECTIONS.len(),
        elapsed: started.elapsed(),
    })
}

fn synthetic_article(
    rng: &mut StdRng,
    index: usize,
    now: chrono::NaiveDateTime,
    section_ids: &[String],
    author_ids: &[String],
    tag_ids: &[String],
) -> (NewArticle, References) {
    // One article every seven minutes going back in time, newest first.
    let published_at = now - Duration::minutes(7 * index as i64 + 1);
    let roll = rng.random_range(0..100);
    let (status, published_at, embargo_until) = match roll {
        0..=1 => (ArticleStatus::Draft, None, None),
        2..=3 => (
            ArticleStatus::Scheduled,
            Some(now + Duration::hours(rng.random_range(1..72))),
            None,
        ),
        4 => (
            ArticleStatus::Published,
            Some(published_at),
            Some(now + Duration::hours(rng.random_range(1..48))),
        ),
        _ => (ArticleStatus::Published, Some(published_at), None),
    };
    let topic = TOPICS.choose(rng).unwrap_or(&"politics");
    let place = PLACES.choose(rng).unwrap_or(&"Brussels");
    let title = format!(
        "{} talks in {} reach a new stage, {}",
        capitalize(topic),
        place,
        index
    );
    let (author_n, tag_n) = (rng.random_range(1..3), rng.random_range(3..6));
    let authors: Vec<String> = pick_distinct(rng, author_ids, author_n);
    // One or two of an article's 3–5 tags are among the first HOT_TAGS, as a newsroom's
    // running stories are: each hot tag is then on ~7 % of the articles.
    let (hot, cold) = tag_ids.split_at(HOT_TAGS.min(tag_ids.len() / 2));
    let hot_n = rng.random_range(1..3);
    let mut tags: Vec<String> = pick_distinct(rng, hot, hot_n);
    tags.extend(pick_distinct(rng, cold, tag_n - tags.len()));
    let new = NewArticle {
        slug: Some(format!(
            "{}-talks-{}-{index}",
            slugify(topic),
            slugify(place)
        )),
        title,
        standfirst: Some(sentence(rng)),
        body_format: BodyFormat::Markdown,
        body: body(rng),
        section: None,
        authors: Vec::new(),
        tags: Vec::new(),
        status,
        published_at,
        embargo_until,
        language: if rng.random_range(0..10) == 0 {
            "fr".into()
        } else {
            "en".into()
        },
        dateline: Some(place.to_uppercase()),
        hero_image: None,
        seo_title: None,
        seo_description: None,
        canonical_url: None,
        corrections: Vec::new(),
    };
    let refs = References {
        section_id: section_ids.choose(rng).cloned(),
        author_ids: authors,
        tag_ids: tags,
    };
    (new, refs)
}

fn prepare_in_parallel(
    drafts: Vec<(NewArticle, References)>,
    now: chrono::NaiveDateTime,
) -> AppResult<Vec<PreparedArticle>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = drafts.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<(NewArticle, References)>> = Vec::new();
    let mut drafts = drafts.into_iter().peekable();
    while drafts.peek().is_some() {
        chunks.push(drafts.by_ref().take(chunk).collect());
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    part.into_iter()
                        .map(|(new, refs)| prepare(new, refs, now))
                        .collect::<AppResult<Vec<_>>>()
                })
            })
            .collect();
        let mut prepared = Vec::new();
        for worker in workers {
            prepared.extend(
                worker
                    .join()
                    .map_err(|_| AppError::internal("a rendering thread panicked"))??,
            );
        }
        Ok(prepared)
    })
}

fn pick_distinct(rng: &mut StdRng, ids: &[String], n: usize) -> Vec<String> {
    ids.choose_multiple(rng, n).cloned().collect()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn slugify(s: &str) -> String {
    domain::slug::Slug::from_title(s)
        .map(|s| s.into_string())
        .unwrap_or_else(|| "news".into())
}
