//! What an article body may hold, and what the sanitizer took out of one. The sanitizer is
//! ammonia's defaults plus library images (`<img src="asset:ID">`) and the embed markup of
//! known providers (`domain::embeds`); anything it removes is reported to the editor rather
//! than dropped without a word, so what is saved is what readers get.

use std::{cell::RefCell, collections::BTreeMap, sync::LazyLock};

use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::domain::{blocks, body_images, embeds};

/// Classes the providers' scripts look for.
const EMBED_CLASSES: [&str; 4] = [
    "twitter-tweet",
    "instagram-media",
    "tiktok-embed",
    "bluesky-embed",
];

/// Most removals listed in one refusal: enough to fix a paste, bounded for a hostile one.
const MAX_REPORTED: usize = 20;

/// Keeps `value` of `attribute` on `element` when it is one Byline allows, in its canonical
/// spelling; `None` removes it.
fn filter_attribute(element: &str, attribute: &str, value: &str) -> Option<String> {
    let scheme = body_images::SCHEME;
    if value
        .get(..scheme.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme))
    {
        // A library image's reference: on `img src`, with a UUID, and nowhere else.
        let id = crate::domain::parse_id(&value[scheme.len()..]).ok()?;
        return (element == "img" && attribute == "src").then(|| format!("{scheme}{id}"));
    }
    match (element, attribute) {
        // A player: only a known provider's, as that provider spells it.
        ("iframe", "src") => embeds::recognize(value)?.player_src().map(str::to_owned),
        ("blockquote", "data-instgrm-permalink") => embeds::recognize(value)
            .filter(|e| e.provider == embeds::Provider::Instagram)
            .map(|e| e.url),
        ("blockquote", "data-video-id") => value
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| value.to_owned()),
        // A related article: by its id, a UUID.
        ("aside", blocks::render::RELATED_ATTRIBUTE) => crate::domain::parse_id(value).ok(),
        ("blockquote", "data-bluesky-uri") => value
            .strip_prefix("at://")
            .filter(|rest| !rest.contains(['"', '<', '>', ' ']))
            .map(|_| value.to_owned()),
        _ => Some(value.to_owned()),
    }
}

/// ammonia's defaults, library images and the providers' embed markup.
pub static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_url_schemes(&["asset"])
        .add_tags(&["iframe"])
        .add_tag_attributes(
            "iframe",
            &[
                "src",
                "width",
                "height",
                "title",
                "loading",
                "allowfullscreen",
            ],
        )
        .add_tag_attributes(
            "blockquote",
            &[
                "data-instgrm-permalink",
                "data-video-id",
                "data-bluesky-uri",
            ],
        )
        .add_allowed_classes("blockquote", &EMBED_CLASSES)
        .add_allowed_classes("figure", &[blocks::render::PULL_QUOTE_CLASS])
        .add_allowed_classes(
            "aside",
            &[
                blocks::render::FACT_BOX_CLASS,
                blocks::render::RELATED_CLASS,
            ],
        )
        .add_tag_attributes("aside", &[blocks::render::RELATED_ATTRIBUTE])
        .attribute_filter(|element, attribute, value| {
            filter_attribute(element, attribute, value).map(Into::into)
        });
    builder
});

/// A start tag: the element's name and its attributes' names and values.
type StartTag = (String, Vec<(String, String)>);

/// Start tags of an HTML text.
struct StartTags(RefCell<Vec<StartTag>>);

impl TokenSink for StartTags {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
        {
            let attributes = tag
                .attrs
                .iter()
                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                .collect();
            self.0.borrow_mut().push((tag.name.to_string(), attributes));
        }
        TokenSinkResult::Continue
    }
}

fn start_tags(html: &str) -> Vec<StartTag> {
    let tokenizer = Tokenizer::new(
        StartTags(RefCell::new(Vec::new())),
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// A short quote of a value, for a message.
fn quoted(value: &str) -> String {
    let mut short: String = value.chars().take(60).collect();
    if short.len() < value.len() {
        short.push('…');
    }
    format!("\"{short}\"")
}

/// What cleaning `raw` into `cleaned` removed: elements, and attributes of elements kept,
/// each once with how often, in the order they first appear. Empty when nothing was.
pub fn removals(raw: &str, cleaned: &str) -> Vec<String> {
    let before = start_tags(raw);
    let after = start_tags(cleaned);
    let mut kept: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for (element, attributes) in &after {
        *kept.entry((element.clone(), None)).or_default() += 1;
        for (name, _) in attributes {
            *kept
                .entry((element.clone(), Some(name.clone())))
                .or_default() += 1;
        }
    }
    let mut found: Vec<String> = Vec::new();
    let mut seen: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    // Whether this occurrence of `key` is one more than the cleaned text kept; the message
    // is listed once.
    let mut report = |key: (String, Option<String>), message: String| {
        let count = seen.entry(key.clone()).or_default();
        *count += 1;
        let removed = *count > kept.get(&key).copied().unwrap_or(0);
        if removed && !found.contains(&message) {
            found.push(message);
        }
        removed
    };
    for (element, attributes) in &before {
        let element_removed = report(
            (element.clone(), None),
            format!("the element <{element}> is not allowed and would be removed"),
        );
        if element_removed {
            // Its attributes go with it: one message is enough.
            continue;
        }
        for (name, value) in attributes {
            let message = match (element.as_str(), name.as_str()) {
                ("iframe", "src") => format!(
                    "<iframe src={}> is not a known embed provider's player; embeds from {} are kept (paste the post's or video's address on a line of its own)",
                    quoted(value),
                    embeds::Provider::names()
                ),
                _ => format!(
                    "the attribute {name}={} of <{element}> is not allowed and would be removed",
                    quoted(value)
                ),
            };
            report((element.clone(), Some(name.clone())), message);
        }
    }
    found.truncate(MAX_REPORTED);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> (String, Vec<String>) {
        let cleaned = SANITIZER.clean(html).to_string();
        let removed = removals(html, &cleaned);
        (cleaned, removed)
    }

    #[test]
    fn what_is_allowed_is_kept_without_a_word() {
        for html in [
            "<p>Plain <b>bold</b> <a href=\"https://example.com\">link</a></p>",
            "<p><img src=\"asset:01a23ece-a0aa-7132-8de0-6b5541c8b755\" alt=\"x\"></p>",
            &embeds::recognize("https://youtu.be/dQw4w9WgXcQ")
                .expect("video")
                .html(),
            &embeds::recognize("https://x.com/a/status/1")
                .expect("post")
                .html(),
            &embeds::recognize("https://www.instagram.com/p/C7abc/")
                .expect("post")
                .html(),
            &embeds::recognize("https://bsky.app/profile/a.bsky.social/post/3k")
                .expect("post")
                .html(),
            &embeds::recognize("https://www.tiktok.com/@a/video/7")
                .expect("post")
                .html(),
        ] {
            let (cleaned, removed) = clean(html);
            assert!(removed.is_empty(), "{html} → {cleaned}: {removed:?}");
        }
    }

    #[test]
    fn every_removal_is_named() {
        let (_, removed) = clean(
            "<p onclick=\"steal()\">Hi</p><script>alert(1)</script><script src=\"x.js\">again()</script>\
             <a href=\"javascript:alert(1)\">x</a><iframe src=\"https://evil.example/x\"></iframe>",
        );
        assert_eq!(removed.len(), 4, "{removed:#?}");
        assert!(removed[0].contains("onclick"), "{removed:?}");
        assert!(
            removed[1].contains("<script>"),
            "one entry for both scripts: {removed:?}"
        );
        assert!(
            removed[2].contains("href=\"javascript:alert(1)\""),
            "{removed:?}"
        );
        assert!(
            removed[3].contains("https://evil.example/x") && removed[3].contains("YouTube"),
            "{removed:?}"
        );
    }
}
