DROP TABLE server_secrets;
DROP TABLE tombstones;
DROP TABLE article_slugs;
ALTER TABLE articles DROP COLUMN created_by;
DROP TABLE api_keys;
