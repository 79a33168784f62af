"""Evaluation runs against a gold Q&A set, baselines side by side, and benchmarks."""
