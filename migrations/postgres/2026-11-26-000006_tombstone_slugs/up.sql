-- Slugs a deleted article had before it was renamed: they answer 410 Gone like its last slug
-- (kept in `tombstones`), instead of vanishing with the article's slug history.
CREATE TABLE tombstone_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);
