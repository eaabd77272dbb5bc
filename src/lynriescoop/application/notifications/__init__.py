"""Notifications: what leaves the service through the outbox (MQTT messages, customer emails), and the relay."""
