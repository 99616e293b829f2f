"""SentenceEmbeddings (nlu_components/sentence_embeddings.py): each text gets one dense sentence
feature from the packaged multilingual model, in which a Dutch question lies closer to the English
question it translates than to an unrelated one."""

from __future__ import annotations

import os

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.sentence_embeddings import SentenceEmbeddings, embed, embed_cached


def component(scale: float = 1.0) -> SentenceEmbeddings:
    return SentenceEmbeddings({**SentenceEmbeddings.get_default_config(), "scale": scale})


def test_each_text_gets_one_dense_sentence_feature_of_the_models_width():
    [message] = component().process([Message(data={"text": "is the programme taught in English?"})])
    [feature] = message.features
    assert (feature.attribute, feature.type, feature.origin) == ("text", "sentence", "SentenceEmbeddings")
    assert feature.is_dense() and feature.features.shape == (1, 384)


def test_the_scale_multiplies_a_unit_length_embedding():
    [plain] = component().process([Message(data={"text": "tuition fee"})])
    [scaled] = component(scale=20).process([Message(data={"text": "tuition fee"})])
    assert np.isclose(np.linalg.norm(plain.features[0].features), 1.0, atol=1e-3)
    assert np.allclose(scaled.features[0].features, 20 * plain.features[0].features, atol=1e-4)


def test_a_dutch_question_lies_closest_to_the_english_question_it_translates():
    english = embed(["how many years does the master take?", "what does the master cost per year?",
                     "can I go to Sweden for my minor?"])
    dutch = embed(["hoeveel jaar duurt de master?", "wat kost de master per jaar?",
                   "kan ik voor mijn minor naar Zweden?"])
    similarity = dutch @ english.T
    assert similarity.argmax(axis=1).tolist() == [0, 1, 2]


def test_training_examples_get_the_feature_and_empty_texts_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr("nlu_components.sentence_embeddings.CACHE", tmp_path / "cache.npz")
    examples = [Message(data={"text": "wat kost het?", "intent": "ask_fee"}), Message(data={"text": ""})]
    component().process_training_data(TrainingData(examples))
    assert [len(m.features) for m in examples] == [1, 0]


def test_training_reuses_the_cached_embeddings_and_adds_new_texts(tmp_path):
    cache = tmp_path / "cache.npz"
    first = embed_cached(["hoe lang duurt de master?"], cache)
    # A row the cache holds is taken from it, not computed again.
    with np.load(cache) as stored:
        np.savez(cache, texts=stored["texts"], vectors=np.full_like(stored["vectors"], 0.5))
    again = embed_cached(["hoe lang duurt de master?", "what is the fee?"], cache)
    assert np.allclose(again[0], 0.5) and not np.allclose(first, 0.5)
    assert np.allclose(again[1], embed(["what is the fee?"])[0], atol=1e-5)
    with np.load(cache) as stored:
        assert sorted(stored["texts"].tolist()) == ["hoe lang duurt de master?", "what is the fee?"]


@pytest.fixture
def openmp_threads_seen(monkeypatch):
    """The OpenMP runtime's thread counts while the model runs (one list per call), and a way to read
    them now. scikit-learn is imported first: it loads the OpenMP runtime first, as in the server."""
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_info

    from nlu_components import sentence_embeddings

    def openmp_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"]

    model = sentence_embeddings._model()
    seen = []
    real_query = model.query
    monkeypatch.setattr(model, "query", lambda texts: seen.append(openmp_threads()) or real_query(texts))
    return seen, openmp_threads


def test_the_model_runs_on_one_openmp_thread_and_the_process_keeps_its_own_setting(openmp_threads_seen):
    seen, openmp_threads = openmp_threads_seen
    before = openmp_threads()
    embed(["wat kost de master?"])
    assert seen and all(n == 1 for n in seen[0])
    assert openmp_threads() == before


def test_training_embeds_new_examples_on_every_core_the_runtime_has(openmp_threads_seen, tmp_path):
    seen, openmp_threads = openmp_threads_seen
    before = openmp_threads()
    embed_cached(["welke tracks zijn er?"], tmp_path / "cache.npz")
    assert seen == [before]
    assert openmp_threads() == before


@pytest.mark.parametrize("spin, threads", [("10000", None), ("", 1), (None, 1)])
def test_serving_uses_every_core_only_where_openmps_idle_threads_stop_spinning(monkeypatch, spin, threads):
    from nlu_components.sentence_embeddings import serving_threads

    if spin is None:
        monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    else:
        monkeypatch.setenv("GOMP_SPINCOUNT", spin)
    assert serving_threads() == threads


def test_a_served_message_is_embedded_with_the_serving_thread_count(openmp_threads_seen, monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    seen, openmp_threads = openmp_threads_seen
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    SentenceEmbeddings({"scale": 1.0}).process([Message(data={"text": "wat kost de master?"})])
    assert seen and all(n == 1 for n in seen[0])


def test_the_rasa_server_bounds_openmps_spinning_before_rasa_loads_it(monkeypatch):
    """The runtime reads GOMP_SPINCOUNT once, when Rasa's import of scikit-learn loads it: the
    server's entry point sets it before it hands over to Rasa, and keeps an operator's own value."""
    import rasa.__main__

    from serving import rasa_server

    seen = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(os.environ.get("GOMP_SPINCOUNT")))
    monkeypatch.setattr("sys.argv", ["rasa_server", "--version"])
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    rasa_server.main()
    monkeypatch.setenv("GOMP_SPINCOUNT", "500")
    rasa_server.main()
    assert seen == [rasa_server.SPIN_COUNT, "500"]
