"""hoidap: question answering over Vietnamese education plans.

Shared pieces live here: settings, domain types, errors, Vietnamese text
helpers, the sample corpus and the command line. The stages sit in their own
top-level packages: ingest -> index -> answer -> api / bot / eval.
"""
