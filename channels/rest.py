"""The REST channel students' messages arrive through: Rasa's RestInput with the input checked first.

Rasa's own RestInput answers a JSON list or a non-string message with a 500, passes empty and
20,000-character messages to the NLU, and stores whatever it is sent. This subclass keeps its URL
(/webhooks/rest/webhook) and reply format, and before Rasa sees or stores a message it:
rejects malformed requests with a 400 that says what is wrong; answers empty and over-long
messages politely itself; drops control characters; and redacts personal data
(privacy/redaction.py), so the tracker store only ever holds redacted text. Each reply carries
``in_reply_to``, the id of the student message it answers; ``POST /webhooks/rest/feedback`` takes a
student's thumbs up or down on that answer (channels/feedback.py).

A resend is harmless: a body may carry ``"message_id"`` (8 to 64 letters and digits, the widget's id
for the message), which becomes the stored message's id. The channel takes the conversation's lock
itself (Rasa's ``Agent.handle_message`` does only that before calling the processor) and, under it,
asks the message ledger (stores/message_ledger.py) whether that id was handled already: then it
answers with the replies given the first time and stores nothing. So the widget may resend after a
gateway error or a time-out without a turn ever being stored twice, whichever replica gets it.
Each stored student message carries ``received_at`` (server time) in its metadata: when its place
in the conversation's queue was fixed (its lock ticket was issued), which the cluster tests compare
with the stored order.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
import uuid
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.wording import language, phrase
from channels import feedback
from actions.language import LANGUAGES, sure_language
from privacy.redaction import redact
from serving import action_validation, event_types
from stores import sender_ids
from stores.lock_store import EnvLockStore
from stores.message_ledger import DONE, PENDING, MessageLedger, ledger_for

action_validation.install()
event_types.install()

structlogger = structlog.get_logger()

MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "2000"))
SENDER_PATTERN = re.compile(rf"^[A-Za-z0-9_.:@-]{{1,{sender_ids.MAX_CHARS}}}$")
MESSAGE_ID_PATTERN = re.compile(r"^[A-Za-z0-9]{8,64}$")

NOT_READY = "The assistant is starting up. Please try again in a moment."
BUSY = "The assistant is busy with this conversation. Please try again."


class BadRequest(ValueError):
    """A request the channel cannot accept; the message says what to fix."""


@dataclass
class Incoming:
    sender: str
    text: str
    reply: Optional[str] = None  # set when the channel answers by itself
    message_id: Optional[str] = None  # the client's id for the message, when it sent one


def clean_text(text: str) -> str:
    """Drops control and format characters (keeping line breaks and tabs) and outer blanks."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return "".join(kept).strip()


def page_language(body: Dict[str, Any]) -> Dict[str, str]:
    """The language the widget's page is in (`metadata.language`), when it is one the assistant
    speaks: kept with the message for a conversation that has no language yet (actions/language.py)."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return {"page_language": metadata["language"]} if metadata.get("language") in LANGUAGES else {}


def reply_language(body: Dict[str, Any], text: str) -> str:
    """The language of the channel's own replies: the message's, when it is clear, else the one the
    widget says its page is in (`metadata.language`), else English."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return sure_language(text) or language(metadata.get("language"))


def parse_body(body: Any) -> Incoming:
    """Checks a decoded request body and says what the channel should do with it."""
    if not isinstance(body, dict):
        raise BadRequest('The request body must be a JSON object like {"sender": "...", "message": "..."}.')
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        raise BadRequest(f'"sender" is required: 1 to {sender_ids.MAX_CHARS} letters, digits or _.:@- characters.')
    if not isinstance(message, str):
        raise BadRequest('"message" is required and must be a string.')
    message_id = body.get("message_id")
    if message_id is not None and (not isinstance(message_id, str) or not MESSAGE_ID_PATTERN.match(message_id)):
        raise BadRequest('"message_id", when given, must be 8 to 64 letters and digits.')
    text = clean_text(message)
    if not text:
        return Incoming(sender, text, reply=phrase("empty_message", reply_language(body, text)), message_id=message_id)
    if len(text) > MAX_MESSAGE_CHARS:
        too_long = phrase("too_long", reply_language(body, text[:MAX_MESSAGE_CHARS]), length=f"{len(text):,}",
                          limit=f"{MAX_MESSAGE_CHARS:,}")
        return Incoming(sender, "", reply=too_long, message_id=message_id)
    return Incoming(sender, redact(text), message_id=message_id)


async def replies_from_tracker(tracker_store: Any, sender: str, message_id: str) -> Optional[List[dict]]:
    """The replies stored after the student message `message_id`, as the REST channel sent them;
    None when that message is not stored (or got no reply stored with it)."""
    tracker = await tracker_store.retrieve_full_tracker(sender)
    if tracker is None:
        return None
    replies = feedback.replies_to(tracker.events, message_id)
    if not replies:
        return None
    collector = CollectingOutputChannel()
    for event in replies:
        await collector.send_response(sender, event.message())  # how Rasa sent it
    return collector.messages


def queue_lock(lock_store: Any, message: UserMessage):
    """The conversation's lock for ``message``. With the project's lock store the message's
    ``received_at`` becomes the time its ticket was issued, which orders a conversation's messages
    exactly as they are answered, even when they arrive at two replicas milliseconds apart."""
    if isinstance(lock_store, EnvLockStore):
        return lock_store.lock(message.sender_id, on_issue=lambda t: message.metadata.update(received_at=t))
    return lock_store.lock(message.sender_id)


class GuardedRestInput(RestInput):
    ledger: Optional[MessageLedger] = None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _handle_once(self, agent: Any, message: UserMessage, resendable: bool) -> List[dict]:
        """Lets Rasa handle the message unless its id was handled before; the caller holds the
        conversation's lock."""
        if not resendable:
            await agent.processor.handle_message(message)
            return message.output_channel.messages
        if self.ledger is None:
            self.ledger = ledger_for(agent.lock_store)
        sender, message_id = message.sender_id, message.message_id
        state, replies = self.ledger.get(sender, message_id)
        if state == DONE:
            structlogger.info("rest.message.resend.answered", sender=sender)
            return replies or []
        if state == PENDING:  # stopped half-way earlier: answer from the store if the turn was saved
            replies = await replies_from_tracker(agent.tracker_store, sender, message_id)
            if replies is not None:
                self.ledger.mark_done(sender, message_id, replies)
                return replies
        self.ledger.mark_pending(sender, message_id)
        await agent.processor.handle_message(message)
        replies = message.output_channel.messages
        self.ledger.mark_done(sender, message_id, replies)
        return replies

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.listener("before_server_start")
        async def canonical_sender_ids(app, _loop) -> None:
            """The HTTP API's path ids in the same form as this channel's (stores/sender_ids.py)."""
            sender_ids.install(app)

        def json_body(request: Request) -> Any:
            """The request's JSON, or the 400 response that says it is not JSON."""
            try:
                return request.json
            except Exception:  # Sanic raises its own error type for undecodable bodies
                return response.json({"error": "The request body is not valid JSON."}, status=400)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = json_body(request)
            if isinstance(body, HTTPResponse):
                return body
            try:
                incoming = parse_body(body)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            if incoming.reply is not None:
                return response.json([{"recipient_id": incoming.sender, "text": incoming.reply}])

            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": NOT_READY}, status=503)
            message = UserMessage(
                incoming.text, CollectingOutputChannel(), incoming.sender, input_channel=self.name(),
                message_id=incoming.message_id or uuid.uuid4().hex,
                metadata={"received_at": time.time(), **page_language(body)},
            )
            try:
                async with queue_lock(agent.lock_store, message):
                    replies = await self._handle_once(agent, message, incoming.message_id is not None)
            except CancelledError:  # the client went away; a resend with its id is answered once
                structlogger.error("rest.message.received.timeout", sender=incoming.sender)
                raise
            except LockError:
                structlogger.exception("rest.message.lock.failure", sender=incoming.sender)
                return response.json({"error": BUSY}, status=503)
            except Exception:
                structlogger.exception("rest.message.received.failure", sender=incoming.sender)
                return response.json(
                    {"error": "Sorry, something went wrong on our side. Please try again."}, status=503
                )
            # Each reply names the student message it answers, so that a vote can rate it.
            return response.json([{**m, "in_reply_to": message.message_id} for m in replies])

        @webhook.route("/feedback", methods=["POST"])
        async def rate(request: Request) -> HTTPResponse:
            body = json_body(request)
            if isinstance(body, HTTPResponse):
                return body
            try:
                vote = feedback.parse_vote(body, lambda s: bool(SENDER_PATTERN.match(s)), clean_text)
            except feedback.BadFeedback as error:
                return response.json({"error": str(error)}, status=400)
            return await feedback.record(request, vote)

        return webhook
