"""One form for conversation (sender) ids, whichever door they come in by.

The REST channel takes the id from a JSON body as it is (1 to ``MAX_CHARS`` of ``[A-Za-z0-9_.:@-]``).
Rasa's HTTP API takes it from the URL path (``/conversations/<id>/...``), which Sanic hands over
still percent-encoded: ``../x`` sent as ``..%2Fx`` would be stored as ``..%2Fx``, and an id of any
length would be stored although the REST channel and the staff page refuse it. ``install`` adds a
request middleware to the Rasa server that decodes that path parameter exactly once and answers 400
to an empty or over-long id before any handler runs, so every stored id is in decoded form and at
most ``MAX_CHARS`` long. The staff page's old path-style link decodes its id the same way.
"""

from __future__ import annotations

from urllib.parse import unquote

MAX_CHARS = 128
PATH_PARAMETER = "conversation_id"  # the name Rasa's server routes give the id


class BadSenderId(ValueError):
    pass


def checked(sender_id: str) -> str:
    """The id itself, or BadSenderId when it is empty or longer than ``MAX_CHARS``."""
    if not sender_id:
        raise BadSenderId("The conversation id is empty.")
    if len(sender_id) > MAX_CHARS:
        raise BadSenderId(f"The conversation id is longer than {MAX_CHARS} characters.")
    return sender_id


def from_path(raw: str) -> str:
    """An id taken from a URL path segment, percent-decoded once (the only decoding it gets)."""
    return unquote(raw)


async def _canonical_path_id(request):
    from sanic import response

    raw = request.match_info.get(PATH_PARAMETER)
    if raw is None:
        return None
    try:
        request.match_info[PATH_PARAMETER] = checked(from_path(raw))
    except BadSenderId as error:
        return response.json({"status": "failure", "reason": "BadRequest", "message": str(error),
                              "code": 400}, status=400)
    return None


def install(app) -> None:
    """Decode and check the HTTP API's conversation ids on ``app`` (a Sanic app; idempotent)."""
    app.register_middleware(_canonical_path_id, "request")
