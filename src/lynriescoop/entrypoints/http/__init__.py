"""The HTTP entrypoint: FastAPI app, routers, schemas and the error table."""
