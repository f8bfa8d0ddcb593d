"""`lien fetch instagram --account IG_USER_ID`: a professional account's media and every
comment and reply on each, from the Instagram Graph API (Facebook login) with a Page access
token of the Page linked to the account (LIEN_META_TOKEN).

What is read (see `_graphapi` for the phases, checkpoints and refresh window):

- `/{ig-user-id}/media`, newest first by cursor, with `username`, `like_count` and
  `comments_count`;
- `/{media-id}/comments` with `username`, `like_count`, `parent_id` and the replies of each
  comment embedded (`replies{...}`); a comment whose embedded replies have a next page has
  `/{comment-id}/replies` read too.

Records are the Graph objects as the file reader makes them from the same response, so
`lien reparse` maps them like an imported file. Instagram does not say whether the account
liked a comment. The token travels in the Authorization header and is removed from every
string stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ...errors import LienError
from ...fetching import ApiFetcher, FetchRequest, Page
from .. import RawRecord
from .._fetchrun import http_settings
from .._graph import items_of
from .._graphapi import (
    GRAPH_URL,
    INSTAGRAM_PERMISSIONS,
    TOKEN_ENV,
    GraphClient,
    GraphPlatform,
    GraphRun,
    explainer,
    require_id,
)
from .._jsondoc import obj, text_or_none
from . import _Pending, _resolve, _walk

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,username,like_count,"
    "comments_count"
)
REPLY_FIELDS = "id,text,timestamp,username,from,like_count,parent_id"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"


def response_records(
    doc: Any, label: str, edge: tuple[str, str], media: str | None
) -> list[RawRecord]:
    """The records `InstagramGraph.read` makes of one response, the edge given (a last page
    has no paging link to tell it)."""
    items, _ = items_of(doc)
    pending: list[_Pending] = []
    for location, item in items:
        _walk(item, f"{label}: {location}", edge, None, media, pending)
    _resolve(pending)
    return [
        RawRecord(p.location, p.payload, {**p.hints, "kind": "media" if p.is_media else "comment"})
        for p in pending
    ]


class _Instagram(GraphPlatform):
    name = "instagram"
    time_key = "timestamp"
    posts_edge = "media"
    posts_fields = MEDIA_FIELDS
    comment_fields = COMMENT_FIELDS
    page_size = 50

    def post_records(self, doc: Any, label: str, account: str) -> list[RawRecord]:
        return response_records(doc, label, (account, "media"), None)

    def comment_records(self, doc: Any, label: str, item: dict[str, Any]) -> list[RawRecord]:
        edge = (str(item["id"]), str(item["edge"]))
        return response_records(doc, label, edge, str(item["post"]))

    def comments_params(self, item: dict[str, Any]) -> dict[str, Any]:
        fields = self.comment_fields if item["edge"] == "comments" else REPLY_FIELDS
        return {"fields": fields, "limit": self.page_size}

    def more(self, doc: Any, item: dict[str, Any]) -> list[dict[str, Any]]:
        """A comment's replies beyond the embedded page: `/{comment-id}/replies` from there."""
        replies = obj(obj(doc).get("replies"))
        paging = obj(replies.get("paging"))
        cursor = text_or_none(obj(paging.get("cursors")).get("after"))
        ident = text_or_none(obj(doc).get("id"))
        if item["edge"] != "comments" or ident is None or not paging.get("next") or not cursor:
            return []
        return [{"id": ident, "edge": "replies", "post": item["post"], "after": cursor}]


class InstagramFetcher(ApiFetcher):
    platform = "instagram"
    title = "Instagram professional accounts"
    source_name = "instagram"
    default_base_url = GRAPH_URL
    target_metavar = "IG_USER_ID"
    target_option = "account"
    target_help = (
        "The Instagram account's numeric id (GET /{page-id}?fields=instagram_business_account)."
    )
    token_env = TOKEN_ENV
    token_required = True
    access = (
        "A business or creator Instagram account linked to a Facebook Page you manage, and a "
        "Page access token of that Page in LIEN_META_TOKEN.",
        "Create an app at developers.facebook.com (type Business), open the Graph API "
        "Explorer, add the permissions pages_show_list, pages_read_engagement, "
        "instagram_basic and instagram_manage_comments, generate a user token, then pick the "
        "Page under 'Page access tokens' and copy its token.",
        "The account id: GET /{page-id}?fields=instagram_business_account in the Explorer.",
        "Exchange the user token for a long-lived one first (Access Token Debugger > "
        "Extend): a Page token made from it does not expire.",
        "Instagram does not tell whether the account liked a comment (acknowledged_rate "
        "stays empty); hashtag searches and other accounts' media are not fetched.",
    )
    access_fr = (
        "Un compte Instagram professionnel (entreprise ou créateur) lié à une Page Facebook "
        "que vous gérez, et un jeton d'accès de cette Page dans LIEN_META_TOKEN.",
        "Créer une application sur developers.facebook.com (type Entreprise), ouvrir "
        "l'Explorateur de l'API Graph, ajouter les autorisations pages_show_list, "
        "pages_read_engagement, instagram_basic et instagram_manage_comments, générer un "
        "jeton utilisateur, puis choisir la Page sous « Jetons d'accès de Page » et copier "
        "son jeton.",
        "L'identifiant du compte : GET /{page-id}?fields=instagram_business_account dans "
        "l'Explorateur.",
        "Échanger d'abord le jeton utilisateur contre un jeton longue durée (Outil de "
        "débogage des jetons > Prolonger) : un jeton de Page issu de celui-ci n'expire pas.",
        "Instagram ne dit pas si le compte a aimé un commentaire (acknowledged_rate reste "
        "vide) ; les recherches de hashtags et les médias d'autres comptes ne sont pas "
        "récupérés.",
    )

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        http: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(base_url=base_url, token=token)
        self.http_options = http_settings(http)
        self.now = now  # naive UTC; None: the clock

    def account_key(self, request: FetchRequest) -> str:
        return require_id("instagram", "an Instagram account id", request.target)

    def _client(self) -> GraphClient:
        assert self.base_url is not None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        http = self.client(
            self.base_url,
            headers=headers,
            explain=explainer(INSTAGRAM_PERMISSIONS),
            **self.http_options,
        )
        return GraphClient(http)

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        account = self.account_key(request)
        run = GraphRun(_Instagram(), self._client(), request, state, account, self.now)
        return run.run()

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        # The Instagram source names authors by username: an account id is looked up.
        return account.strip().isdigit()

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        """(username in lowercase, name) of an Instagram account id."""
        found = self._client().get(f"/{account.strip()}", {"fields": "username,name"})
        username = text_or_none(obj(found).get("username"))
        if username is None:
            raise LienError(
                f"instagram: the Graph API did not answer a username for {account!r}; check "
                "that it is the id of a professional account linked to your Page"
            )
        return username.lower(), text_or_none(obj(found).get("name"))


FETCHER = InstagramFetcher
