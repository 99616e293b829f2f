"""The running staff app over HTTP: login, cookies, CSRF, rate limit, roles, audit, escaping."""

import re

from urllib.parse import urlencode

import pytest
import requests
import sqlalchemy as sa

from staff import schema
from stores.db_url import create_engine

from staff_testkit import PASSWORD, PAYLOADS, create_account, start_app


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
                                  "/inbox", "/audit", "/conversations/abc",
                                  "/conversation?sender=abc"])
def test_every_page_needs_a_login(server, path):
    r = requests.get(server["base"] + path, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_posts_without_a_session_are_refused(server):
    r = requests.post(server["base"] + "/conversation/mark", data={"event_id": "1", "sender": "abc"},
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


def test_one_address_failing_on_many_accounts_locks_out_no_one_else(server):
    """Behind a proxy everybody shares one address: failures there lock only the names tried."""
    for name in ["ghost1", "ghost2", "ghost3", "ghost4", "ghost5", "ghost6", "ghost7"]:
        for _ in range(3):
            assert login(server["base"], name, "guess guess guess")[1].status_code == 401
        assert login(server["base"], name, "guess guess guess")[1].status_code == 429
    s, r = login(server["base"], "rita")  # same address, right password
    assert r.status_code == 302 and s.get(server["base"] + "/conversations").status_code == 200


def test_bad_filters_answer_400_and_the_last_day_works(server):
    s, _ = login(server["base"], "rita")
    for path in ["/conversations", "/dashboard", "/export.csv"]:
        r = s.get(server["base"] + path, params={"from": "not-a-date"})
        assert r.status_code == 400 and "YYYY-MM-DD" in r.text
        assert s.get(server["base"] + path, params={"to": "9999-12-31"}).status_code == 200
        assert s.get(server["base"] + path, params={"from": "0001-01-01", "to": "9999-12-31"}).status_code == 200
    assert s.get(server["base"] + "/conversations", params={"outcome": "nope"}).status_code == 400


def test_odd_conversation_ids_open(tmp_path):
    """Ids the REST channel accepts ("..", ".", "-x", "a:b@c.d"), ids the HTTP API stores ("../x") and
    over-long ids stored before the limit open as transcripts; old path links decode their id once."""
    import random
    import time

    from staff import demo_data
    from stores.db_url import create_engine

    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = create_engine(url)
    schema.create_all(engine)
    conv = demo_data.recording()["conversations"][0]["events"]
    odd = ["..", ".", "-x", "a:b@c.d", "../x", "L" * 300]
    with engine.begin() as conn:
        for sender in odd:
            conn.execute(schema.events.insert(),
                         demo_data.copy_conversation(conv, sender, time.time() - 7200, random.Random(3)))
    engine.dispose()
    create_account(url, "rita", "reviewer")
    proc, base = start_app(url, tmp_path / "odd.log")
    try:
        s, _ = login(base, "rita")
        listing = s.get(base + "/conversations").text
        for sender in odd:
            r = s.get(base + "/conversation", params={"sender": sender})
            assert r.status_code == 200 and f"<code>{sender}</code>" in r.text
            assert "/conversation?" + urlencode({"sender": sender}) in listing.replace("&amp;", "&")
        assert s.get(base + "/conversation").status_code == 400
        old_link = s.get(base + "/conversations/a:b@c.d", allow_redirects=False)
        assert old_link.status_code == 302 and "sender=a%3Ab%40c.d" in old_link.headers["Location"]
        encoded = s.get(base + "/conversations/a%3Ab%40c.d", allow_redirects=False)
        assert encoded.status_code == 302 and encoded.headers["Location"].endswith("sender=a%3Ab%40c.d")
        assert s.get(base + "/conversations/..%2Fx").status_code == 200  # followed to the transcript
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
    r = s.post(f"{server['base']}/conversation/mark",
               data={"sender": sender, "event_id": event_id, "suggested_intent": "faq/x"}, allow_redirects=False)
    assert r.status_code == 403
    r = s.post(f"{server['base']}/conversation/mark",
               data={"sender": sender, "event_id": event_id, "suggested_intent": "faq/x", "csrf_token": "wrong"},
               allow_redirects=False)
    assert r.status_code == 403


def test_marking_refuses_what_is_not_an_answer_and_merges_repeats(server):
    s, _ = login(server["base"], "rita")
    sender, event_id = _some_message(server)
    token = _csrf(s.get(f"{server['base']}/conversation", params={"sender": sender}).text)

    def mark(suggested):
        return s.post(f"{server['base']}/conversation/mark", allow_redirects=False, data={
            "sender": sender, "event_id": event_id, "suggested_intent": suggested, "csrf_token": token})

    refused = mark("sports")
    assert refused.status_code == 400 and "is not one of the assistant" in refused.text
    assert mark("ask_fee").status_code == 302 and mark("faq/abroad_why").status_code == 302
    engine = _db(server)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.trainer_inbox).where(schema.trainer_inbox.c.sender_id == sender)).fetchall()
    engine.dispose()
    assert [r.suggested_intent for r in rows] == ["faq/abroad_why"]


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
    s.get(f"{server['base']}/conversation", params={"sender": sender})
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
    pages = [s.get(f"{server['base']}/conversation", params={"sender": sender}).text,
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


def test_the_app_says_where_it_serves_and_the_login_page_names_the_account_command(server):
    port = server["base"].rsplit(":", 1)[1]
    assert f"Staff review page: http://127.0.0.1:{port}/" in server["log"].read_text()
    assert "make staff-account" in requests.get(server["base"] + "/login").text
