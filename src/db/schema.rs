//! Diesel table definitions, kept in step with `migrations/` (a test checks both backends).

diesel::table! {
    sections (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authors (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        role -> Nullable<Text>,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        links -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        standfirst -> Nullable<Text>,
        body_format -> Text,
        body_source -> Text,
        body_html -> Text,
        body_text -> Text,
        section_id -> Nullable<Text>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        first_published_at -> Nullable<Timestamp>,
        publish_at -> Nullable<Timestamp>,
        embargo_until -> Nullable<Timestamp>,
        language -> Text,
        dateline -> Nullable<Text>,
        hero_image -> Nullable<Text>,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        version -> Integer,
        corrections -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<Text>,
        public_since -> Nullable<Timestamp>,
        body_blocks -> Text,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> Text,
        author_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Text,
        tag_id -> Text,
        position -> Integer,
        /// The article's `published_at`, copied by triggers: orders a tag's list by index.
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revisions (id) {
        id -> Text,
        article_id -> Text,
        version -> Integer,
        snapshot -> Text,
        actor -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_slugs (slug) {
        slug -> Text,
        article_id -> Text,
        retired_at -> Timestamp,
    }
}

diesel::table! {
    tombstones (article_id) {
        article_id -> Text,
        slug -> Text,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tombstone_slugs (slug) {
        slug -> Text,
        article_id -> Text,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        event -> Text,
        subject_id -> Text,
        subject_slug -> Text,
        occurred_at -> Timestamp,
        available_at -> Timestamp,
        data -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_token -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, attempt) {
        delivery_id -> Text,
        attempt -> Integer,
        started_at -> Timestamp,
        duration_ms -> Integer,
        response_status -> Nullable<Integer>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    assets (id) {
        id -> Text,
        content_hash -> Text,
        media_type -> Text,
        width -> Integer,
        height -> Integer,
        byte_size -> BigInt,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        copyright -> Nullable<Text>,
        licence -> Nullable<Text>,
        focal_x -> Nullable<Double>,
        focal_y -> Nullable<Double>,
        uploaded_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_assets (article_id, asset_id) {
        article_id -> Text,
        asset_id -> Text,
    }
}

diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(article_assets -> articles (article_id));
diesel::joinable!(article_assets -> assets (asset_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(revisions -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    sections,
    authors,
    tags,
    articles,
    article_authors,
    article_tags,
    revisions,
    api_keys,
    article_slugs,
    tombstones,
    server_secrets,
    tombstone_slugs,
    webhooks,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
    assets,
    article_assets,
);
