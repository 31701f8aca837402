CREATE OR REPLACE FUNCTION byline_search_names(article TEXT, cfg regconfig) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector(cfg,
        coalesce((SELECT string_agg(t.name, ' ') FROM article_tags x JOIN tags t ON t.id = x.tag_id
                   WHERE x.article_id = article), '')
        || ' ' ||
        coalesce((SELECT string_agg(a.name, ' ') FROM article_authors x JOIN authors a ON a.id = x.author_id
                   WHERE x.article_id = article), '')), 'D')
$$;
DROP INDEX article_authors_order_idx;
DROP INDEX article_tags_order_idx;
DROP TRIGGER articles_published_copy ON articles;
DROP FUNCTION byline_article_published_copy();
DROP TRIGGER article_tags_published_insert ON article_tags;
DROP FUNCTION byline_tagging_published_at();
DROP INDEX article_tags_tag_published_idx;
ALTER TABLE article_tags DROP COLUMN published_at;
