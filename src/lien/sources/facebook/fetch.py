"""`lien fetch facebook --page PAGE_ID`: a Page's posts and every comment and reply on each,
from the Graph API with the Page's own access token (LIEN_META_TOKEN).

What is read (see `_graphapi` for the phases, checkpoints and refresh window):

- `/{page-id}/feed` (the Page's posts and visitors' posts), newest first by cursor, with the
  reactions and comments totals and `reactions.summary.viewer_reaction` (whether the Page
  reacted to the post);
- `/{post-id}/comments?filter=stream&order=chronological`: every comment and reply of a post,
  oldest first, with `parent{id}` (a reply's comment) and `user_likes` (read with the Page's
  token, the viewer is the Page: whether the Page liked the comment).

Records are the Graph objects as the file reader makes them from the same response (hints
from `FacebookGraph`'s walk), so `lien reparse` maps them like an imported file. The token
travels in the Authorization header; paging links are followed by cursor, never by URL, and
every string stored has the token removed.
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
    FACEBOOK_PERMISSIONS,
    GRAPH_URL,
    TOKEN_ENV,
    GraphClient,
    GraphPlatform,
    GraphRun,
    explainer,
    require_id,
)
from .._jsondoc import text_or_none
from . import _Pending, _resolve, _walk

POST_FIELDS = (
    "id,created_time,updated_time,message,permalink_url,from,status_type,shares,"
    "reactions.limit(0).summary(true),comments.limit(0).summary(true)"
)
COMMENT_FIELDS = (
    "id,created_time,message,from,parent{id},permalink_url,like_count,comment_count,"
    "user_likes,attachment"
)


def response_records(
    doc: Any, label: str, edge: tuple[str, str], post: str | None
) -> list[RawRecord]:
    """The records `FacebookGraph.read` makes of one response, the edge given (a last page
    has no paging link to tell it)."""
    items, _ = items_of(doc)
    pending: list[_Pending] = []
    for location, item in items:
        _walk(item, f"{label}: {location}", edge, None, post, pending)
    _resolve(pending)
    return [
        RawRecord(p.location, p.payload, {**p.hints, "kind": "comment" if p.is_comment else "post"})
        for p in pending
    ]


class _Facebook(GraphPlatform):
    name = "facebook"
    time_key = "created_time"
    posts_edge = "feed"
    posts_fields = POST_FIELDS
    comment_fields = COMMENT_FIELDS

    def post_records(self, doc: Any, label: str, account: str) -> list[RawRecord]:
        return response_records(doc, label, (account, "feed"), None)

    def comment_records(self, doc: Any, label: str, item: dict[str, Any]) -> list[RawRecord]:
        return response_records(doc, label, (str(item["id"]), "comments"), str(item["post"]))

    def comments_params(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "fields": self.comment_fields,
            "filter": "stream",
            "order": "chronological",
            "limit": self.page_size,
        }


class FacebookFetcher(ApiFetcher):
    platform = "facebook"
    title = "Facebook Pages"
    source_name = "facebook"
    default_base_url = GRAPH_URL
    target_metavar = "PAGE_ID"
    target_option = "page"
    target_help = "The Page's numeric id (Page > About > Page transparency, or /me/accounts)."
    token_env = TOKEN_ENV
    token_required = True
    access = (
        "A Page access token of the Page, in LIEN_META_TOKEN: you must manage the Page.",
        "Create an app at developers.facebook.com (type Business), open the Graph API "
        "Explorer, add the permissions pages_show_list, pages_read_engagement and "
        "pages_read_user_content, generate a user token, then pick your Page under 'Page "
        "access tokens' (or GET /me/accounts) and copy its token.",
        "Tokens from the Explorer last about an hour: exchange the user token for a "
        "long-lived one (Access Token Debugger > Extend) first; a Page token made from it "
        "does not expire.",
        "Without pages_read_user_content visitors' comments come without their authors; "
        "comment authors (`from`) are only given to the Page's own token.",
    )
    access_fr = (
        "Un jeton d'accès de la Page, dans LIEN_META_TOKEN : il faut gérer la Page.",
        "Créer une application sur developers.facebook.com (type Entreprise), ouvrir "
        "l'Explorateur de l'API Graph, ajouter les autorisations pages_show_list, "
        "pages_read_engagement et pages_read_user_content, générer un jeton utilisateur, "
        "puis choisir la Page sous « Jetons d'accès de Page » (ou GET /me/accounts) et copier "
        "son jeton.",
        "Les jetons de l'Explorateur durent environ une heure : échanger d'abord le jeton "
        "utilisateur contre un jeton longue durée (Outil de débogage des jetons > Prolonger) ; "
        "un jeton de Page issu de celui-ci n'expire pas.",
        "Sans pages_read_user_content les commentaires des visiteurs arrivent sans leur "
        "auteur ; les auteurs des commentaires (`from`) ne sont donnés qu'au jeton de la Page.",
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
        return require_id("facebook", "a Page id", request.target)

    def _client(self) -> GraphClient:
        assert self.base_url is not None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        http = self.client(
            self.base_url,
            headers=headers,
            explain=explainer(FACEBOOK_PERMISSIONS),
            **self.http_options,
        )
        return GraphClient(http)

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        page = self.account_key(request)
        run = GraphRun(_Facebook(), self._client(), request, state, page, self.now)
        return run.run()

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return not account.strip().isdigit()

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        """The Page id and name of a Page username (`lien accounts add facebook office`)."""
        name = account.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@")
        found = self._client().get(f"/{name}", {"fields": "id,name"})
        ident = text_or_none(found.get("id")) if isinstance(found, dict) else None
        if ident is None:
            raise LienError(f"facebook: the Graph API did not answer a Page for {account!r}")
        return ident, text_or_none(found.get("name"))


FETCHER = FacebookFetcher
