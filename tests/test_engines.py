"""The two engines behind ChunkStore: Qdrant Edge (default) and a Qdrant server through
qdrant-client (its in-process local mode stands in for the server protocol here)."""

from __future__ import annotations

import pytest

from hoidap.answer.service import AnswerService
from hoidap.errors import DocumentNotFound, IndexUnavailable
from hoidap.index.store import ChunkStore
from hoidap.settings import Settings
from tests.conftest import HOA_BINH_2024, LAI_CHAU, SAMPLE

QUESTIONS = [
    "tỷ lệ huy động trẻ nhà trẻ ra lớp",
    "chi ngân sách cho giáo dục tối thiểu bao nhiêu",
    "phổ cập giáo dục mầm non cho trẻ 5 tuổi",
]


def test_edge_is_the_default_and_a_url_selects_the_server():
    assert Settings().engine == "edge"
    assert Settings(qdrant_url="http://localhost:6333").engine == "server"
    assert Settings(qdrant_url=":memory:", index_engine="edge").engine == "edge"


@pytest.fixture(scope="module")
def server_store(sample_service):
    """The sample chunks with their dense vectors, copied into the server engine."""
    store = ChunkStore(Settings(qdrant_url=":memory:"))
    pairs = list(sample_service.store.dense_vectors())
    store.add([c for c, _ in pairs], [v for _, v in pairs])
    yield store
    store.close()


@pytest.mark.parametrize("mode", ["hybrid", "sparse", "dense"])
def test_both_engines_rank_the_same_chunks(sample_service, server_store, mode):
    edge = sample_service.store
    assert server_store.count() == edge.count() > 300
    for question in QUESTIONS:
        dense = sample_service.embedding.get_query_embedding(question)
        a = [h.chunk.id for h in edge.search(question, dense, 5, None, mode)]
        b = [h.chunk.id for h in server_store.search(question, dense, 5, None, mode)]
        assert a[:3] == b[:3], (mode, question)


@pytest.mark.parametrize("engine", ["edge", "server"])
def test_a_zero_dense_weight_fuses_the_keyword_ranking_alone_with_the_same_scores(sample_service, server_store, engine):
    """Unaccented questions are searched with dense weight 0: the engine skips the dense search but keeps the
    fused scores' scale (the learned decision reads them), so hits and scores match a vanishing dense weight."""
    store = sample_service.store if engine == "edge" else server_store
    for question in QUESTIONS + ["ty le tre di hoc mau giao", "muc tieu chi ngan sach cho giao duc"]:
        dense = sample_service.embedding.get_query_embedding(question)
        fused = store.search(question, dense, 8, None, "hybrid", dense_weight=1e-12)
        alone = store.search(question, None, 8, None, "hybrid", dense_weight=0.0)
        assert [(h.chunk.id, round(h.score, 6)) for h in alone] == [(h.chunk.id, round(h.score, 6)) for h in fused]
        assert alone and alone[0].score < 1.0  # a fused (RRF) score, not a raw keyword score
        keywords = store.search(question, None, 8, None, "sparse")
        assert {h.chunk.id for h in alone} == {h.chunk.id for h in keywords}


def test_a_question_without_diacritics_is_not_embedded(sample_service, monkeypatch):
    embedded = []
    original = type(sample_service.embedding).get_query_embedding
    monkeypatch.setattr(type(sample_service.embedding), "get_query_embedding",
                        lambda self, text: embedded.append(text) or original(self, text))
    assert sample_service.search("ty le tre di hoc mau giao") and embedded == []
    assert sample_service.search("tỷ lệ trẻ đi học mẫu giáo") and len(embedded) == 1


def test_both_engines_list_documents_and_filter_by_province_alike(sample_service, server_store):
    assert server_store.documents() == sample_service.store.documents()
    assert server_store.provinces() == sample_service.store.provinces() == {"Sơn La", "Lai Châu", "Bắc Ninh", "Hòa Bình"}
    dense = sample_service.embedding.get_query_embedding(QUESTIONS[1])
    hits = server_store.search(QUESTIONS[1], dense, 8, ["Lai Châu"])
    assert hits and {h.chunk.metadata.province for h in hits} == {"Lai Châu"}


def test_server_engine_ingests_replaces_and_removes_in_keywords_only_mode(tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in (LAI_CHAU, HOA_BINH_2024):
        (folder / name).write_bytes(SAMPLE[name].read_bytes())
    service = AnswerService(Settings(data_dir=tmp_path / "data", qdrant_url=":memory:", retrieval_mode="sparse"))
    try:
        report = service.ingest([folder])
        assert sorted(report.added) == sorted([LAI_CHAU, HOA_BINH_2024])
        assert service._embedding is None  # keywords only: no dense model loaded at ingest
        count = service.store.count()
        assert service.ingest([folder]).unchanged and service.store.count() == count
        assert service.search("ty le huy dong tre nha tre o Lai Chau", 1)[0].chunk.source == LAI_CHAU
        assert service.delete(LAI_CHAU) < count
        with pytest.raises(DocumentNotFound):
            service.delete(LAI_CHAU)
        assert service.provinces == {"Hòa Bình"}
    finally:
        service.close()
    assert not (tmp_path / "data" / "index").exists()  # nothing embedded was written


def test_an_index_left_by_the_old_local_mode_names_the_command_that_rebuilds_it(tmp_path):
    old = tmp_path / "data" / "qdrant"
    (old / "collection" / "hoidap").mkdir(parents=True)
    (old / "meta.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"rm -rf .*qdrant && hoidap ingest"):
        ChunkStore(Settings(data_dir=tmp_path / "data"))
