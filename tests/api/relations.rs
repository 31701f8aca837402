//! A page of articles loads its sections, authors and tags with one query per relation.

use byline::{
    domain::{self, article::ArticleFilter, article::ArticleSort, query::ArticleQuery},
    service::audience::Audience,
};

use crate::helpers::{Backend, article, open_content, seed_taxonomy};

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
    for limit in [50, 10] {
        let before = content.db().statements_run();
        let page = content
            .articles(
                &Audience::Public,
                ArticleQuery::list(ArticleFilter::default(), ArticleSort::default())
                    .page(None, limit),
            )
            .await
            .expect("page");
        let statements = content.db().statements_run() - before;
        assert_eq!(page.items.len(), limit as usize);
        // One for the page, one each for authors, tags and sections.
        assert_eq!(
            statements, 4,
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
async fn a_page_of_articles_costs_four_statements_on_sqlite() {
    statements_for_a_page(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_page_of_articles_costs_four_statements_on_postgres() {
    statements_for_a_page(Backend::Postgres).await;
}
