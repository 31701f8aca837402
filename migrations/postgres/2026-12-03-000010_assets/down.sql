DROP TABLE article_assets;
DROP TABLE assets;
