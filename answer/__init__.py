"""Answering: understand the question, retrieve, pick cited sentences or abstain."""
