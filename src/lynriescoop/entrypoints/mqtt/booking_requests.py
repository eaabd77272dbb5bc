"""The ``booking/request`` consumer: the same use case as ``POST /bookings``, answered on
``booking/response/{request_id}``. Bad input never kills the consumer: it is answered when the request id is
known and logged otherwise. A payload over ``MQTT_MAX_PAYLOAD_BYTES`` is dropped before it is parsed (the MQTT
client already drops those as they arrive; the check here keeps the handler safe on its own)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from lynriescoop.application.bookings.place_booking import PlaceBooking, PlaceBookingCommand
from lynriescoop.application.ports.security import TokenService
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import DomainError, NotAuthenticated
from lynriescoop.entrypoints.mqtt.schemas import ACCESS_TOKEN_MAX_LENGTH, BookingRequest, RequestIdOnly

logger = logging.getLogger(__name__)

REQUEST_TOPIC = "booking/request"
RESPONSE_TOPIC = "booking/response/{request_id}"

Publish = Callable[[str, bytes], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Answer:
    topic: str
    body: dict[str, Any]


def _error(request_id: str, code: str, detail: str, **extra: Any) -> Answer:
    body = {"request_id": request_id, "ok": False, "error": {"code": code, "detail": detail, **extra}}
    return Answer(RESPONSE_TOPIC.format(request_id=request_id), body)


_UNREADABLE = object()


def _parse(payload: bytes) -> object:
    """The JSON value of a payload, or ``_UNREADABLE``: not text, not JSON, or nested deeper than the parser
    recurses (``[[[[...`` is a RecursionError, not a JSONDecodeError)."""
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return _UNREADABLE


def _request_id_of(data: object) -> str | None:
    try:
        return RequestIdOnly.model_validate(data, strict=False).request_id if isinstance(data, dict) else None
    except ValidationError:
        return None


class BookingRequestHandler:
    """Turns one raw ``booking/request`` payload into the answer to publish (or None: log and drop)."""

    def __init__(
        self,
        place: Callable[[], PlaceBooking],
        tokens: TokenService,
        uow_factory: UnitOfWorkFactory,
        *,
        max_payload_bytes: int,
    ) -> None:
        self._place = place
        self._tokens = tokens
        self._uow_factory = uow_factory
        self._max_payload = max_payload_bytes

    @property
    def max_payload_bytes(self) -> int:
        return self._max_payload

    async def answer(self, payload: bytes) -> Answer | None:
        if len(payload) > self._max_payload:  # before any parsing: size costs nothing to check, JSON does
            logger.warning("booking/request dropped unread: %d bytes, over %d", len(payload), self._max_payload)
            return None
        if not payload:  # e.g. the empty retained message that clears a stored request (see the consumer)
            logger.debug("booking/request dropped: empty payload")
            return None
        data = _parse(payload)
        if data is _UNREADABLE:
            logger.warning("booking/request dropped: not JSON (%d bytes)", len(payload))
            return None
        request_id = _request_id_of(data)
        if request_id is None:
            logger.warning("booking/request dropped: no valid request_id")
            return None
        try:
            # As over HTTP, who is asking comes first: without a valid token the answer is ``not_authenticated``,
            # whatever else is wrong with the request (a missing token included).
            user_id = await self._authenticate(data.get("access_token") if isinstance(data, dict) else None)
            request = BookingRequest.model_validate(data)
        except DomainError as exc:
            return _error(request_id, exc.code, exc.detail)
        except ValidationError as exc:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
            return _error(request_id, "validation_error", "The request is malformed.", errors=errors)
        try:
            return await self._book(request, user_id)
        except DomainError as exc:
            return _error(request_id, exc.code, exc.detail, **dict(exc.extra.items()))

    async def _authenticate(self, token: object) -> UUID:
        """The active user the access token names; ``NotAuthenticated`` for no token, a bad one, or a lost account."""
        if not isinstance(token, str) or not token or len(token) > ACCESS_TOKEN_MAX_LENGTH:
            raise NotAuthenticated("A valid access token is required.")
        claims = self._tokens.verify_access(token)
        async with self._uow_factory() as uow:
            user = await uow.users.get(claims.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("The account is unknown or disabled.")
        return user.id

    async def _book(self, request: BookingRequest, user_id: UUID) -> Answer:
        command = PlaceBookingCommand(
            user_id=user_id,
            showing_id=request.showing_id,
            seat_ids=tuple(request.seat_ids),
            confirm=request.confirm,
            # One request id per user is idempotent: a repeat answers with the first booking again.
            idempotency_key=f"mqtt:{request.request_id}",
        )
        placed = await self._place()(command)
        body = {"request_id": request.request_id, "ok": True, "booking": placed.document}
        return Answer(RESPONSE_TOPIC.format(request_id=request.request_id), body)

    async def handle(self, payload: bytes, publish: Publish) -> None:
        """Answer one message; any failure is logged, never raised (the consumer must live on)."""
        try:
            answer = await self.answer(payload)
        except Exception:
            logger.exception("booking/request failed unexpectedly")
            request_id = _request_id_of(_parse(payload))
            if request_id is None:
                return
            answer = _error(request_id, "internal_error", "The request could not be processed.")
        if answer is None:
            return
        try:
            await publish(answer.topic, json.dumps(answer.body).encode())
        except Exception as exc:
            logger.warning("booking/response for %s not published: %s", answer.topic, exc)
