"""HTTP API (FastAPI) over the answering service."""
