"""Ingestion: read plans, repair their text, keep their structure, cut them into chunks."""
