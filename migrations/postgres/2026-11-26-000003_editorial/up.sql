-- Editorial workflow: API keys, who created an article, old slugs (301), deleted articles
-- (410), and secrets shared by every instance (preview-token signing).
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('content', 'partner', 'contributor', 'editor', 'admin')),
    -- The public part of the key, used to find it; the secret part is stored only as a hash.
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

ALTER TABLE articles ADD COLUMN created_by TEXT;

CREATE TABLE article_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    retired_at TIMESTAMP NOT NULL
);
CREATE INDEX article_slugs_article_idx ON article_slugs (article_id);

CREATE TABLE tombstones (
    article_id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);
CREATE INDEX tombstones_slug_idx ON tombstones (slug);

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
