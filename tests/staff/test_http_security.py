"""The running staff app over HTTP: login, cookies, CSRF, rate limit, roles, audit, escaping."""

import re

import pytest
import requests
import sqlalchemy as sa

from staff import schema
from stores.db_url import create_engine

from staff_testkit import PASSWORD, PAYLOADS, start_app


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(base, username, password=PASSWORD):
    s = requests.Session()
    token = _csrf(s.get(base + "/login").text)
    r = s.post(base + "/login", data={"csrf_token": token, "username": username,
                                       "password": password}, allow_redirects=False)
    return s, r


def _db(server):
    return create_engine(server["db_url"])


@pytest.mark.parametrize("path", ["/conversations", "/dashboard", "/export.csv", "/export.jsonl",
                                  "/inbox", "/audit", "/conversations/abc"])
def test_every_page_needs_a_login(server, path):
    r = requests.get(server["base"] + path, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_posts_without_a_session_are_refused(server):
    r = requests.post(server["base"] + "/conversations/abc/mark", data={"event_id": "1"},
                      allow_redirects=False)
    assert r.status_code == 401


def test_login_sets_a_strict_httponly_session_cookie(server):
    s, r = login(server["base"], "rita")
    assert r.status_code == 302 and r.headers["Location"] == "/conversations"
    cookie = [c for c in r.raw.headers.getlist("Set-Cookie") if c.startswith("staff_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    page = s.get(server["base"] + "/conversations")
    assert page.status_code == 200 and "rita (reviewer)" in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none' covers it
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["X-Frame-Options"] == "DENY"


def test_wrong_password_and_forged_login_form(server):
    _, r = login(server["base"], "rita", "not the password!")
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = requests.post(server["base"] + "/login", data={"csrf_token": "forged", "username": "rita",
                                                       "password": PASSWORD}, allow_redirects=False)
    assert r.status_code == 403


def test_login_rate_limit_is_kept_in_the_database(server):
    engine = _db(server)
    from staff import accounts
    accounts.create_user(engine, "victim", PASSWORD, "reviewer")
    for _ in range(3):  # STAFF_LOGIN_MAX_FAILURES=3 in the test server
        assert login(server["base"], "victim", "guess guess guess")[1].status_code == 401
    _, r = login(server["base"], "victim")  # even the right password now waits
    assert r.status_code == 429
    with engine.connect() as conn:
        failures = conn.execute(sa.select(sa.func.count()).select_from(schema.login_attempts).where(
            schema.login_attempts.c.username == "victim",
            schema.login_attempts.c.success.is_(False))).scalar()
    assert failures == 3
    engine.dispose()


def test_logout_ends_the_session_server_side(server):
    s, _ = login(server["base"], "rita")
    page = s.get(server["base"] + "/conversations").text
    old_cookie = s.cookies.get("staff_session")
    s.post(server["base"] + "/logout", data={"csrf_token": _csrf(page)})
    r = requests.get(server["base"] + "/conversations", cookies={"staff_session": old_cookie},
                     allow_redirects=False)
    assert r.status_code == 302


def _some_message(server):
    engine = _db(server)
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.staff_turns.c.sender_id, schema.staff_turns.c.event_id)
                           .order_by(schema.staff_turns.c.event_id).limit(1)).first()
    engine.dispose()
    return row


def test_mark_for_training_needs_the_csrf_token(server):
    s, _ = login(server["base"], "rita")
    sender, event_id = _some_message(server)
    r = s.post(f"{server['base']}/conversations/{sender}/mark",
               data={"event_id": event_id, "suggested_intent": "faq/x"}, allow_redirects=False)
    assert r.status_code == 403
    r = s.post(f"{server['base']}/conversations/{sender}/mark",
               data={"event_id": event_id, "suggested_intent": "faq/x", "csrf_token": "wrong"},
               allow_redirects=False)
    assert r.status_code == 403


def test_roles_reviewer_cannot_see_audit_or_decide(server):
    s, _ = login(server["base"], "rita")
    assert s.get(server["base"] + "/audit").status_code == 403
    page = s.get(server["base"] + "/inbox").text
    r = s.post(server["base"] + "/inbox/1/accept", data={"csrf_token": _csrf(page)},
               allow_redirects=False)
    assert r.status_code == 403
    admin, _ = login(server["base"], "adam")
    assert admin.get(server["base"] + "/audit").status_code == 200


def test_views_and_exports_are_audited(server):
    s, _ = login(server["base"], "rita")
    sender, _ = _some_message(server)
    s.get(f"{server['base']}/conversations/{sender}")
    export = s.get(server["base"] + "/export.jsonl?declined=1")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("application/x-ndjson")
    engine = _db(server)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log).where(schema.audit_log.c.username == "rita")
                            .order_by(schema.audit_log.c.id)).fetchall()
    engine.dispose()
    actions = [(r.action, r.target) for r in rows]
    assert ("view_transcript", sender) in actions
    n = len(export.text.splitlines())
    assert ("export_jsonl", f"{n} messages; declined=1") in actions


def test_student_text_is_escaped_everywhere(server):
    s, _ = login(server["base"], "rita")
    engine = _db(server)
    with engine.connect() as conn:
        sender = conn.execute(sa.select(schema.staff_turns.c.sender_id).where(
            schema.staff_turns.c.text == PAYLOADS[0])).scalar()
    engine.dispose()
    pages = [s.get(f"{server['base']}/conversations/{sender}").text,
             s.get(server["base"] + "/conversations", params={"q": "<script>"}).text]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in pages[0]
    # the search box echoes the query escaped too
    assert 'value="&lt;script&gt;"' in pages[1]
    csv_text = s.get(server["base"] + "/export.csv", params={"q": "hyperlink"}).text
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text


def test_cookies_are_secure_when_configured(server, tmp_path):
    proc, base = start_app(server["db_url"], tmp_path / "secure.log", STAFF_COOKIE_SECURE="1")
    try:
        form = requests.get(base + "/login")
        prelogin = form.cookies.get("staff_prelogin")  # a client keeps Secure cookies for https only
        r = requests.post(base + "/login", allow_redirects=False,
                          headers={"Cookie": f"staff_prelogin={prelogin}"},
                          data={"csrf_token": _csrf(form.text), "username": "rita", "password": PASSWORD})
        assert r.status_code == 302
        cookie = [c for c in r.raw.headers.getlist("Set-Cookie") if c.startswith("staff_session=")][0]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    finally:
        proc.terminate()
        proc.wait(timeout=10)
