"""Students' verdicts on answers (thumbs up or down, an optional short reason), kept with the conversation.

The widget posts ``{"sender", "answer_to", "rating", "reason"}`` to ``/webhooks/rest/feedback``,
where ``answer_to`` is the ``in_reply_to`` id the REST channel gave the answer (the id of the
student message it answers). The vote is appended to the conversation in Rasa's tracker store as a
``SlotSet`` of the ``feedback`` slot (``influence_conversation: false``, so it never changes what
the assistant does next), the way Rasa's own ``POST /conversations/<id>/tracker/events`` appends
events: under the conversation's lock, then saved. Why a slot: it is the only event Rasa 3.6
offers for data that is neither something said nor an action; it is stored, exported, erased and
purged with the conversation, and it needs no second database. The reason is cleaned and redacted
like any message. A later vote on the same answer replaces the earlier one (the staff index keeps
the latest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from privacy.redaction import redact
from stores import sender_ids

FEEDBACK_SLOT = "feedback"
RATINGS = ("up", "down")
MAX_REASON_CHARS = 300
# Changing one's mind is fine; a client that keeps voting on one answer is not.
MAX_VOTES_PER_ANSWER = 20


class BadFeedback(ValueError):
    """A vote the endpoint cannot accept; the message says what to fix."""


@dataclass
class Vote:
    sender: str
    answer_to: str
    rating: str
    reason: str

    def value(self) -> dict:
        return {"answer_to": self.answer_to, "rating": self.rating, "reason": self.reason}


def parse_vote(body: Any, sender_ok, clean_text) -> Vote:
    """Checks a decoded request body; raises BadFeedback with the reason."""
    if not isinstance(body, dict):
        raise BadFeedback('The request body must be a JSON object like '
                          '{"sender": "...", "answer_to": "...", "rating": "up"}.')
    sender, answer_to, rating = body.get("sender"), body.get("answer_to"), body.get("rating")
    reason = body.get("reason", "")
    if not isinstance(sender, str) or not sender_ok(sender):
        raise BadFeedback(f'"sender" is required: 1 to {sender_ids.MAX_CHARS} letters, digits or _.:@- characters.')
    if not isinstance(answer_to, str) or not (0 < len(answer_to) <= 64) or not answer_to.isalnum():
        raise BadFeedback('"answer_to" is required: the "in_reply_to" id of the answer being rated.')
    if rating not in RATINGS:
        raise BadFeedback('"rating" must be "up" or "down".')
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise BadFeedback('"reason" must be a string.')
    reason = clean_text(reason)
    if len(reason) > MAX_REASON_CHARS:
        raise BadFeedback(f'"reason" must be at most {MAX_REASON_CHARS} characters.')
    return Vote(sender, answer_to, rating, redact(reason))


def _is_vote_on(event: Any, answer_to: str) -> bool:
    return (isinstance(event, SlotSet) and event.key == FEEDBACK_SLOT and isinstance(event.value, dict)
            and event.value.get("answer_to") == answer_to)


def replies_to(events: Iterable[Any], message_id: str) -> List[BotUttered]:
    """The bot events that answered student message `message_id` (those between it and the next
    student message); empty when that message is not in `events` or got no answer."""
    replies: List[BotUttered] = []
    found = False
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            replies.append(event)
    return replies


def _votes_so_far(events: list, answer_to: str) -> Optional[int]:
    """How many votes the answer to student message `answer_to` already has, or None if that
    message is not in the conversation or got no answer."""
    if not replies_to(events, answer_to):
        return None
    return sum(1 for event in events if _is_vote_on(event, answer_to))


async def record(request: Request, vote: Vote) -> HTTPResponse:
    """Appends the vote to the conversation; 404 when the rated answer does not exist."""
    agent = request.app.ctx.agent
    if agent is None or agent.tracker_store is None:
        return response.json({"error": "The assistant is not ready yet. Please try again."}, status=503)
    store = agent.tracker_store
    async with agent.lock_store.lock(vote.sender):
        full = await store.retrieve_full_tracker(vote.sender)
        votes = _votes_so_far(list(full.events), vote.answer_to) if full else None
        if votes is None:
            return response.json({"error": "There is no such answer in this conversation."}, status=404)
        if votes >= MAX_VOTES_PER_ANSWER:
            return response.json({"error": "This answer has been rated too often."}, status=429)
        tracker = await store.retrieve(vote.sender)
        tracker.update(SlotSet(FEEDBACK_SLOT, vote.value()), agent.domain)
        await store.save(tracker)
    return response.json({"status": "recorded", "rating": vote.rating})
