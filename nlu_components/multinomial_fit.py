"""Fits scikit-learn's multinomial logistic regression with the word counts and the sentence embedding
kept apart, because that halves the intents' training time.

scikit-learn (1.1, pinned) minimises the regression's loss with L-BFGS over one sparse matrix that
holds both kinds of feature. The embedding is 384 dense numbers in every row, most of the matrix's
entries, and scipy multiplies sparse matrices on one core, entry by entry. Here the same loss (the
class-weighted multinomial log-loss plus C's L2 penalty, the intercept unpenalised), the same
parameter layout and the same L-BFGS settings are minimised with the counts multiplied as a sparse
matrix and the embedding as a dense one (BLAS, both cores): the same optimum, to L-BFGS's tolerance
(docs/benchmarks.md, "Seventeenth session"). The result goes into a fitted `LogisticRegression`, so
prediction and persistence stay scikit-learn's. No library fits a multinomial regression over a
sparse and a dense block; scikit-learn's own loss module is private.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse
from scipy import optimize
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight


def fit(clf: LogisticRegression, counts: scipy.sparse.spmatrix, dense: np.ndarray, labels: Sequence[str]) -> None:
    """Fits `clf` (its C, class_weight, tol and max_iter) as `clf.fit(hstack([counts, dense]), labels)`."""
    counts = scipy.sparse.csr_matrix(counts, dtype=np.float64)
    dense = np.ascontiguousarray(dense, dtype=np.float64)
    labels = np.asarray(labels)
    classes, y = np.unique(labels, return_inverse=True)
    sample_weight = compute_class_weight(clf.class_weight, classes=classes, y=labels)[y]
    n_counts, n_features, n_classes = counts.shape[1], counts.shape[1] + dense.shape[1], len(classes)
    onehot = np.zeros((len(y), n_classes))
    onehot[np.arange(len(y)), y] = 1.0
    l2 = 1.0 / clf.C

    def loss_gradient(w: np.ndarray) -> Any:
        # w holds, feature by feature, each class's weight, then the intercepts: scikit-learn's layout.
        W = w.reshape(n_features + 1, n_classes)
        raw = counts @ W[:n_counts] + dense @ W[n_counts:n_features] + W[n_features]
        norm = logsumexp(raw, axis=1)
        coef = W[:n_features].ravel()
        loss = sample_weight @ (norm - raw[np.arange(len(y)), y]) + 0.5 * l2 * (coef @ coef)
        residual = sample_weight[:, None] * (np.exp(raw - norm[:, None]) - onehot)
        grad = np.empty_like(W)
        grad[:n_counts] = counts.T @ residual
        grad[n_counts:n_features] = dense.T @ residual
        grad[:n_features] += l2 * W[:n_features]
        grad[n_features] = residual.sum(axis=0)
        return loss, grad.ravel()

    result = optimize.minimize(loss_gradient, np.zeros((n_features + 1) * n_classes), method="L-BFGS-B",
                               jac=True, options={"iprint": -1, "gtol": clf.tol, "maxiter": clf.max_iter})
    W = result.x.reshape(n_features + 1, n_classes)
    clf.classes_ = classes
    clf.coef_ = np.ascontiguousarray(W[:n_features].T)
    clf.intercept_ = W[n_features].copy()
    clf.n_iter_ = np.array([result.nit], dtype=np.int32)
    clf.n_features_in_ = n_features
