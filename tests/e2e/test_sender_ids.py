"""The Rasa HTTP API stores a conversation under the same id the REST channel would: decoded once
from the URL path, and never longer than the REST channel and the staff page accept."""

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from stores import sender_ids

EVENT = json.dumps({"event": "slot", "name": "topic", "value": "fees"}).encode()


def _request(bot, path, method="GET", body=None):
    request = urllib.request.Request(f"{bot.rasa_url}{path}?token={bot.token}", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _stored(bot, prefix):
    if not getattr(bot, "env", {}).get("TRACKER_DB_URL"):
        pytest.skip("servers started elsewhere (RASA_URL): their database is not ours to read")
    engine = sa.create_engine(bot.env["TRACKER_DB_URL"])
    with engine.connect() as conn:
        found = set(conn.execute(sa.text("SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE :p"),
                                 {"p": prefix + "%"}).scalars())
    engine.dispose()
    return found


def test_an_encoded_path_id_is_stored_decoded(bot):
    status, tracker = _request(bot, f"/conversations/{quote('api-1/../x@y', safe='')}/tracker/events",
                               "POST", EVENT)
    assert status == 200, tracker
    assert _stored(bot, "api-1") == {"api-1/../x@y"}
    status, tracker = _request(bot, f"/conversations/{quote('api-1/../x@y', safe='')}/tracker")
    assert status == 200 and tracker["sender_id"] == "api-1/../x@y"
    assert tracker["slots"]["topic"] == "fees"


def test_an_over_long_id_is_refused_and_not_stored(bot):
    long_id = "api-2-" + "L" * 300
    status, body = _request(bot, f"/conversations/{long_id}/tracker/events", "POST", EVENT)
    assert status == 400 and str(sender_ids.MAX_CHARS) in body["message"]
    assert _request(bot, f"/conversations/{long_id}/tracker")[0] == 400
    assert _stored(bot, "api-2") == set()
    longest = "api-3-" + "L" * (sender_ids.MAX_CHARS - 6)
    assert _request(bot, f"/conversations/{longest}/tracker/events", "POST", EVENT)[0] == 200
