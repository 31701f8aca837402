-- Full-text search. Each article has one weighted tsvector, built by the database itself
-- (statement-level triggers below), in the text search configuration of its language:
--   A title · B standfirst · C body · D tag and author names.
-- Searches parse the query once per configuration in use (`search_configs`), so the GIN
-- index answers them whatever mix of languages the articles are in.

-- The text search configuration for a BCP 47 language tag: its primary subtag mapped to
-- a configuration PostgreSQL ships (when this server has it), else `simple`.
CREATE FUNCTION byline_search_config(language TEXT) RETURNS regconfig
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT c.oid::regconfig
           FROM pg_catalog.pg_ts_config c
          WHERE c.cfgnamespace = 'pg_catalog'::regnamespace
            AND c.cfgname = CASE lower(split_part(coalesce(language, ''), '-', 1))
                WHEN 'ar' THEN 'arabic'     WHEN 'hy' THEN 'armenian'   WHEN 'eu' THEN 'basque'
                WHEN 'ca' THEN 'catalan'    WHEN 'da' THEN 'danish'     WHEN 'nl' THEN 'dutch'
                WHEN 'en' THEN 'english'    WHEN 'fi' THEN 'finnish'    WHEN 'fr' THEN 'french'
                WHEN 'de' THEN 'german'     WHEN 'el' THEN 'greek'      WHEN 'hi' THEN 'hindi'
                WHEN 'hu' THEN 'hungarian'  WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish'
                WHEN 'it' THEN 'italian'    WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali'
                WHEN 'no' THEN 'norwegian'  WHEN 'nb' THEN 'norwegian'  WHEN 'nn' THEN 'norwegian'
                WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian'   WHEN 'ru' THEN 'russian'
                WHEN 'sr' THEN 'serbian'    WHEN 'es' THEN 'spanish'    WHEN 'sv' THEN 'swedish'
                WHEN 'ta' THEN 'tamil'      WHEN 'tr' THEN 'turkish'    WHEN 'yi' THEN 'yiddish'
            END),
        'pg_catalog.simple'::regconfig)
$$;

CREATE TABLE article_search (
    article_id TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    config regconfig NOT NULL,
    document tsvector NOT NULL
);
-- Ranking reads the document of every match: kept compressed in the row rather than in the
-- TOAST table, it is read several times faster.
ALTER TABLE article_search ALTER COLUMN document SET STORAGE MAIN;
CREATE INDEX article_search_document_idx ON article_search USING GIN (document);

-- Searches look each match up here: with what visibility, sorting and the common filters read,
-- the lookup is an index-only scan and never reads the article's wide row.
CREATE INDEX articles_search_lookup_idx
    ON articles (id) INCLUDE (status, published_at, embargo_until, updated_at, section_id, language);

-- Every configuration some article uses; a search parses its query once for each.
CREATE TABLE search_configs (
    config regconfig PRIMARY KEY NOT NULL
);

-- The D part of an article's document: its tag and author names.
CREATE FUNCTION byline_search_names(article TEXT, cfg regconfig) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector(cfg,
        coalesce((SELECT string_agg(t.name, ' ') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                   WHERE x.article_id = article), '')
        || ' ' ||
        coalesce((SELECT string_agg(a.name, ' ') FROM article_authors x JOIN authors a ON a.id = x.author_id
                   WHERE x.article_id = article), '')), 'D')
$$;

-- (Re)builds the whole document of these articles. Bodies are indexed up to 250 000
-- characters, well within the 1 MB a tsvector may hold.
CREATE FUNCTION byline_search_index(ids TEXT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO article_search (article_id, config, document)
    SELECT a.id, c.cfg,
           setweight(to_tsvector(c.cfg, a.title), 'A')
        || setweight(to_tsvector(c.cfg, coalesce(a.standfirst, '')), 'B')
        || setweight(to_tsvector(c.cfg, left(a.body_text, 250000)), 'C')
        || byline_search_names(a.id, c.cfg)
      FROM articles a
     CROSS JOIN LATERAL (SELECT byline_search_config(a.language) AS cfg) c
     WHERE a.id = ANY (ids)
    ON CONFLICT (article_id) DO UPDATE SET config = excluded.config, document = excluded.document;

    INSERT INTO search_configs (config)
    SELECT DISTINCT s.config FROM article_search s WHERE s.article_id = ANY (ids)
    ON CONFLICT DO NOTHING;
$$;

-- Replaces only the names (weight D) of these articles' documents: no body is parsed again.
CREATE FUNCTION byline_search_index_names(ids TEXT[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE article_search s
       SET document = ts_filter(s.document, '{a,b,c}') || byline_search_names(s.article_id, s.config)
     WHERE s.article_id = ANY (ids);
$$;

CREATE FUNCTION byline_search_on_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM byline_search_index(ARRAY(SELECT id FROM new_rows));
    ELSE
        PERFORM byline_search_index(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.title IS DISTINCT FROM o.title
                OR n.standfirst IS DISTINCT FROM o.standfirst
                OR n.body_text IS DISTINCT FROM o.body_text
                OR n.language IS DISTINCT FROM o.language));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_articles();
CREATE TRIGGER articles_search_update AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_articles();

-- Bylines and tagging (both link tables have `article_id`).
CREATE FUNCTION byline_search_on_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM byline_search_index_names(ARRAY(SELECT DISTINCT article_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM byline_search_index_names(ARRAY(SELECT DISTINCT article_id FROM old_rows));
    ELSE
        PERFORM byline_search_index_names(ARRAY(
            SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_tags_search_insert AFTER INSERT ON article_tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();
CREATE TRIGGER article_tags_search_update AFTER UPDATE ON article_tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();
CREATE TRIGGER article_tags_search_delete AFTER DELETE ON article_tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();
CREATE TRIGGER article_authors_search_insert AFTER INSERT ON article_authors
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();
CREATE TRIGGER article_authors_search_update AFTER UPDATE ON article_authors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();
CREATE TRIGGER article_authors_search_delete AFTER DELETE ON article_authors
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_links();

-- A renamed tag or author changes the documents of every article that names it.
CREATE FUNCTION byline_search_on_tag_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM byline_search_index_names(ARRAY(
        SELECT DISTINCT x.article_id
          FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN article_tags x ON x.tag_id = n.id
         WHERE n.name IS DISTINCT FROM o.name));
    RETURN NULL;
END
$$;

CREATE FUNCTION byline_search_on_author_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM byline_search_index_names(ARRAY(
        SELECT DISTINCT x.article_id
          FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN article_authors x ON x.author_id = n.id
         WHERE n.name IS DISTINCT FROM o.name));
    RETURN NULL;
END
$$;

CREATE TRIGGER tags_search_update AFTER UPDATE ON tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_tag_names();
CREATE TRIGGER authors_search_update AFTER UPDATE ON authors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION byline_search_on_author_names();

-- Existing articles.
SELECT byline_search_index(ARRAY(SELECT id FROM articles));
