"""What the web page asks the service for before anything else (API.md §12)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfigOut(BaseModel):
    mqtt_ws_url: str | None = Field(
        description="The broker's websocket address as browsers reach it (MQTT_WS_PUBLIC_URL); null when there is "
        "none, and the page then polls GET /showings/{id}/seats instead of following MQTT"
    )
    topic_prefix: str = Field(description="MQTT_TOPIC_PREFIX, put before every topic name of API.md §8")
    currency: str
    hold_minutes: int
    timezone: str = Field(description="CINEMA_TIMEZONE: the page shows times in the cinema's zone")
    max_seats_per_booking: int
    cancel_cutoff_minutes: int
    single_seat_rule: bool
