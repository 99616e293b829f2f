"""Cheaper fingerprints for Rasa's training cache: the same inputs give the same fingerprints, faster.

After each NLU node, `rasa train` fingerprints the whole processed training data for its cache
(rasa/engine/training/hooks.py). Rasa 3.6 hashes every token through `deep_container_fingerprint`:
each of the token's fields and each of its lookup-table flags (the RegexFeaturizer sets one per
table on every token) becomes its own MD5 and JSON dump, about 40 per token, for 420,000 token
fingerprints in one training of this project. And it writes every sparse feature matrix out as
text ("(i, j)  v" per value) before hashing it. Together that was about 30 of the 245 s of `make
train` (docs/benchmarks.md, "Training"), all of it before the classifiers start.

These replacements hash the same content in one pass: a token's fields as one sorted JSON
document, a sparse matrix's shape, indices and values as bytes. A fingerprint still changes
whenever a token, a flag or a feature value changes, and two processes fingerprint equal data
alike, which is all the cache needs; only the hex strings differ from Rasa's, so a cache
filled before this was installed misses once. There is no Rasa setting for this; installed from
nlu_components/__init__.py, which every `rasa train` and `rasa run` of this project imports
because config.yml names the project's components.
"""

from __future__ import annotations

import json
from hashlib import md5
from typing import Text

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features


def token_fingerprint(token: Token) -> Text:
    """A stable hash of the token's text, offsets, lemma and data."""
    document = json.dumps([token.text, token.start, token.end, token.lemma, token.data],
                          sort_keys=True, default=str, ensure_ascii=False)
    return md5(document.encode("utf-8")).hexdigest()  # nosec: a cache key, not security


def matrix_fingerprint(matrix: scipy.sparse.spmatrix) -> Text:
    """A stable hash of a sparse matrix: its shape, value type, and where each value is."""
    coo = matrix.tocoo()
    digest = md5(f"{coo.shape}{coo.data.dtype}".encode())  # nosec: a cache key
    for values in (coo.row, coo.col, coo.data):
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def features_fingerprint(features: Features) -> Text:
    """Rasa's `Features.fingerprint`, with sparse matrices hashed as bytes instead of text."""
    if features._cached_fingerprint is None:
        if features.is_dense():
            dense = np.ascontiguousarray(features.features)
            content = md5(f"{dense.shape}{dense.dtype}".encode() + dense.tobytes()).hexdigest()  # nosec
        else:
            content = matrix_fingerprint(features.features)
        key = json.dumps([features.type, features.origin, features.attribute, content], default=str)
        features._cached_fingerprint = md5(key.encode("utf-8")).hexdigest()  # nosec
    return features._cached_fingerprint


def install() -> None:
    Token.fingerprint = token_fingerprint
    Features.fingerprint = features_fingerprint
