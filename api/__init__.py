"""The FastAPI application: routers per area over the engine."""
