"""The service's own web page (API.md §12): static HTML, CSS and JavaScript under ``static/``, served by the HTTP app.

The page is just another client (DESIGN.md 16): it uses only the public HTTP API and the MQTT topics.
"""
