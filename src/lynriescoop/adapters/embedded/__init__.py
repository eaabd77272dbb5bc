"""Embedded servers for the zero-setup run: a real PostgreSQL (pgserver) and a real MQTT broker (amqtt)."""


class EmbeddedStartError(RuntimeError):
    """An embedded server could not start; the message is one line for the operator."""
