"""`lien serve`: the same library, as a local web page for people who do not use a terminal.

One process, one workspace, one user: a threaded HTTP server from the standard library bound
to the loopback address, requests handled one at a time against the workspace (a lock), pages
rendered by autoescaped templates. Everything shown comes from the platforms or from files,
so it is untrusted: every page forbids scripts and remote loads (Content-Security-Policy),
every form carries a token that only this server's pages know (no other site can make the
browser post to it), and requests must name this server in their Host header (a web page
cannot reach it through a domain name of its own pointing at 127.0.0.1).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import LienError
from ..inbox import inbox, to_csv
from ..report import build_report
from ..report.i18n import Locale
from ..workspace import Workspace
from . import pages
from .forms import Form, parse_multipart, parse_urlencoded

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# The report is a document of its own (inline styles, SVG charts), shown without any script.
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
NAV = (
    ("/", "Overview"),
    ("/inbox", "Inbox"),
    ("/metrics", "Figures"),
    ("/people", "People"),
    ("/import", "Import"),
    ("/accounts", "Accounts"),
    ("/report", "Report"),
)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: Form = field(default_factory=Form)

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)


class WebApp:
    """The pages of one workspace. Library calls only: nothing is computed here."""

    def __init__(self, ws: Workspace, now: Callable[[], datetime] | None = None) -> None:
        self.ws = ws
        self.lock = threading.Lock()
        self.token = secrets.token_urlsafe(32)
        self.cache = pages.MetricsCache()
        self.folder = Path(tempfile.mkdtemp(prefix="lien-serve-"))
        self.report: Path | None = None
        self.now = now or (lambda: datetime.now(UTC).replace(tzinfo=None))
        self.env = Environment(
            loader=PackageLoader("lien.web", "templates"),
            autoescape=select_autoescape(["html", "j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.routes: dict[tuple[str, str], Callable[[Request, Locale], Response]] = {
            ("GET", "/"): self.overview,
            ("GET", "/inbox"): self.inbox,
            ("GET", "/inbox.csv"): self.inbox_csv,
            ("GET", "/metrics"): self.metrics,
            ("GET", "/people"): self.people,
            ("GET", "/import"): self.imports,
            ("POST", "/import"): self.do_import,
            ("GET", "/accounts"): self.accounts,
            ("POST", "/accounts"): self.change_accounts,
            ("GET", "/report"): self.report_form,
            ("POST", "/report"): self.build_report,
            ("GET", "/report/latest"): self.latest_report,
        }

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == "/static/lien.css" and request.method == "GET":
            css = resources.files("lien.web").joinpath("static", "lien.css").read_bytes()
            return Response(body=css, content_type="text/css; charset=utf-8")
        route = self.routes.get((request.method, request.path))
        lang = request.arg("lang") or request.form.get("lang")
        loc = Locale(lang if lang in ("fr", "en") else self.ws.lang)
        if route is None:
            known = any(path == request.path for _, path in self.routes)
            status = HTTPStatus.METHOD_NOT_ALLOWED if known else HTTPStatus.NOT_FOUND
            return self.page("error.html.j2", loc, request, status=status, message=status.phrase)
        if request.method == "POST" and not hmac.compare_digest(
            request.form.get("csrf"), self.token
        ):
            return self.page(
                "error.html.j2",
                loc,
                request,
                status=HTTPStatus.FORBIDDEN,
                message=loc.gettext("This form has expired: reload the page and send it again."),
            )
        try:
            with self.lock:
                return route(request, loc)
        except LienError as e:
            return self.page("error.html.j2", loc, request, status=400, message=str(e))
        except Exception:  # a page must answer, and the terminal keep the details
            traceback.print_exc()
            message = loc.gettext(
                "lien failed to build this page; the details are in the terminal where "
                "lien serve runs."
            )
            return self.page("error.html.j2", loc, request, status=500, message=message)

    def page(
        self, template: str, loc: Locale, request: Request, status: int = 200, **context: Any
    ) -> Response:
        html = self.env.get_template(template).render(
            _=loc.gettext,
            lang=loc.lang,
            nav=[(path, loc.gettext(title)) for path, title in NAV],
            here=request.path,
            csrf=self.token,
            lang_link=lambda other: (
                request.path + "?" + urlencode({**request.query, "lang": other})
            ),
            **context,
        )
        return Response(status=int(status), body=html.encode("utf-8"))

    # -- pages -------------------------------------------------------------------------------

    def overview(self, request: Request, loc: Locale) -> Response:
        data = pages.dashboard(self.ws, self.cache, loc, self.now())
        return self.page("overview.html.j2", loc, request, **data)

    def inbox(self, request: Request, loc: Locale) -> Response:
        data = pages.inbox_page(
            self.ws,
            loc,
            self.now(),
            everything=request.arg("all") == "1",
            platform=request.arg("platform") or None,
            since=request.arg("since") or None,
        )
        csv_link = "/inbox.csv?" + urlencode({k: v for k, v in request.query.items() if v})
        return self.page("inbox.html.j2", loc, request, csv_link=csv_link, **data)

    def inbox_csv(self, request: Request, loc: Locale) -> Response:
        table = inbox(
            self.ws,
            unanswered=request.arg("all") != "1",
            since=pages._day(request.arg("since")),
            platforms=[request.arg("platform")] if request.arg("platform") else None,
            now=self.now(),
            lang=loc.lang,
        )
        return Response(
            body=to_csv(table, loc.lang),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="lien-questions.csv"'},
        )

    def metrics(self, request: Request, loc: Locale) -> Response:
        period = pages.period_kind(request.arg("period"))
        data = pages.metrics_page(self.ws, self.cache, loc, period)
        return self.page("metrics.html.j2", loc, request, **data)

    def people(self, request: Request, loc: Locale) -> Response:
        period = pages.period_kind(request.arg("period"))
        data = pages.people_page(self.ws, loc, period, request.arg("at") or None)
        return self.page("people.html.j2", loc, request, **data)

    def imports(self, request: Request, loc: Locale, results: Any = None) -> Response:
        data = pages.imports_page(self.ws, loc)
        return self.page("import.html.j2", loc, request, results=results, **data)

    def do_import(self, request: Request, loc: Locale) -> Response:
        if not request.form.files:
            raise LienError(loc.gettext("Choose one or more files to import."))
        names = {str(path): shown for shown, path in request.form.files}
        try:
            results = self.ws.import_paths([path for _, path in request.form.files])
        finally:
            for _, path in request.form.files:
                path.unlink(missing_ok=True)
        return self.imports(request, loc, results=pages.import_results(results, names, loc))

    def accounts(self, request: Request, loc: Locale, message: str = "") -> Response:
        data = pages.accounts_page(self.ws, loc)
        return self.page("accounts.html.j2", loc, request, message=message, **data)

    def change_accounts(self, request: Request, loc: Locale) -> Response:
        platform = request.form.get("platform").strip()
        author_id = request.form.get("author_id").strip()
        if request.form.get("action") == "remove":
            self.ws.remove_account(platform, author_id)
            message = loc.gettext("Account removed: its messages count as a member's again.")
        else:
            self.ws.add_account(platform, author_id, request.form.get("name").strip() or None)
            message = loc.gettext("Account added: every figure now counts its messages as yours.")
        return self.accounts(request, loc, message=message)

    def report_form(self, request: Request, loc: Locale) -> Response:
        return self.page("report.html.j2", loc, request, built=self.report is not None)

    def build_report(self, request: Request, loc: Locale) -> Response:
        period = pages.period_kind(request.form.get("period"))
        out = self.folder / f"report-{int(time.time() * 1000)}.html"
        built = build_report(self.ws, out, lang=loc.lang, period=period)
        if self.report is not None:
            self.report.unlink(missing_ok=True)
        self.report = built.path
        return Response(status=303, headers={"Location": f"/report/latest?lang={loc.lang}"})

    def latest_report(self, request: Request, loc: Locale) -> Response:
        if self.report is None or not self.report.exists():
            return Response(status=303, headers={"Location": f"/report?lang={loc.lang}"})
        return Response(
            body=self.report.read_bytes(),
            headers={
                "Content-Security-Policy": REPORT_CSP,
                "Content-Disposition": 'inline; filename="lien-report.html"',
            },
        )


# -- HTTP ------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: LienServer
    server_version = "lien"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        if not self.server.allowed_host(self.headers.get("Host", "")):
            self._send(Response(status=421, body=b"This server only answers on its own address."))
            return
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = Request(method, parts.path, query, dict(self.headers.items()))
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_UPLOAD_BYTES:
                self._send(Response(status=413, body=b"Too large: use lien import for big files."))
                return
            body = self.rfile.read(length)
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("multipart/form-data"):
                request.form = parse_multipart(kind, body, self.server.app.folder)
            else:
                request.form = parse_urlencoded(body)
        self._send(self.server.app.handle(request))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        headers = {
            "Content-Type": response.content_type,
            "Content-Length": str(len(response.body)),
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
            **response.headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


class LienServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: WebApp, host: str, port: int, verbose: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        self.verbose = verbose
        self.port = int(self.server_address[1])
        names = {"127.0.0.1", "localhost", "[::1]"}
        if host not in ("", "0.0.0.0", "::"):
            names.add(f"[{host}]" if ":" in host else host)
        self.hosts = {f"{name}:{self.port}" for name in names}

    def allowed_host(self, host: str) -> bool:
        return host.lower() in self.hosts

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(
    ws: Workspace, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False
) -> LienServer:
    return LienServer(WebApp(ws), host, port, verbose)
