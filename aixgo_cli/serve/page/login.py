"""Signing in with an API key: a form, a cookie the server's auth accepts like a bearer token, signing out.

The key is checked by the server's own `verify_key` (the page never sees how keys are stored) and, once
accepted, kept only in an HttpOnly, SameSite=Strict cookie: no script can read it and no other site can
send it. The key never appears in a URL, a redirect or a page.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from aixgo_cli.serve.page.html import document, esc, security_headers

COOKIE = "aixgo_key"
MAX_FORM_BYTES = 8192  # an API key and a path; anything larger is not a login form


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else "/": never a redirect to another site (`//host`,
    `/\\host`, `https:`), never a header injection."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 0x20 or ch in {"\x7f", "\\"} for ch in target):
        return "/"
    return target


def same_origin(request: Request) -> bool:
    """A form posted from another site is refused (login CSRF). Browsers say where a request comes from in
    `Sec-Fetch-Site`, and older ones in `Origin` (which must then name this host); a client that sends
    neither (curl) is not a browser being tricked."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host")


def login_form(next_path: str, error: str | None = None) -> str:
    alert = f'<p class="error" role="alert" id="login-error">{esc(error)}</p>' if error else ""
    body = (
        "<h1>Sign in</h1>"
        f"{alert}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{esc(next_path)}">'
        '<p><label for="key">API key</label> '
        '<input id="key" name="key" type="password" autocomplete="current-password" required></p>'
        '<p><button type="submit">Sign in</button></p></form>'
        "<p>Create a key with <code>aixgo serve keys create NAME --role viewer</code>.</p>"
    )
    return document("Sign in", body, signed_in=False)


async def show_login(request: Request) -> Response:
    return HTMLResponse(login_form(safe_next(request.query_params.get("next"))), headers=security_headers())


def make_login(verify_key: Callable[[str], object | None], *, secure_cookie: bool) -> Callable[[Request], object]:
    async def login(request: Request) -> Response:
        if not same_origin(request):
            return HTMLResponse(
                login_form("/", "Sign in from this site's own form."), status_code=403, headers=security_headers()
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return HTMLResponse(
                    login_form("/", "That form was too large."), status_code=413, headers=security_headers()
                )
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
        key = (fields.get("key") or [""])[0].strip()
        next_path = safe_next((fields.get("next") or ["/"])[0])
        accepted = bool(key) and await run_in_threadpool(verify_key, key) is not None
        if not accepted:
            error = "That key was not accepted: it is unknown, revoked or expired." if key else "Enter an API key."
            return HTMLResponse(login_form(next_path, error), status_code=401, headers=security_headers())
        response = RedirectResponse(next_path, status_code=303, headers=security_headers())
        response.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=secure_cookie, path="/")
        return response

    return login


def make_logout(*, secure_cookie: bool) -> Callable[[Request], object]:
    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303, headers=security_headers())
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure_cookie, path="/")
        return response

    return logout
