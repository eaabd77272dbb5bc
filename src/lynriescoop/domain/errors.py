"""Domain errors. Each carries a stable ``code`` from API.md; the HTTP error table maps the kind to a status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every rule the service refuses to break."""

    code: str = "domain_error"
    default_detail: str = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.default_detail
        if code is not None:
            self.code = code
        self.extra: Mapping[str, Any] = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    default_detail = "The resource does not exist."


class Conflict(DomainError):
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class RuleViolated(DomainError):
    code = "rule_violated"
    default_detail = "The request breaks a business rule."


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    default_detail = "Authentication is required."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    default_detail = "The email or password is wrong."


class Forbidden(DomainError):
    code = "forbidden"
    default_detail = "You are not allowed to do this."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    default_detail = "Too many attempts; try again later."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(DomainError):
    code = "unavailable"
    default_detail = "A service this request needs is unavailable."


class ServiceBusy(Unavailable):
    """The service is saturated (e.g. the password hashing queue is full): try again after ``retry_after``."""

    code = "busy"
    default_detail = "The service is busy; try again shortly."

    def __init__(self, retry_after: int = 1, detail: str | None = None) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class UpstreamError(DomainError):
    code = "upstream_error"
    default_detail = "An upstream service answered with an error."


# -- the named codes of API.md -------------------------------------------------------------------------


class EmailTaken(Conflict):
    code = "email_taken"
    default_detail = "An account with this email already exists."


class AccountDisabled(Forbidden):
    code = "account_disabled"
    default_detail = "This account is disabled."


class LastManager(Conflict):
    code = "last_manager"
    default_detail = "This change would leave no active manager."


class UserNotFound(NotFound):
    code = "user_not_found"
    default_detail = "The user does not exist."


class MovieNotFound(NotFound):
    code = "movie_not_found"
    default_detail = "The movie does not exist."


class TmdbIdTaken(Conflict):
    code = "tmdb_id_taken"
    default_detail = "A movie with this TMDB id already exists."


class MovieHasShowings(Conflict):
    code = "movie_has_showings"
    default_detail = "The movie still has showings that are not cancelled."


class TmdbUnavailable(Unavailable):
    code = "tmdb_unavailable"
    default_detail = "TMDB is not configured or cannot be reached."


class TmdbError(UpstreamError):
    code = "tmdb_error"
    default_detail = "TMDB answered with an error."


class TmdbMovieNotFound(NotFound):
    code = "tmdb_movie_not_found"
    default_detail = "TMDB has no movie with this id."


class InvalidMovie(RuleViolated):
    """A movie field breaks a rule of the domain: 422 ``validation_error`` with the field in ``errors``."""

    code = "validation_error"
    default_detail = "The movie is invalid."

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}",
            errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
        )
        self.field = field


class RoomNotFound(NotFound):
    code = "room_not_found"
    default_detail = "The room does not exist."


class RoomNameTaken(Conflict):
    code = "room_name_taken"
    default_detail = "A room with this name already exists."


class RoomHasShowings(Conflict):
    code = "room_has_showings"
    default_detail = "The room still has showings."


class SeatNotFound(NotFound):
    code = "seat_not_found"
    default_detail = "The seat does not exist in this room."


class InvalidRoomLayout(RuleViolated):
    code = "invalid_room_layout"
    default_detail = "The room layout is invalid."


class ShowingNotFound(NotFound):
    code = "showing_not_found"
    default_detail = "The showing does not exist."


class ShowingOverlap(Conflict):
    code = "showing_overlap"
    default_detail = "The room is busy (including cleaning time) at that time."


class RoomLacksFeature(RuleViolated):
    code = "room_lacks_feature"
    default_detail = "The room does not support this format."


class ShowingHasBookings(Conflict):
    code = "showing_has_bookings"
    default_detail = "The showing has bookings."


class InvalidSchedule(RuleViolated):
    code = "invalid_schedule"
    default_detail = "The showing's times are invalid."


class ShowingNotBookable(RuleViolated):
    code = "showing_not_bookable"
    default_detail = "The showing is cancelled, completed or has started."


class TooManySeats(RuleViolated):
    code = "too_many_seats"
    default_detail = "Too many seats for one customer at this showing."


class SeatNotInRoom(RuleViolated):
    code = "seat_not_in_room"
    default_detail = "A seat does not belong to the showing's room."


class SeatsUnavailable(Conflict):
    code = "seats_unavailable"
    default_detail = "Some seats are already taken, held or blocked."

    def __init__(self, seat_ids: list[str], detail: str | None = None) -> None:
        super().__init__(detail, seat_ids=seat_ids)
        self.seat_ids = seat_ids


class SingleSeatGap(RuleViolated):
    code = "single_seat_gap"
    default_detail = "The request would leave a single seat alone between taken seats."

    def __init__(self, seat_labels: list[str], detail: str | None = None) -> None:
        detail = detail or f"The request would leave {', '.join(seat_labels)} alone; choose seats next to them."
        super().__init__(detail, seat_labels=seat_labels)
        self.seat_labels = seat_labels


class CompanionNeedsWheelchair(RuleViolated):
    code = "companion_needs_wheelchair"
    default_detail = "A companion seat is held only together with the wheelchair space beside it."

    def __init__(self, seat_labels: list[str], detail: str | None = None) -> None:
        detail = detail or (
            f"Companion seat(s) {', '.join(seat_labels)} can be held only with the wheelchair space beside them "
            "until shortly before the showing starts."
        )
        super().__init__(detail, seat_labels=seat_labels)
        self.seat_labels = seat_labels


class NoAdjacentSeats(Conflict):
    code = "no_adjacent_seats"
    default_detail = "No row has that many free seats next to each other."

    def __init__(self, available_seats: int, detail: str | None = None) -> None:
        super().__init__(detail, available_seats=available_seats)
        self.available_seats = available_seats


class BookingNotFound(NotFound):
    code = "booking_not_found"
    default_detail = "The booking does not exist."


class HoldExpired(Conflict):
    code = "hold_expired"
    default_detail = "The hold has expired and its seats were released."


class BookingCancelled(Conflict):
    code = "booking_cancelled"
    default_detail = "The booking is cancelled."


class CancellationClosed(RuleViolated):
    code = "cancellation_closed"
    default_detail = "It is too late to cancel this booking."


class IdempotencyKeyReused(RuleViolated):
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


class OutboxEntryNotFound(NotFound):
    code = "outbox_entry_not_found"
    default_detail = "The outbox entry does not exist."


class DatabaseUnavailable(Unavailable):
    """The database is down, unreachable or overloaded: the request may succeed when tried again shortly."""

    code = "database_unavailable"
    default_detail = "The database is unavailable; try again shortly."
    retry_after = 2


class ValueRefused(RuleViolated):
    """The database refused to hold a value of the request (a NUL character in text, a number or date out of the
    column's range): a malformed request, answered like any other (``validation_error``)."""

    code = "validation_error"
    default_detail = "The request is malformed."
    reason = "A value cannot be stored: text must not contain NUL characters, numbers and dates must be in range."

    def __init__(self) -> None:
        super().__init__(errors=[{"loc": ["request"], "msg": self.reason, "type": "value_refused"}])


# -- tickets and check-in (API.md §11) ------------------------------------------------------------------


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_detail = "The ticket does not exist."


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    default_detail = "This ticket was already checked in."


class TicketRevoked(Conflict):
    code = "ticket_revoked"
    default_detail = "This ticket was revoked: its booking is cancelled."


class InvalidTicket(RuleViolated):
    code = "invalid_ticket"
    default_detail = "The code is not a valid ticket: bad signature, unknown key, or garbled."


class WrongShowing(RuleViolated):
    code = "wrong_showing"
    default_detail = "This ticket is for another showing."


class CheckinClosed(RuleViolated):
    code = "checkin_closed"
    default_detail = "Check-in is closed: the showing has ended or was cancelled."
