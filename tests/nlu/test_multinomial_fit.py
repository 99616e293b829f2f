"""multinomial_fit (nlu_components/multinomial_fit.py) fits the regression scikit-learn fits: word
counts and a dense embedding side by side reach the minimum of scikit-learn's own objective.

L-BFGS stops where the loss no longer falls by a relative 10⁻⁹, so two correct fits agree on the
objective's value and the probabilities, not to the last digit of every weight (and the intercepts
may all move together without changing a probability): those are what the tests compare."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.utils.class_weight import compute_class_weight

from nlu_components import multinomial_fit


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.array(["ask_fee", "faq/a", "faq/b", "greet"])[rng.integers(0, 4, 120)]
    labels[:3] = "rare"  # an unbalanced class: the balanced class weights matter
    counts = scipy.sparse.random(120, 40, density=0.1, format="csr", random_state=seed) * 3
    centres = {label: rng.normal(0, 1, 8) for label in set(labels)}
    dense = np.stack([centres[label] + rng.normal(0, 0.5, 8) for label in labels]) * 5
    return counts, dense, list(labels)


def _objective(clf: LogisticRegression, X, labels) -> float:
    """scikit-learn's penalised, class-weighted log-loss of `clf` on the data (computed here anew)."""
    weights = compute_class_weight(clf.class_weight, classes=clf.classes_, y=np.asarray(labels))
    sample_weight = weights[np.searchsorted(clf.classes_, labels)]
    loss = log_loss(labels, clf.predict_proba(X), sample_weight=sample_weight, normalize=False, labels=clf.classes_)
    return loss + 0.5 / clf.C * float(np.sum(clf.coef_ ** 2))


def _assert_same_fit(fitted: LogisticRegression, expected: LogisticRegression, X, labels) -> None:
    assert list(fitted.classes_) == list(expected.classes_)
    assert _objective(fitted, X, labels) == pytest.approx(_objective(expected, X, labels), rel=1e-6)
    assert fitted.predict_proba(X) == pytest.approx(expected.predict_proba(X), abs=1e-3)
    assert list(fitted.predict(X)) == list(expected.predict(X))
    assert fitted.coef_ == pytest.approx(expected.coef_, abs=1e-2)


@pytest.mark.parametrize("C, class_weight", [(1.0, "balanced"), (0.1, None)])
def test_the_fit_is_scikit_learns(C, class_weight):
    counts, dense, labels = _data()
    X = scipy.sparse.hstack([counts, dense]).tocsr()
    expected = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=5000).fit(X, labels)
    fitted = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=5000)
    multinomial_fit.fit(fitted, counts, dense, labels)
    _assert_same_fit(fitted, expected, X, labels)
    assert 0 < fitted.n_iter_[0] <= 5000


def test_a_different_objective_would_show():
    # The check above can fail: a fit with another penalty is off scikit-learn's minimum.
    counts, dense, labels = _data()
    X = scipy.sparse.hstack([counts, dense]).tocsr()
    expected = LogisticRegression(C=1.0, tol=1e-10, max_iter=5000).fit(X, labels)
    other = LogisticRegression(C=0.5, tol=1e-10, max_iter=5000)
    multinomial_fit.fit(other, counts, dense, labels)
    other.C = 1.0
    assert _objective(other, X, labels) > _objective(expected, X, labels) * (1 + 1e-4)


def test_a_block_may_be_empty():
    counts, dense, labels = _data(1)
    only_dense = LogisticRegression(tol=1e-10, max_iter=5000)
    multinomial_fit.fit(only_dense, scipy.sparse.csr_matrix((len(labels), 0)), dense, labels)
    expected = LogisticRegression(tol=1e-10, max_iter=5000).fit(dense, labels)
    _assert_same_fit(only_dense, expected, dense, labels)
