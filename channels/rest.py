"""The REST channel students' messages arrive through: Rasa's RestInput with the input checked first.

Rasa's own RestInput answers a JSON list or a non-string message with a 500, passes empty and
20,000-character messages to the NLU, and stores whatever it is sent. This subclass keeps its URL
(/webhooks/rest/webhook) and reply format, and before Rasa sees or stores a message it:
rejects malformed requests with a 400 that says what is wrong; answers empty and over-long
messages politely itself; drops control characters; and redacts personal data
(privacy/redaction.py), so the tracker store only ever holds redacted text. Each reply carries
``in_reply_to``, the id of the student message it answers; ``POST /webhooks/rest/feedback`` takes a
student's thumbs up or down on that answer (channels/feedback.py).
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Text

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import feedback
from privacy.redaction import redact
from serving import action_validation

action_validation.install()

structlogger = structlog.get_logger()

MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "2000"))
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")

EMPTY_REPLY = "It looks like your message was empty. What would you like to know?"
TOO_LONG_REPLY = (
    "That message is too long for me ({length:,} characters). Please ask one question at a time, "
    "in fewer than {limit:,} characters."
)


class BadRequest(ValueError):
    """A request the channel cannot accept; the message says what to fix."""


@dataclass
class Incoming:
    sender: str
    text: str
    reply: Optional[str] = None  # set when the channel answers by itself


def clean_text(text: str) -> str:
    """Drops control and format characters (keeping line breaks and tabs) and outer blanks."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return "".join(kept).strip()


def parse_body(body: Any) -> Incoming:
    """Checks a decoded request body and says what the channel should do with it."""
    if not isinstance(body, dict):
        raise BadRequest('The request body must be a JSON object like {"sender": "...", "message": "..."}.')
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        raise BadRequest('"sender" is required: 1 to 128 letters, digits or _.:@- characters.')
    if not isinstance(message, str):
        raise BadRequest('"message" is required and must be a string.')
    text = clean_text(message)
    if not text:
        return Incoming(sender, text, reply=EMPTY_REPLY)
    if len(text) > MAX_MESSAGE_CHARS:
        return Incoming(sender, "", reply=TOO_LONG_REPLY.format(length=len(text), limit=MAX_MESSAGE_CHARS))
    return Incoming(sender, redact(text))


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

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

            collector = CollectingOutputChannel()
            message_id = uuid.uuid4().hex
            try:
                await on_new_message(
                    UserMessage(incoming.text, collector, incoming.sender, input_channel=self.name(),
                                message_id=message_id)
                )
            except CancelledError:
                structlogger.error("rest.message.received.timeout", sender=incoming.sender)
            except Exception:
                structlogger.exception("rest.message.received.failure", sender=incoming.sender)
                return response.json(
                    {"error": "Sorry, something went wrong on our side. Please try again."}, status=503
                )
            # Each reply names the student message it answers, so that a vote can rate it.
            return response.json([{**m, "in_reply_to": message_id} for m in collector.messages])

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
