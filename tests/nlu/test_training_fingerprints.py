"""The training cache's fingerprints (nlu_components/training_fingerprints.py): equal content, equal
fingerprint, in any process; any change of a token, a flag or a feature value, another fingerprint."""

import subprocess
import sys

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

import nlu_components  # noqa: F401  (installs the fingerprints, as `rasa train` does)
from nlu_components import training_fingerprints

FINGERPRINT_IN_A_NEW_PROCESS = """
import numpy as np, scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
import nlu_components
token = Token("fees", 4, data={"pos": "NOUN", "pattern": {"money": True, "length": False}}, lemma="fee")
matrix = scipy.sparse.coo_matrix(np.array([[0, 1.0, 0], [2.0, 0, 0]]))
print(token.fingerprint(), Features(matrix, "sequence", "text", "CountVectorsFeaturizer").fingerprint())
"""


def _token(**data):
    return Token("fees", 4, data={"pos": "NOUN", "pattern": {"money": True, "length": False}, **data}, lemma="fee")


def _sparse(values):
    return Features(scipy.sparse.coo_matrix(np.array(values, dtype=float)), "sequence", "text", "CountVectorsFeaturizer")


def test_installed_when_the_package_is_imported():
    assert Token.fingerprint is training_fingerprints.token_fingerprint
    assert Features.fingerprint is training_fingerprints.features_fingerprint


def test_equal_tokens_have_equal_fingerprints_whatever_the_order_of_their_data():
    reordered = Token("fees", 4, data={"pattern": {"length": False, "money": True}, "pos": "NOUN"}, lemma="fee")
    assert _token().fingerprint() == reordered.fingerprint()


def test_a_changed_token_field_or_flag_changes_the_fingerprint():
    base = _token().fingerprint()
    assert Token("fee", 4, data=_token().data, lemma="fee").fingerprint() != base
    assert Token("fees", 5, data=_token().data, lemma="fee").fingerprint() != base
    assert Token("fees", 4, data=_token().data, lemma="fees").fingerprint() != base
    flipped = _token()
    flipped.data["pattern"]["length"] = True
    assert flipped.fingerprint() != base


def test_sparse_features_differ_by_value_position_and_shape():
    base = _sparse([[0, 1, 0], [2, 0, 0]]).fingerprint()
    assert _sparse([[0, 1, 0], [2, 0, 0]]).fingerprint() == base
    assert _sparse([[0, 1, 0], [3, 0, 0]]).fingerprint() != base
    assert _sparse([[1, 0, 0], [2, 0, 0]]).fingerprint() != base
    assert _sparse([[0, 1, 0, 0], [2, 0, 0, 0]]).fingerprint() != base


def test_features_differ_by_type_origin_and_attribute():
    matrix = scipy.sparse.coo_matrix(np.eye(2))
    fingerprints = {
        Features(matrix, "sequence", "text", "A").fingerprint(),
        Features(matrix, "sentence", "text", "A").fingerprint(),
        Features(matrix, "sequence", "response", "A").fingerprint(),
        Features(matrix, "sequence", "text", "B").fingerprint(),
    }
    assert len(fingerprints) == 4


def test_dense_features_differ_by_value():
    first = Features(np.array([[0.5, 1.0]]), "sentence", "text", "Dense").fingerprint()
    assert Features(np.array([[0.5, 1.0]]), "sentence", "text", "Dense").fingerprint() == first
    assert Features(np.array([[0.5, 2.0]]), "sentence", "text", "Dense").fingerprint() != first


def test_a_message_with_one_more_flag_on_a_token_has_another_fingerprint():
    message = Message(data={"text": "fees", "text_tokens": [_token()]})
    before = message.fingerprint()
    flagged = _token()
    flagged.data["pattern"]["length"] = True
    message.set("text_tokens", [flagged])
    assert message.fingerprint() != before


def test_the_same_content_fingerprints_alike_in_another_process():
    here = (_token().fingerprint(), _sparse([[0, 1, 0], [2, 0, 0]]).fingerprint())
    there = subprocess.run([sys.executable, "-c", FINGERPRINT_IN_A_NEW_PROCESS], capture_output=True, text=True,
                           check=True).stdout.split()
    assert tuple(there) == here
