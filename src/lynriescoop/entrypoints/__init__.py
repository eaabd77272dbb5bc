"""Entrypoints: HTTP, MQTT and the command line. The container wires everything together."""
