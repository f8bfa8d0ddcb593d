"""The shared HTTP layer against a real local server."""

from __future__ import annotations

import email.utils
import time

import pytest

from lien.sources._http import AuthError, HttpClient, HttpError, redact, redact_payload, retry_delay

from .server import ReplayServer, Reply

TOKEN = "EAAGm0PX4ZCpsBA-secret-token"


def client(server: ReplayServer, **kw: object) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    c = HttpClient(
        server.base_url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        secrets=(TOKEN,),
        sleep=waits.append,
        **kw,  # type: ignore[arg-type]
    )
    return c, waits


def test_429_honours_retry_after_then_succeeds(server: ReplayServer) -> None:
    server.add("/v1/x", Reply(429, {"error": "slow down"}, {"Retry-After": "7"}), {"ok": 1})
    c, waits = client(server)
    assert c.get_json("/v1/x") == {"ok": 1}
    assert waits == [7.0]
    assert len(server.requests) == 2


def test_500_then_success_backs_off_exponentially(server: ReplayServer) -> None:
    server.add("/p", Reply(500), Reply(503), {"ok": True})
    c, waits = client(server, backoff=0.5)
    assert c.get_json("/p") == {"ok": True}
    assert waits == [0.5, 1.0]  # 0.5 * 2**0, 0.5 * 2**1


def test_gives_up_after_max_retries_with_a_clear_error(server: ReplayServer) -> None:
    server.add("/p", Reply(502, "bad gateway"))
    c, waits = client(server, max_retries=2)
    with pytest.raises(HttpError, match="HTTP 502") as e:
        c.get("/p", {"access_token": TOKEN})
    assert TOKEN not in str(e.value)
    assert len(waits) == 2 and len(server.requests) == 3


def test_timeout_is_retried(server: ReplayServer) -> None:
    server.add("/slow", Reply(200, {"late": True}, delay=1.0), {"ok": 1})
    c, waits = client(server, timeout=0.2)
    assert c.get_json("/slow") == {"ok": 1}
    assert len(waits) == 1


def test_expired_token_is_an_auth_error_with_advice_and_no_secret(server: ReplayServer) -> None:
    body = {"error": {"message": f"Error validating access token {TOKEN}", "code": 190}}
    server.add("/me", Reply(401, body))
    c, _ = client(server, explain=lambda status, parsed: "Create a new token (code 190).")
    with pytest.raises(AuthError) as e:
        c.get("/me", {"access_token": TOKEN})
    message = str(e.value)
    assert "Create a new token" in message and "HTTP 401" in message
    assert TOKEN not in message


def test_token_travels_in_a_header_not_the_url(server: ReplayServer) -> None:
    server.add("/feed", {"data": []})
    c, _ = client(server)
    c.get("/feed", {"limit": 10})
    (req,) = server.requests
    assert TOKEN not in req.url and req.headers["Authorization"] == f"Bearer {TOKEN}"


def test_next_links_are_rebased_onto_the_base_url(server: ReplayServer) -> None:
    server.add("/v19.0/123/feed", {"page": 2}, query={"after": "abc"})
    c, _ = client(server)
    got = c.get_json("https://graph.facebook.com/v19.0/123/feed?after=abc&access_token=zzz")
    assert got == {"page": 2}


def test_redaction() -> None:
    url = f"https://graph.facebook.com/v19.0/1/comments?access_token={TOKEN}&after=QVFI"
    assert redact(url) == "https://graph.facebook.com/v19.0/1/comments?access_token=***&after=QVFI"
    payload = {"paging": {"next": url}, "data": [{"message": f"leaked {TOKEN}"}]}
    cleaned = redact_payload(payload, (TOKEN,))
    assert TOKEN not in str(cleaned) and "after=QVFI" in cleaned["paging"]["next"]


def test_retry_delay_reads_every_header_style() -> None:
    now = time.time()
    assert retry_delay({"Retry-After": "12"}, 0, 1.0, now) == 12.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_delay({"Retry-After": date}, 0, 1.0, now) <= 31
    assert 59 <= retry_delay({"x-ratelimit-reset": str(int(now + 60))}, 0, 1.0, now) <= 61
    assert retry_delay({"X-RateLimit-Reset": "5"}, 0, 1.0, now) == 5.0
    assert retry_delay({}, 3, 0.5, now) == 4.0  # 0.5 * 2**3
