"""Delivery: how what happened leaves the service (API.md §7 outbox rows, §8 MQTT, §9 email).

- ``routing``: which outbox rows announce which domain event (the units of work write them at commit);
- ``payloads``: the topics and JSON payloads of those rows, and of the retained messages;
- ``relay`` and ``relay_worker``: claim due rows, publish them to MQTT or send them as email, mark them;
- ``snapshots``: the current state the relay reads for the retained messages;
- ``list_outbox``, ``retry_outbox_entry``, ``purge_outbox`` (with ``views``): the outbox for operators.

The ports (and the vocabulary: delivery, outbox row, routing, relay, target, snapshot) are in
``application/ports/delivery.py``.
"""
