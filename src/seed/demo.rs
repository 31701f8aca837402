//! The demo newsroom: original wire-style EU politics stories (`demo_content.json`), with a
//! draft, a scheduled and an embargoed article so the visibility rule can be seen at work.
//! Publication times are relative to the moment of seeding, so the demo always looks fresh.

use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use crate::{
    domain::{
        self,
        article::{ArticleStatus, AuthorLink, BodyFormat, Correction, HeroImage, TagKind},
    },
    error::{AppError, AppResult},
    service::{
        ContentService,
        editorial::NewArticle,
        taxonomy::{NewAuthor, NewSection, NewTag},
    },
};

const DEMO_CONTENT: &str = include_str!("demo_content.json");

#[derive(Deserialize)]
struct DemoContent {
    sections: Vec<DemoSection>,
    authors: Vec<DemoAuthor>,
    tags: Vec<DemoTag>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoSection {
    slug: String,
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct DemoAuthor {
    slug: String,
    name: String,
    role: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
    links: Vec<AuthorLink>,
}

#[derive(Deserialize)]
struct DemoTag {
    slug: String,
    name: String,
    kind: TagKind,
    description: Option<String>,
}

#[derive(Deserialize)]
struct DemoCorrection {
    note: String,
    offset_hours: i64,
}

#[derive(Deserialize)]
struct DemoArticle {
    slug: String,
    title: String,
    standfirst: Option<String>,
    body_markdown: String,
    section: Option<String>,
    authors: Vec<String>,
    tags: Vec<String>,
    /// `published`, `draft`, `scheduled`, or `embargoed` (published, under embargo).
    status: String,
    published_offset_hours: Option<i64>,
    embargo_offset_hours: Option<i64>,
    language: String,
    dateline: Option<String>,
    hero_image: Option<HeroImage>,
    seo_title: Option<String>,
    seo_description: Option<String>,
    corrections: Vec<DemoCorrection>,
}

/// What seeding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded {
        articles: usize,
    },
    /// The database already had articles; nothing was touched.
    AlreadyHasContent,
}

fn offset(now: NaiveDateTime, hours: Option<i64>) -> Option<NaiveDateTime> {
    hours.map(|h| now + Duration::hours(h))
}

fn new_article(demo: DemoArticle, now: NaiveDateTime) -> AppResult<NewArticle> {
    let (status, embargo_until) = match demo.status.as_str() {
        "embargoed" => (
            ArticleStatus::Published,
            offset(now, demo.embargo_offset_hours),
        ),
        other => (other.parse().map_err(AppError::internal)?, None),
    };
    Ok(NewArticle {
        slug: Some(demo.slug),
        title: demo.title,
        standfirst: demo.standfirst,
        body_format: BodyFormat::Markdown,
        body: demo.body_markdown,
        section: demo.section,
        authors: demo.authors,
        tags: demo.tags,
        status,
        published_at: offset(now, demo.published_offset_hours),
        embargo_until,
        language: demo.language,
        dateline: demo.dateline,
        hero_image: demo.hero_image,
        seo_title: demo.seo_title,
        seo_description: demo.seo_description,
        canonical_url: None,
        corrections: demo
            .corrections
            .into_iter()
            .map(|c| Correction {
                note: c.note,
                corrected_at: now + Duration::hours(c.offset_hours),
            })
            .collect(),
    })
}

/// Loads the demo newsroom unless the database already has articles.
pub async fn load(content: &ContentService) -> AppResult<DemoOutcome> {
    if content.count_articles().await? > 0 {
        return Ok(DemoOutcome::AlreadyHasContent);
    }
    let demo: DemoContent = serde_json::from_str(DEMO_CONTENT).map_err(AppError::internal)?;
    for s in demo.sections {
        content
            .create_section(NewSection {
                slug: s.slug,
                name: s.name,
                description: s.description,
            })
            .await?;
    }
    for a in demo.authors {
        let new = NewAuthor {
            slug: a.slug,
            name: a.name,
            role: a.role,
            bio: a.bio,
            avatar_url: a.avatar_url,
            links: a.links,
        };
        content.create_author(new).await?;
    }
    for t in demo.tags {
        content
            .create_tag(NewTag {
                slug: t.slug,
                name: t.name,
                kind: t.kind,
                description: t.description,
            })
            .await?;
    }
    let now = domain::now();
    let count = demo.articles.len();
    let mut pictures = demo_pictures(content).await?.into_iter();
    for article in demo.articles {
        let mut new = new_article(article, now)?;
        // The first pictured articles show the drawn pictures from the asset library.
        if let Some(hero) = new.hero_image.as_mut()
            && let Some(asset_id) = pictures.next()
        {
            // The library's alt text and credit describe the drawing; the caption stays.
            *hero = HeroImage {
                asset_id: Some(asset_id),
                url: None,
                alt: None,
                caption: hero.caption.take(),
                credit: None,
            };
        }
        content.create_article(new, None).await?;
    }
    Ok(DemoOutcome::Loaded { articles: count })
}

/// The drawn pictures, in the asset library; their ids.
async fn demo_pictures(content: &ContentService) -> AppResult<Vec<String>> {
    let desk = crate::auth::Caller {
        key_id: String::new(),
        name: "demo".into(),
        role: crate::auth::Role::Admin,
    };
    let mut ids = Vec::new();
    for (bytes, alt, credit) in super::demo_images::pictures() {
        let description = crate::domain::asset::AssetDescription {
            alt: Some(alt.into()),
            credit: Some(credit.into()),
            licence: Some("CC0 1.0".into()),
            ..Default::default()
        };
        ids.push(
            content
                .upload_asset(&desk, bytes, description)
                .await?
                .asset
                .id,
        );
    }
    Ok(ids)
}
