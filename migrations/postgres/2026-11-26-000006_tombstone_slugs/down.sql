DROP TABLE tombstone_slugs;
