"""The MQTT entrypoint: the ``booking/request`` consumer."""
