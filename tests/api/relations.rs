//! A page of articles loads its sections, authors and tags with one query per relation, and
//! once the term memo has them, only which terms each article has. A renamed term shows on
//! the next page.

use byline::{
    auth::{Caller, Role},
    domain::{
        self, article::ArticleFilter, article::ArticleSort, page::Page, query::ArticleHit,
        query::ArticleQuery,
    },
    service::{ContentService, audience::Audience, taxonomy_admin::TaxonomyPatch},
};

use crate::helpers::{Backend, article, open_content, seed_taxonomy};

async fn page(content: &ContentService, limit: u32) -> Page<ArticleHit> {
    content
        .articles(
            &Audience::Public,
            ArticleQuery::list(ArticleFilter::default(), ArticleSort::default()).page(None, limit),
        )
        .await
        .expect("page")
}

async fn statements_for_a_page(backend: Backend) {
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    seed_taxonomy(&content).await;
    let now = domain::now();
    for i in 0..60 {
        let mut new = article(&format!("related-{i:02}"), now);
        new.authors = vec!["desk".into(), "reporter".into()];
        new.tags = vec!["budget".into(), "eu".into(), "brussels".into()];
        new.section = Some(if i % 2 == 0 { "news" } else { "economy" }.into());
        content.create_article(new, None).await.expect("article");
    }
    // The memo starts empty: one statement for the page, one each for the authors' and the
    // tags' ids, one each for their rows and the sections'. Then the memo has them all.
    for (limit, expected) in [(50, 6), (10, 3)] {
        let before = content.db().statements_run();
        let page = page(&content, limit).await;
        let statements = content.db().statements_run() - before;
        assert_eq!(page.items.len(), limit as usize);
        assert_eq!(
            statements, expected,
            "a page of {limit} ran {statements} statements"
        );
        for a in page.items.iter().map(|hit| &hit.article) {
            let authors: Vec<_> = a.authors.iter().map(|x| x.slug.as_str()).collect();
            assert_eq!(authors, ["desk", "reporter"], "byline order is kept");
            let tags: Vec<_> = a.tags.iter().map(|x| x.slug.as_str()).collect();
            assert_eq!(tags, ["budget", "eu", "brussels"], "tag order is kept");
            assert!(a.section.is_some());
        }
    }
}

#[actix_web::test]
async fn a_page_of_articles_costs_six_statements_then_three_on_sqlite() {
    statements_for_a_page(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_page_of_articles_costs_six_statements_then_three_on_postgres() {
    statements_for_a_page(Backend::Postgres).await;
}

/// Each kind of term renamed after the memo has it shows renamed on the next page, in every
/// article, with nothing else about the page changed.
async fn renamed_terms_show_on_the_next_page(backend: Backend) {
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    seed_taxonomy(&content).await;
    let now = domain::now();
    for i in 0..5 {
        let mut new = article(&format!("renamed-{i}"), now);
        new.authors = vec!["reporter".into(), "desk".into()];
        new.tags = vec!["eu".into(), "budget".into()];
        content.create_article(new, None).await.expect("article");
    }
    let names = |page: &Page<ArticleHit>| -> Vec<(String, Vec<String>, Vec<String>)> {
        page.items
            .iter()
            .map(|hit| {
                let a = &hit.article;
                (
                    a.section
                        .as_ref()
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    a.authors.iter().map(|x| x.name.clone()).collect(),
                    a.tags.iter().map(|x| x.name.clone()).collect(),
                )
            })
            .collect()
    };
    let before = names(&page(&content, 5).await);
    assert!(
        before
            .iter()
            .all(|(section, authors, tags)| section == "News & Analysis"
                && authors == &["Ilse Verhoeven", "EU Insider Newsroom"]
                && tags == &["EU", "BUDGET"])
    );
    let editor = Caller {
        key_id: String::new(),
        name: "tests".into(),
        role: Role::Editor,
    };
    let rename = |name: &str| TaxonomyPatch {
        name: Some(name.into()),
        ..TaxonomyPatch::default()
    };
    content
        .update_tag(&editor, "eu", rename("European Union"))
        .await
        .expect("rename the tag");
    let after_tag = names(&page(&content, 5).await);
    assert!(
        after_tag
            .iter()
            .all(|(_, _, tags)| tags == &["European Union", "BUDGET"]),
        "{after_tag:?}"
    );
    content
        .update_author(&editor, "reporter", rename("Ilse V."))
        .await
        .expect("rename the author");
    content
        .update_section(&editor, "news", rename("News"))
        .await
        .expect("rename the section");
    let after = names(&page(&content, 5).await);
    assert!(
        after
            .iter()
            .all(|(section, authors, tags)| section == "News"
                && authors == &["Ilse V.", "EU Insider Newsroom"]
                && tags == &["European Union", "BUDGET"]),
        "{after:?}"
    );
}

#[actix_web::test]
async fn renamed_terms_show_on_the_next_page_on_sqlite() {
    renamed_terms_show_on_the_next_page(Backend::Sqlite).await;
}

#[actix_web::test]
async fn renamed_terms_show_on_the_next_page_on_postgres() {
    renamed_terms_show_on_the_next_page(Backend::Postgres).await;
}
