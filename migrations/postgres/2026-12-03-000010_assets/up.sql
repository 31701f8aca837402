-- The asset library: each image stored once (by the SHA-256 of its bytes), with its rights,
-- its size upright and its focal point; and which articles use which assets, so that public
-- renditions are made only of images a public article shows, and an asset in use cannot be
-- deleted.
CREATE TABLE assets (
    id TEXT PRIMARY KEY NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    media_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    byte_size BIGINT NOT NULL,
    alt TEXT,
    caption TEXT,
    credit TEXT,
    copyright TEXT,
    licence TEXT,
    focal_x DOUBLE PRECISION,
    focal_y DOUBLE PRECISION,
    uploaded_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE article_assets (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE RESTRICT,
    PRIMARY KEY (article_id, asset_id)
);
CREATE INDEX article_assets_asset_idx ON article_assets (asset_id, article_id);
