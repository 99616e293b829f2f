"""multinomial_fit (nlu_components/multinomial_fit.py) fits the regression scikit-learn fits: the same
classes, weights and probabilities for word counts and a dense embedding side by side."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from nlu_components import multinomial_fit


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = np.array(["ask_fee", "faq/a", "faq/b", "greet"])[rng.integers(0, 4, 120)]
    labels[:3] = "rare"  # an unbalanced class: the balanced class weights matter
    counts = scipy.sparse.random(120, 40, density=0.1, format="csr", random_state=seed) * 3
    centres = {label: rng.normal(0, 1, 8) for label in set(labels)}
    dense = np.stack([centres[label] + rng.normal(0, 0.5, 8) for label in labels]) * 5
    return counts, dense, list(labels)


@pytest.mark.parametrize("C, class_weight", [(1.0, "balanced"), (0.1, None)])
def test_the_fit_is_scikit_learns(C, class_weight):
    counts, dense, labels = _data()
    expected = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=5000)
    expected.fit(scipy.sparse.hstack([counts, dense]).tocsr(), labels)
    fitted = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=5000)
    multinomial_fit.fit(fitted, counts, dense, labels)
    assert list(fitted.classes_) == list(expected.classes_)
    assert fitted.coef_ == pytest.approx(expected.coef_, abs=1e-4)
    assert fitted.intercept_ == pytest.approx(expected.intercept_, abs=1e-4)
    X = scipy.sparse.hstack([counts, dense]).tocsr()
    assert fitted.predict_proba(X) == pytest.approx(expected.predict_proba(X), abs=1e-5)
    assert 0 < fitted.n_iter_[0] <= 5000


def test_a_block_may_be_empty():
    counts, dense, labels = _data(1)
    only_dense = LogisticRegression(tol=1e-10, max_iter=5000)
    multinomial_fit.fit(only_dense, scipy.sparse.csr_matrix((len(labels), 0)), dense, labels)
    expected = LogisticRegression(tol=1e-10, max_iter=5000).fit(dense, labels)
    assert only_dense.predict_proba(dense) == pytest.approx(expected.predict_proba(dense), abs=1e-5)
