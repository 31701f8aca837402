-- Content model: sections, authors, tags, articles and their ordered links, revisions.
-- Ids are lower-case UUID v7 text made in Rust; times are UTC TIMESTAMPs set in Rust.
CREATE TABLE sections (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE authors (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT,
    bio TEXT,
    avatar_url TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'person', 'organization', 'place', 'event')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE articles (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    standfirst TEXT,
    body_format TEXT NOT NULL CHECK (body_format IN ('markdown', 'html')),
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    section_id TEXT REFERENCES sections (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at TIMESTAMP,
    first_published_at TIMESTAMP,
    publish_at TIMESTAMP,
    embargo_until TIMESTAMP,
    language TEXT NOT NULL,
    dateline TEXT,
    hero_image TEXT,
    seo_title TEXT,
    seo_description TEXT,
    canonical_url TEXT,
    word_count INTEGER NOT NULL,
    reading_time_minutes INTEGER NOT NULL,
    version INTEGER NOT NULL,
    corrections TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The public list walks (status, published_at, id) backwards; sync walks updated_at.
CREATE INDEX articles_status_published_idx ON articles (status, published_at, id);
CREATE INDEX articles_updated_idx ON articles (updated_at, id);
CREATE INDEX articles_section_published_idx ON articles (section_id, published_at, id);

CREATE TABLE article_authors (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author_idx ON article_authors (author_id, article_id);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

CREATE TABLE revisions (
    id TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    actor TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (article_id, version)
);
