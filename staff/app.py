"""The staff review web app (Sanic, server-side rendered).

    python -m staff.app          # http://127.0.0.1:8100 (STAFF_HOST, STAFF_PORT)

Every page needs a login; every form carries the session's CSRF token; all
student text goes through Jinja2 autoescaping; a strict Content-Security-
Policy forbids scripts altogether. Views and exports are written to the
audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import NotFound

from staff import accounts, charts, config, demo_data, describe, export, freshness, inbox, outcomes, queries, security, turn_index
from staff.schema import audit_log, create_all
from stores import sender_ids
from stores.db_url import create_engine, masked
from trainer import inbox as trainer_inbox
from trainer import targets
from trainer.project import Refused, relative

logger = logging.getLogger(__name__)
SESSION_COOKIE = "staff_session"
PRELOGIN_COOKIE = "staff_prelogin"
TEMPLATES = Path(__file__).parent / "templates"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def _fmt_time(ts: Optional[float]) -> str:
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _fmt_conf(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.2f}"


def build_app(settings: Optional[config.Settings] = None, name: str = "staff_review") -> Sanic:
    settings = settings or config.load()
    engine = create_engine(settings.db_url)
    create_all(engine)
    jinja = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                        autoescape=select_autoescape(["html", "svg"], default=True))
    jinja.filters["time"] = _fmt_time
    jinja.filters["conf"] = _fmt_conf
    jinja.globals["outcome_titles"] = outcomes.OUTCOME_TITLES
    jinja.globals["reason_titles"] = outcomes.REASON_TITLES
    jinja.globals["language_names"] = queries.LANGUAGE_NAMES
    jinja.globals["describe"] = lambda turn: describe.describe(turn, settings.low_confidence)
    jinja.globals["threshold"] = f"{settings.low_confidence:g}"
    jinja.globals["is_demo"] = demo_data.is_demo
    jinja.tests["is_demo"] = demo_data.is_demo
    jinja.filters["answer_title"] = targets.title
    app = Sanic(name)
    app.config.FORWARDED_SECRET = None
    app.ctx.engine = engine
    app.ctx.settings = settings
    logger.info("staff app on %s", masked(settings.db_url))

    def set_cookie(resp, key, value, max_age):
        resp.cookies[key] = value
        cookie = resp.cookies[key]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["max-age"] = max_age
        if settings.cookie_secure:
            cookie["secure"] = True

    def render(request, template, status=200, **context):
        context.setdefault("user", getattr(request.ctx, "user", None))
        html = jinja.get_template(template).render(**context)
        return response.html(html, status=status)

    def client_ip(request) -> str:
        return request.ip or ""

    def sync_index():
        try:
            turn_index.sync(engine, settings.sync_lag_seconds)
        except sa.exc.IntegrityError:
            pass  # another replica indexed the same events at the same moment

    def login_required(role: Optional[str] = None, csrf: bool = False):
        def decorator(handler):
            @wraps(handler)
            async def wrapped(request, *args, **kwargs):
                user = security.load_session(engine, settings.secret_key,
                                             request.cookies.get(SESSION_COOKIE))
                if user is None:
                    if request.method == "GET":
                        return response.redirect("/login")
                    return response.text("login required", status=401)
                request.ctx.user = user
                if role and user["role"] != role:
                    return render(request, "error.html", status=403,
                                  message="This page is for admins only.")
                if csrf and not security.csrf_ok(user["csrf_token"], request.form.get("csrf_token")):
                    return render(request, "error.html", status=403,
                                  message="The form was stale or forged (CSRF check failed). "
                                          "Go back, reload and try again.")
                return await handler(request, *args, **kwargs)
            return wrapped
        return decorator

    @app.middleware("response")
    async def headers(request, resp):
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"

    @app.get("/static/staff.css")
    async def css(request):
        return await response.file(str(TEMPLATES / "staff.css"), mime_type="text/css")

    @app.get("/login")
    async def login_form(request):
        token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(32)
        resp = render(request, "login.html", csrf_token=token, error=None)
        set_cookie(resp, PRELOGIN_COOKIE, token, 3600)
        return resp

    @app.post("/login")
    async def login(request):
        token = request.cookies.get(PRELOGIN_COOKIE)
        if not security.csrf_ok(token, request.form.get("csrf_token")):
            return render(request, "error.html", status=403,
                          message="The login form was stale (CSRF check failed). Reload and try again.")
        username = (request.form.get("username") or "").strip()[:80]
        password = request.form.get("password") or ""
        ip = client_ip(request)
        if security.login_blocked(engine, username, ip, settings.login_max_failures,
                                  settings.login_window_minutes, settings.login_account_failures):
            security.audit(engine, username or "-", "login_blocked", "", ip)
            return render(request, "login.html", status=429, csrf_token=token,
                          error="Too many failed attempts. Wait a few minutes and try again.")
        user = accounts.authenticate(engine, username, password) if username else None
        security.record_login(engine, username, ip, user is not None)
        if user is None:
            security.audit(engine, username or "-", "login_failed", "", ip)
            return render(request, "login.html", status=401, csrf_token=token,
                          error="Wrong username or password.")
        session = security.create_session(engine, settings.secret_key, user["id"],
                                          settings.session_hours)
        security.audit(engine, username, "login", "", ip)
        resp = response.redirect("/conversations")
        set_cookie(resp, SESSION_COOKIE, session, int(settings.session_hours * 3600))
        del resp.cookies[PRELOGIN_COOKIE]
        return resp

    @app.post("/logout")
    @login_required(csrf=True)
    async def logout(request):
        security.end_session(engine, settings.secret_key, request.cookies.get(SESSION_COOKIE))
        security.audit(engine, request.ctx.user["username"], "logout", "", client_ip(request))
        resp = response.redirect("/login")
        del resp.cookies[SESSION_COOKIE]
        return resp

    @app.get("/")
    async def index(request):
        return response.redirect("/conversations")

    def filters_or_400(request):
        try:
            return queries.Filters.from_args(request.args, settings.low_confidence), None
        except queries.BadFilter as error:
            return None, render(request, "error.html", status=400, message=str(error))

    @app.get("/conversations")
    @login_required()
    async def conversations(request):
        sync_index()
        f, bad = filters_or_400(request)
        if bad:
            return bad
        with engine.connect() as conn:
            page = queries.conversation_list(conn, f, settings.page_size)
            labels = queries.known_labels(conn)
        security.audit(engine, request.ctx.user["username"], "view_list", f.query_string(),
                       client_ip(request))
        return render(request, "conversations.html", f=f, page=page, labels=labels,
                      sorts=queries.SORTS)

    # The conversation id travels as a query parameter, not in the path: any id the REST channel
    # accepts ("..", "a.b", "-x") then opens, with no path normalisation in between.
    @app.get("/conversation")
    @login_required()
    async def conversation(request):
        sender_id = request.args.get("sender") or ""
        if not sender_id:  # any stored id opens, however it was made (stores/sender_ids.py)
            return render(request, "error.html", status=400, message="Which conversation? (?sender=...)")
        sync_index()
        with engine.connect() as conn:
            items = queries.transcript(conn, sender_id)
        if not items:
            raise NotFound("no such conversation")
        security.audit(engine, request.ctx.user["username"], "view_transcript", sender_id,
                       client_ip(request))
        return render(request, "transcript.html", sender_id=sender_id, items=items,
                      targets=targets.training_targets(settings.project_dir),
                      marked=request.args.get("marked"), new_faq=inbox.NEW_FAQ)

    @app.get("/conversations/<sender_id:str>")
    @login_required()
    async def conversation_by_path(request, sender_id):
        """Older links: the transcript's address now carries the id as a parameter. Sanic hands
        the path segment over still percent-encoded; it is decoded once, here, not twice."""
        return response.redirect("/conversation?" + urlencode({"sender": sender_ids.from_path(sender_id)}))

    @app.post("/conversation/mark")
    @login_required(csrf=True)
    async def mark(request):
        sender_id = request.form.get("sender") or ""
        try:
            event_id = int(request.form.get("event_id") or "")
        except ValueError:
            return render(request, "error.html", status=400, message="No message chosen.")
        suggested = (request.form.get("suggested_intent") or "").strip()
        with engine.connect() as conn:
            text = queries.user_message(conn, sender_id, event_id)
        if text is None or not suggested:
            return render(request, "error.html", status=400,
                          message="Choose a message and an intent (or 'new FAQ').")
        if suggested != inbox.NEW_FAQ and targets.find_target(suggested, settings.project_dir) is None:
            return render(request, "error.html", status=400,
                          message=f'"{suggested}" is not one of the assistant\'s answers: go back and choose '
                                  f"one from the list, or '{inbox.NEW_FAQ}'.")
        item_id = inbox.mark(engine, sender_id=sender_id, message_text=text,
                             suggested_intent=suggested, note=request.form.get("note") or "",
                             marked_by=request.ctx.user["username"])
        security.audit(engine, request.ctx.user["username"], "mark_for_training",
                       f"{sender_id}#{event_id} -> inbox {item_id}", client_ip(request))
        query = urlencode({"sender": sender_id, "marked": event_id})
        return response.redirect(f"/conversation?{query}#m{event_id}")

    @app.get("/dashboard")
    @login_required()
    async def dashboard_page(request):
        sync_index()
        args = dict(request.args)
        f, bad = filters_or_400(request)
        if bad:
            return bad
        if not args.get("from") and not args.get("to"):
            today = dt.datetime.now(dt.timezone.utc).date()
            f = replace(f, date_from=today - dt.timedelta(days=29), date_to=today)
        with engine.connect() as conn:
            stats = queries.dashboard(conn, f)
        per_day = charts.columns([(d["day"], d["conversations"]) for d in stats["per_day"]])
        msgs = charts.columns([(d["day"], d["messages"]) for d in stats["per_day"]])
        security.audit(engine, request.ctx.user["username"], "view_dashboard", f.query_string(),
                       client_ip(request))
        return render(request, "dashboard.html", f=f, stats=stats, per_day=per_day, msgs=msgs,
                      answers=charts.rows([(targets.title(a), n) for a, n in stats["top_answers"]]))

    async def _export(request, kind):
        sync_index()
        f, bad = filters_or_400(request)
        if bad:
            return bad
        with engine.connect() as conn:
            rows = list(queries.export_rows(conn, f))
        security.audit(engine, request.ctx.user["username"], f"export_{kind}",
                       f"{len(rows)} messages; {f.query_string()}", client_ip(request))
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        if kind == "csv":
            body, mime = export.to_csv(rows, queries.EXPORT_FIELDS), "text/csv; charset=utf-8"
        else:
            body, mime = export.to_jsonl(rows), "application/x-ndjson; charset=utf-8"
        return response.text(body, content_type=mime, headers={
            "Content-Disposition": f'attachment; filename="conversations-{stamp}.{kind}"'})

    @app.get("/export.csv")
    @login_required()
    async def export_csv(request):
        return await _export(request, "csv")

    @app.get("/export.jsonl")
    @login_required()
    async def export_jsonl(request):
        return await _export(request, "jsonl")

    def inbox_view(request, status_code=200, **context):
        shown = request.args.get("status") or "pending"
        items = inbox.list_items(engine, shown if shown in inbox.STATUSES else "pending", 500)
        return render(request, "inbox.html", status=status_code, items=items, shown=shown,
                      targets=targets.training_targets(settings.project_dir),
                      target_titles=targets.titles(settings.project_dir), new_faq=inbox.NEW_FAQ, **context)

    @app.get("/inbox")
    @login_required()
    async def inbox_page(request):
        return inbox_view(request, accepted=request.args.get("accepted"), file=request.args.get("file"))

    # Accept goes through the same function as `make inbox ARGS='accept ...'`: the example is written
    # into the training data in the transaction that marks the item accepted, or nothing happens.
    @app.post("/inbox/<item_id:int>/accept")
    @login_required(role="admin", csrf=True)
    async def inbox_accept(request, item_id):
        chosen = (request.form.get("target") or "").strip()
        new_faq = (request.form.get("new_faq_key") or "").strip() if chosen == inbox.NEW_FAQ else None
        try:
            done = trainer_inbox.accept_item(engine, settings.project_dir, item_id, request.ctx.user["username"],
                                             target=chosen, new_faq=new_faq or None)
        except (Refused, RuntimeError) as stopped:
            problems = stopped.problems if isinstance(stopped, Refused) else [str(stopped)]
            return inbox_view(request, 400, refused=item_id, problems=problems)
        security.audit(engine, request.ctx.user["username"], "inbox_accept",
                       f"{item_id} -> {done.target}", client_ip(request))
        return response.redirect("/inbox?" + urlencode(
            {"accepted": item_id, "file": relative(done.path, settings.project_dir)}))

    @app.post("/inbox/<item_id:int>/reject")
    @login_required(role="admin", csrf=True)
    async def inbox_reject(request, item_id):
        inbox.reject(engine, item_id, request.ctx.user["username"])
        security.audit(engine, request.ctx.user["username"], "inbox_reject", str(item_id),
                       client_ip(request))
        return response.redirect("/inbox")

    @app.get("/audit")
    @login_required(role="admin")
    async def audit_page(request):
        with engine.connect() as conn:
            rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(500)).fetchall()
        return render(request, "audit.html", rows=rows)

    freshness.register(app, login_required, render, sync_index, lambda request, action, target: security.audit(
        engine, request.ctx.user["username"], action, target, client_ip(request)))

    @app.exception(NotFound)
    async def not_found(request, exception):
        return render(request, "error.html", status=404, message="Not found.")

    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = config.load()
    app = build_app(settings)
    print(f"Staff review page: http://{settings.host}:{settings.port}/ (accounts: make staff-account)",
          flush=True)
    app.run(host=settings.host, port=settings.port, access_log=False, workers=1, motd=False)


if __name__ == "__main__":
    main()
