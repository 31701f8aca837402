//! Embeds of known providers, recognized from a URL alone (a post's, a video's, or the
//! provider's own embed address) and written as the provider's standard embed markup, with
//! no network call: an iframe of the provider's player, or the blockquote its script turns
//! into a post. Anything else in an iframe is refused when a body is saved.

use url::Url;

/// A provider whose embeds Byline knows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Youtube,
    Vimeo,
    X,
    Instagram,
    Tiktok,
    Bluesky,
    Mastodon,
    Spotify,
    Soundcloud,
    Datawrapper,
    Flourish,
    GoogleMaps,
}

impl Provider {
    /// Every provider, for messages.
    pub const ALL: [Provider; 12] = [
        Provider::Youtube,
        Provider::Vimeo,
        Provider::X,
        Provider::Instagram,
        Provider::Tiktok,
        Provider::Bluesky,
        Provider::Mastodon,
        Provider::Spotify,
        Provider::Soundcloud,
        Provider::Datawrapper,
        Provider::Flourish,
        Provider::GoogleMaps,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Provider::Youtube => "YouTube",
            Provider::Vimeo => "Vimeo",
            Provider::X => "X (Twitter)",
            Provider::Instagram => "Instagram",
            Provider::Tiktok => "TikTok",
            Provider::Bluesky => "Bluesky",
            Provider::Mastodon => "Mastodon",
            Provider::Spotify => "Spotify",
            Provider::Soundcloud => "SoundCloud",
            Provider::Datawrapper => "Datawrapper",
            Provider::Flourish => "Flourish",
            Provider::GoogleMaps => "Google Maps",
        }
    }

    /// The providers' names, for a message.
    pub fn names() -> String {
        Provider::ALL.map(Provider::name).join(", ")
    }
}

/// How an embed is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Markup {
    /// The provider's player: an iframe of this address, at this aspect ratio.
    Player {
        src: String,
        width: u32,
        height: u32,
    },
    /// A post that the provider's script renders: a blockquote of this class linking to the
    /// post, with the provider's data attribute when it needs one.
    Post {
        class: &'static str,
        data: Option<(&'static str, String)>,
    },
}

/// One recognized embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub provider: Provider,
    /// The provider's id of the thing embedded (a video id, a post id, a chart id).
    pub id: String,
    /// The page of the thing embedded, for readers without the player.
    pub url: String,
    pub markup: Markup,
}

fn player(src: String, width: u32, height: u32) -> Markup {
    Markup::Player { src, width, height }
}

/// A path segment that is an id: letters, digits, `-` and `_`, not empty.
fn id_like(segment: &str) -> Option<String> {
    (!segment.is_empty()
        && segment.len() <= 128
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| segment.to_owned())
}

fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default()
}

/// The embed `text` names, when it is an http(s) URL of a known provider.
pub fn recognize(text: &str) -> Option<Embed> {
    let url = Url::parse(text.trim()).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let path = segments(&url);
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let embed = |provider, id: String, page: String, markup| Embed {
        provider,
        id,
        url: page,
        markup,
    };
    match (host.as_str(), path.as_slice()) {
        ("youtube.com" | "m.youtube.com" | "youtube-nocookie.com", ["watch"]) => {
            youtube(id_like(&query("v")?)?)
        }
        (
            "youtube.com" | "m.youtube.com" | "youtube-nocookie.com",
            ["embed" | "shorts" | "live", id],
        ) => youtube(id_like(id)?),
        ("youtu.be", [id]) => youtube(id_like(id)?),
        ("vimeo.com", [id]) | ("player.vimeo.com", ["video", id])
            if id.chars().all(|c| c.is_ascii_digit()) =>
        {
            let id = id_like(id)?;
            Some(embed(
                Provider::Vimeo,
                id.clone(),
                format!("https://vimeo.com/{id}"),
                player(format!("https://player.vimeo.com/video/{id}"), 640, 360),
            ))
        }
        ("twitter.com" | "x.com" | "mobile.twitter.com", [user, "status", id]) => {
            let (user, id) = (id_like(user)?, digits(id)?);
            let page = format!("https://twitter.com/{user}/status/{id}");
            Some(embed(Provider::X, id, page, post("twitter-tweet", None)))
        }
        ("instagram.com", ["p" | "reel" | "tv", id]) => {
            let id = id_like(id)?;
            let page = format!("https://www.instagram.com/p/{id}/");
            let data = Some(("data-instgrm-permalink", page.clone()));
            Some(embed(
                Provider::Instagram,
                id,
                page,
                post("instagram-media", data),
            ))
        }
        ("tiktok.com", [user, "video", id]) if user.starts_with('@') => {
            let (user, id) = (id_like(&user[1..])?, digits(id)?);
            let page = format!("https://www.tiktok.com/@{user}/video/{id}");
            let data = Some(("data-video-id", id.clone()));
            Some(embed(
                Provider::Tiktok,
                id,
                page,
                post("tiktok-embed", data),
            ))
        }
        ("bsky.app", ["profile", handle, "post", id]) => {
            let handle = handle_like(handle)?;
            let id = id_like(id)?;
            let page = format!("https://bsky.app/profile/{handle}/post/{id}");
            let data = Some((
                "data-bluesky-uri",
                format!("at://{handle}/app.bsky.feed.post/{id}"),
            ));
            Some(embed(
                Provider::Bluesky,
                id,
                page,
                post("bluesky-embed", data),
            ))
        }
        (instance, [user, id] | [user, id, "embed"])
            if user.starts_with('@') && digits(id).is_some() && instance.contains('.') =>
        {
            // Mastodon: any instance, `/@user/123456`.
            let user = id_like(&user[1..])?;
            let id = digits(id)?;
            let page = format!("https://{instance}/@{user}/{id}");
            Some(embed(
                Provider::Mastodon,
                id,
                page.clone(),
                player(format!("{page}/embed"), 400, 500),
            ))
        }
        ("open.spotify.com", [kind, id]) | ("open.spotify.com", ["embed", kind, id])
            if matches!(
                *kind,
                "track" | "album" | "playlist" | "episode" | "show" | "artist"
            ) =>
        {
            let id = id_like(id)?;
            Some(embed(
                Provider::Spotify,
                id.clone(),
                format!("https://open.spotify.com/{kind}/{id}"),
                player(
                    format!("https://open.spotify.com/embed/{kind}/{id}"),
                    640,
                    352,
                ),
            ))
        }
        ("soundcloud.com", [user, track]) => {
            let (user, track) = (id_like(user)?, id_like(track)?);
            let page = format!("https://soundcloud.com/{user}/{track}");
            let src = format!(
                "https://w.soundcloud.com/player/?url={}",
                url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>()
            );
            Some(embed(
                Provider::Soundcloud,
                format!("{user}/{track}"),
                page,
                player(src, 640, 166),
            ))
        }
        ("w.soundcloud.com", ["player"]) => {
            recognize(&query("url")?).filter(|e| e.provider == Provider::Soundcloud)
        }
        ("datawrapper.dwcdn.net" | "datawrapper.de", [id, ..])
            if id.len() == 5 || path.first() == Some(&"_") =>
        {
            let id = id_like(if *id == "_" { path.get(1)? } else { id })?;
            Some(embed(
                Provider::Datawrapper,
                id.clone(),
                format!("https://datawrapper.dwcdn.net/{id}/"),
                player(format!("https://datawrapper.dwcdn.net/{id}/"), 600, 400),
            ))
        }
        ("public.flourish.studio" | "flo.uri.sh", ["visualisation" | "story", id, ..]) => {
            let kind = path[0];
            let id = digits(id)?;
            Some(embed(
                Provider::Flourish,
                id.clone(),
                format!("https://public.flourish.studio/{kind}/{id}/"),
                player(format!("https://flo.uri.sh/{kind}/{id}/embed"), 720, 480),
            ))
        }
        ("google.com", ["maps", "embed"]) => {
            // Only the embed address carries what the map shows without an API key.
            let pb = query("pb")?;
            if pb.is_empty() || pb.len() > 2000 || pb.contains(['<', '>', '"']) {
                return None;
            }
            let src = format!(
                "https://www.google.com/maps/embed?pb={}",
                url::form_urlencoded::byte_serialize(pb.as_bytes()).collect::<String>()
            );
            Some(embed(
                Provider::GoogleMaps,
                pb,
                src.clone(),
                player(src, 600, 450),
            ))
        }
        _ => None,
    }
}

fn youtube(id: String) -> Option<Embed> {
    Some(Embed {
        provider: Provider::Youtube,
        url: format!("https://www.youtube.com/watch?v={id}"),
        markup: player(
            format!("https://www.youtube-nocookie.com/embed/{id}"),
            560,
            315,
        ),
        id,
    })
}

fn post(class: &'static str, data: Option<(&'static str, String)>) -> Markup {
    Markup::Post { class, data }
}

fn digits(segment: &str) -> Option<String> {
    (!segment.is_empty() && segment.len() <= 32 && segment.chars().all(|c| c.is_ascii_digit()))
        .then(|| segment.to_owned())
}

/// A Bluesky handle (a domain name) or DID.
fn handle_like(segment: &str) -> Option<String> {
    (!segment.is_empty()
        && segment.len() <= 253
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')))
    .then(|| segment.to_owned())
}

impl Embed {
    /// The provider's standard embed markup. Every value is one `recognize` rebuilt, so
    /// none needs escaping beyond `&` in query strings.
    pub fn html(&self) -> String {
        let attr = |text: &str| html_escape::encode_double_quoted_attribute(text).into_owned();
        match &self.markup {
            Markup::Player { src, width, height } => format!(
                "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" title=\"{} embed\" loading=\"lazy\" allowfullscreen></iframe>",
                attr(src),
                self.provider.name()
            ),
            Markup::Post { class, data } => {
                let data = data
                    .as_ref()
                    .map(|(name, value)| format!(" {name}=\"{}\"", attr(value)))
                    .unwrap_or_default();
                let url = attr(&self.url);
                format!(
                    "<blockquote class=\"{class}\"{data}><a href=\"{url}\">{url}</a></blockquote>"
                )
            }
        }
    }

    /// The player address, for an iframe's `src`.
    pub fn player_src(&self) -> Option<&str> {
        match &self.markup {
            Markup::Player { src, .. } => Some(src),
            Markup::Post { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_is_recognized_from_its_urls() {
        let cases = [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                Provider::Youtube,
                "dQw4w9WgXcQ",
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                Provider::Youtube,
                "dQw4w9WgXcQ",
            ),
            (
                "https://www.youtube.com/embed/dQw4w9WgXcQ",
                Provider::Youtube,
                "dQw4w9WgXcQ",
            ),
            ("https://vimeo.com/76979871", Provider::Vimeo, "76979871"),
            (
                "https://player.vimeo.com/video/76979871",
                Provider::Vimeo,
                "76979871",
            ),
            (
                "https://x.com/EU_Commission/status/1790000000000000000",
                Provider::X,
                "1790000000000000000",
            ),
            (
                "https://twitter.com/EU_Commission/status/1790000000000000000",
                Provider::X,
                "1790000000000000000",
            ),
            (
                "https://www.instagram.com/p/C7abcDEF123/",
                Provider::Instagram,
                "C7abcDEF123",
            ),
            (
                "https://www.tiktok.com/@europarl/video/7350000000000000000",
                Provider::Tiktok,
                "7350000000000000000",
            ),
            (
                "https://bsky.app/profile/europarl.bsky.social/post/3kabc123xyz",
                Provider::Bluesky,
                "3kabc123xyz",
            ),
            (
                "https://social.network.europa.eu/@EU_Commission/112233445566778899",
                Provider::Mastodon,
                "112233445566778899",
            ),
            (
                "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                Provider::Spotify,
                "4rOoJ6Egrf8K2IrywzwOMk",
            ),
            (
                "https://soundcloud.com/europarl/plenary-highlights",
                Provider::Soundcloud,
                "europarl/plenary-highlights",
            ),
            (
                "https://datawrapper.dwcdn.net/Ab1Cd/",
                Provider::Datawrapper,
                "Ab1Cd",
            ),
            (
                "https://public.flourish.studio/visualisation/1234567/",
                Provider::Flourish,
                "1234567",
            ),
            (
                "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2519",
                Provider::GoogleMaps,
                "!1m18!1m12!1m3!1d2519",
            ),
        ];
        for (url, provider, id) in cases {
            let embed = recognize(url).unwrap_or_else(|| panic!("{url} not recognized"));
            assert_eq!((embed.provider, embed.id.as_str()), (provider, id), "{url}");
            // The player's own address is recognized as the same embed.
            if let Some(src) = embed.player_src() {
                let again = recognize(src).unwrap_or_else(|| panic!("{src} not recognized"));
                assert_eq!(again, embed, "{src}");
            }
        }
    }

    #[test]
    fn other_urls_are_not_embeds() {
        for url in [
            "https://example.com/watch?v=x",
            "https://www.youtube.com/watch?v=<script>",
            "javascript:alert(1)",
            "https://x.com/EU_Commission",
            "https://vimeo.com/channels/staffpicks",
            "https://www.google.com/maps/place/Brussels",
            "not a url",
        ] {
            assert!(recognize(url).is_none(), "{url}");
        }
    }

    #[test]
    fn markup_is_the_providers_standard_one() {
        let video = recognize("https://youtu.be/dQw4w9WgXcQ").expect("video");
        assert_eq!(
            video.html(),
            "<iframe src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\" width=\"560\" height=\"315\" title=\"YouTube embed\" loading=\"lazy\" allowfullscreen></iframe>"
        );
        let post = recognize("https://x.com/a/status/1").expect("post");
        assert_eq!(
            post.html(),
            "<blockquote class=\"twitter-tweet\"><a href=\"https://twitter.com/a/status/1\">https://twitter.com/a/status/1</a></blockquote>"
        );
    }
}
