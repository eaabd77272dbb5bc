"""In-memory adapters for every port: fast fakes for unit tests, kept honest by tests/contract."""
