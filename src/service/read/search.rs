//! Full-text search, the text half of the read path: a turn at the search gate, pages over
//! relevance or date within the audience's scope, relations attached per page, snippets made
//! HTML-safe.

use std::collections::HashMap;

use super::relations;
use crate::{
    db::{
        queries::{
            self,
            articles::Keyset,
            search::{Hit, MARK_END, MARK_START, SearchAfter},
            visibility::Scope,
        },
        rows::ArticleRow,
        timeout::with_statement_timeout,
    },
    domain::{
        page::{Cursor, Page},
        query::{ArticleHit, ArticleQuery},
        search::{SearchQuery, SearchSort},
    },
    error::{AppError, AppResult},
    service::ContentService,
};

/// The reader's query, checked; a problem is a 400 naming `parameter` (`q` in REST,
/// `query` in GraphQL).
pub fn parse_query(parameter: &str, raw: &str) -> AppResult<SearchQuery> {
    SearchQuery::parse(raw)
        .map_err(|problem| AppError::invalid_parameter(parameter, format!("{parameter} {problem}")))
}

/// A raw snippet as HTML: the text escaped, each match in `<mark>`…`</mark>` (always
/// balanced), runs of whitespace and control characters as one space.
pub fn snippet_html(raw: &str) -> String {
    let mut html = String::with_capacity(raw.len() + 32);
    let (mut open, mut space) = (false, false);
    fn push(html: &mut String, text: &str, space: &mut bool) {
        if *space && !html.is_empty() {
            html.push(' ');
        }
        *space = false;
        html.push_str(text);
    }
    for c in raw.chars() {
        match c {
            MARK_START if !open => {
                push(&mut html, "<mark>", &mut space);
                open = true;
            }
            MARK_END if open => {
                html.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            c if c.is_whitespace() || c.is_control() => space = true,
            '&' => push(&mut html, "&amp;", &mut space),
            '<' => push(&mut html, "&lt;", &mut space),
            '>' => push(&mut html, "&gt;", &mut space),
            '"' => push(&mut html, "&quot;", &mut space),
            '\'' => push(&mut html, "&#x27;", &mut space),
            c => push(&mut html, c.encode_utf8(&mut [0; 4]), &mut space),
        }
    }
    if open {
        html.push_str("</mark>");
    }
    html
}

/// The cursor that resumes after `hit`. Relevance cursors carry the score and the
/// tie-breaking time: `score|time`.
fn cursor_of(sort: SearchSort, hit: &Hit) -> Cursor {
    let time = queries::time_to_cursor_key(hit.time);
    Cursor {
        sort: sort.as_str().to_owned(),
        key: match sort {
            // `{:e}` is exact and short, however small the score.
            SearchSort::Relevance => format!("{:e}|{time}", hit.score),
            SearchSort::Date(_) => time,
        },
        id: hit.id.clone(),
    }
}

/// Where a client's cursor points after.
fn search_after(cursor: Option<&str>, sort: SearchSort) -> AppResult<Option<SearchAfter>> {
    let Some(cursor) = Cursor::decode(cursor, sort.as_str())? else {
        return Ok(None);
    };
    Ok(Some(match sort {
        SearchSort::Relevance => {
            let malformed = || {
                AppError::invalid_parameter(
                    "cursor",
                    "the cursor is malformed; use `next_cursor` from a previous page",
                )
            };
            let (score, time) = cursor.key.split_once('|').ok_or_else(malformed)?;
            let score = score
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite())
                .ok_or_else(malformed)?;
            SearchAfter::Relevance {
                score,
                time: queries::time_from_cursor_key(time)?,
                id: cursor.id,
            }
        }
        SearchSort::Date(_) => SearchAfter::Date(Keyset {
            time: queries::time_from_cursor_key(&cursor.key)?,
            id: cursor.id,
        }),
    }))
}

impl ContentService {
    /// A page of the articles in `scope` matching `text` and `filter`. Every search, whatever
    /// the surface, comes through here: it waits for a turn at the search gate (a 503 when
    /// none comes in time), then runs the search under the statement time limit. A page costs
    /// the search, one query for the rows and, with `Relations::Load`, one per relation.
    pub(super) async fn search_page(
        &self,
        scope: Scope,
        text: SearchQuery,
        query: ArticleQuery,
    ) -> AppResult<Page<ArticleHit>> {
        let ArticleQuery {
            filter,
            sort,
            cursor,
            limit,
            relations,
            bodies,
            ..
        } = query;
        let after = search_after(cursor.as_deref(), sort)?;
        let slot = self.search.enter().await?;
        let time_limit = self.search.limits().statement_timeout;
        let memo = self.terms.clone();
        self.db
            .read(move |conn| {
                // The turn ends with the work, not with the request: a client that hangs up
                // does not free a slot while its search still runs.
                let _slot = slot;
                let hits = with_statement_timeout(conn, time_limit, |conn| {
                    queries::search::search(
                        conn,
                        &scope,
                        &filter,
                        &text,
                        sort,
                        after,
                        i64::from(limit) + 1,
                    )
                })?;
                let page = Page::from_overfetch(hits, limit, |hit| cursor_of(sort, hit));
                let ids: Vec<String> = page.items.iter().map(|hit| hit.id.clone()).collect();
                let mut rows: HashMap<String, ArticleRow> =
                    queries::articles::find_by_ids(conn, &scope, &ids, bodies)?
                        .into_iter()
                        .map(|row| (row.id.clone(), row))
                        .collect();
                // In search order; an article hidden between the two statements is left out.
                let (mut kept, mut snippets, mut cursors) = (Vec::new(), Vec::new(), Vec::new());
                for (hit, cursor) in page.items.into_iter().zip(page.cursors) {
                    if let Some(row) = rows.remove(&hit.id) {
                        kept.push(row);
                        snippets.push(snippet_html(hit.snippet.as_deref().unwrap_or_default()));
                        cursors.push(cursor);
                    }
                }
                let items = relations::load(conn, kept, relations, Some(&memo))?
                    .into_iter()
                    .zip(snippets)
                    .map(|(article, snippet)| ArticleHit {
                        article,
                        snippet: Some(snippet),
                    })
                    .collect();
                Ok(Page {
                    items,
                    cursors,
                    has_more: page.has_more,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_and_marks_balanced() {
        let raw = format!(
            "a <script>alert('x')</script> & \"{MARK_START}budget{MARK_END}\"\n\n  cuts {MARK_START}tax"
        );
        assert_eq!(
            snippet_html(&raw),
            "a &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;<mark>budget</mark>&quot; cuts <mark>tax</mark>"
        );
        assert_eq!(
            snippet_html(&format!(
                "{MARK_END}x{MARK_START}{MARK_START}y{MARK_END}{MARK_END}"
            )),
            "x<mark>y</mark>"
        );
    }

    #[test]
    fn relevance_cursors_round_trip_and_refuse_forgeries() {
        let hit = Hit {
            id: "01a21649-143e-776e-b3ac-b0674a4dcbef".into(),
            score: 0.1 + 0.2,
            time: chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
                .and_then(|d| d.and_hms_micro_opt(9, 30, 0, 123_456))
                .expect("time"),
            snippet: None,
        };
        for score in [hit.score, 0.0, 1e-300, 1.99341021416804e-6, 12345.678] {
            let hit = Hit {
                score,
                ..hit.clone()
            };
            let cursor = cursor_of(SearchSort::Relevance, &hit).encode();
            match search_after(Some(&cursor), SearchSort::Relevance) {
                Ok(Some(SearchAfter::Relevance { score, time, id })) => {
                    assert_eq!(score.to_bits(), hit.score.to_bits());
                    assert_eq!((time, id), (hit.time, hit.id.clone()));
                }
                other => panic!("{other:?}"),
            }
        }
        let cursor = cursor_of(SearchSort::Relevance, &hit).encode();
        for key in [
            "NaN|2026-11-26T09:30:00.000000",
            "1.0",
            "x|y",
            "inf|2026-11-26T09:30:00.000000",
        ] {
            let forged = Cursor {
                sort: "relevance".into(),
                key: key.into(),
                id: hit.id.clone(),
            }
            .encode();
            assert!(
                search_after(Some(&forged), SearchSort::Relevance).is_err(),
                "{key}"
            );
        }
        assert!(search_after(Some(&cursor), SearchSort::Date(Default::default())).is_err());
    }
}
