"""List the newest articles through the client generated from openapi.yaml.

Run by .ci/client-check, which generates the `byline_client` package with openapi-python-client,
type-checks it and this program with mypy --strict, and starts a server on the demo database.

    [BYLINE_ADMIN_KEY=byl_…] python list_articles.py --base-url http://127.0.0.1:18182 [--limit 5]

Exits 1 unless the page is non-empty, newest first, and each listed article read back by its
slug (and by its id) has the same title; with BYLINE_ADMIN_KEY, also unless the admin list
answers.
The annotations are on purpose: a contract change that alters these types fails the type check.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import uuid

from byline_client import AuthenticatedClient, Client
from byline_client.api.admin import admin_list_articles
from byline_client.api.articles import get_article_by_id, get_article_by_slug, list_articles
from byline_client.models.article_fields_json import ArticleFieldsJson
from byline_client.models.article_json import ArticleJson
from byline_client.models.item_envelope_shaped_article_json import ItemEnvelopeShapedArticleJson
from byline_client.models.list_articles_sort import ListArticlesSort
from byline_client.models.list_envelope_admin_article_json import ListEnvelopeAdminArticleJson
from byline_client.models.list_envelope_shaped_article_json import ListEnvelopeShapedArticleJson
from byline_client.models.problem import Problem
from byline_client.types import Unset


class CheckFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def answer(operation: str, status: int, content: bytes) -> str:
    return f"{operation}: HTTP {status}: {content[:300].decode('utf-8', 'replace')}"


def run(base_url: str, limit: int, admin_key: str | None) -> None:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    listed = list_articles.sync_detailed(
        client=client, limit=limit, sort=ListArticlesSort("-published_at")
    )
    page = listed.parsed
    if not isinstance(page, ListEnvelopeShapedArticleJson):
        raise CheckFailed(answer("list_articles", listed.status_code, listed.content))
    # Without `fields`, every article comes whole.
    whole: list[ArticleJson] = [a for a in page.data if isinstance(a, ArticleJson)]
    check(len(whole) == len(page.data), "list_articles: an article came cut down without `fields`")
    check(len(page.data) > 0, "list_articles: the page is empty")
    check(len(page.data) <= limit, f"list_articles: {len(page.data)} articles for limit={limit}")
    check(page.meta.limit == limit, f"list_articles: meta.limit is {page.meta.limit}")

    print(f"{len(page.data)} newest articles:")
    previous: datetime.datetime | None = None
    for item in whole:
        title: str = item.title
        published: datetime.datetime | None | Unset = item.published_at
        if not isinstance(published, datetime.datetime):
            raise CheckFailed(f"list_articles: {item.slug} has no published_at")
        check(
            previous is None or published <= previous,
            f"list_articles: {item.slug} is out of order ({published} after {previous})",
        )
        previous = published
        print(f"  {published:%Y-%m-%d %H:%M}  {title}  [{item.slug}]")

    first = whole[0]
    by_slug = get_article_by_slug.sync_detailed(first.slug, client=client)
    article = by_slug.parsed
    if not isinstance(article, ItemEnvelopeShapedArticleJson) or not isinstance(
        article.data, ArticleJson
    ):
        raise CheckFailed(answer("get_article_by_slug", by_slug.status_code, by_slug.content))
    fetched_title: str = article.data.title
    check(
        fetched_title == first.title,
        f"get_article_by_slug: title {fetched_title!r}, listed as {first.title!r}",
    )
    check(article.data.id == first.id, "get_article_by_slug: another article's id")
    print(f"fetched by slug {first.slug}: {fetched_title}")

    # Ids are `format: uuid` in answers and paths alike.
    article_id: uuid.UUID = first.id
    by_id = get_article_by_id.sync_detailed(article_id, client=client)
    same = by_id.parsed
    if not isinstance(same, ItemEnvelopeShapedArticleJson):
        raise CheckFailed(answer("get_article_by_id", by_id.status_code, by_id.content))
    check(same.data.slug == first.slug, "get_article_by_id: another article's slug")

    # With `fields`, the same articles come cut down to the fields named, and still parse.
    cut = list_articles.sync_detailed(client=client, limit=limit, fields="slug,title")
    cut_page = cut.parsed
    if not isinstance(cut_page, ListEnvelopeShapedArticleJson):
        raise CheckFailed(answer("list_articles (fields)", cut.status_code, cut.content))
    slugs: list[str | Unset] = [
        a.slug for a in cut_page.data if isinstance(a, ArticleFieldsJson)
    ]
    check(
        slugs == [a.slug for a in whole],
        f"list_articles (fields=slug,title): slugs {slugs}, listed {[a.slug for a in whole]}",
    )
    print(f"the same page with fields=slug,title: {len(slugs)} cut-down articles")

    missing = get_article_by_slug.sync_detailed("no-such-article-client-check", client=client)
    problem = missing.parsed
    if not isinstance(problem, Problem):
        raise CheckFailed(
            answer("get_article_by_slug (missing)", missing.status_code, missing.content)
        )
    status: int = problem.status
    check(status == 404, f"get_article_by_slug (missing): problem status {status}")
    print(f"a missing slug: {status} {problem.title}")

    if admin_key:
        admin = AuthenticatedClient(
            base_url=base_url, token=admin_key, raise_on_unexpected_status=True
        )
        answered = admin_list_articles.sync_detailed(client=admin, limit=limit)
        admin_page = answered.parsed
        if not isinstance(admin_page, ListEnvelopeAdminArticleJson):
            raise CheckFailed(answer("admin_list_articles", answered.status_code, answered.content))
        check(len(admin_page.data) > 0, "admin_list_articles: the page is empty")
        versions: list[int] = [a.version for a in admin_page.data]
        check(all(v >= 1 for v in versions), f"admin_list_articles: versions {versions}")
        states = ", ".join(f"{a.slug} ({a.status.value}, v{a.version})" for a in admin_page.data)
        print(f"admin_list_articles, most recently changed: {states}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--limit", type=int, default=5)
    args = parser.parse_args()
    base_url: str = args.base_url
    limit: int = args.limit
    admin_key: str | None = os.environ.get("BYLINE_ADMIN_KEY") or None
    try:
        run(base_url, limit, admin_key)
    except CheckFailed as failure:
        print(f"client check failed: {failure}", file=sys.stderr)
        return 1
    print("client check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
