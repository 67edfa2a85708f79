"""TF-IDF + logistic regression baseline, with scikit-learn (python3-sklearn).

Features: a FeatureUnion of two TfidfVectorizers, each with sublinear tf (1 + ln tf),
smooth idf, min_df 2 and L2 normalisation:
- word 1-2-grams (lower-cased, the default token pattern: runs of 2+ word characters);
- char_wb 2-5-grams (character n-grams inside " word ").
Each block is weighted 1/sqrt(2), so a row has unit length.  With an unpenalised intercept
this weight only moves the best C along the grid.

Classifier: multinomial logistic regression (lbfgs, L2, random_state 0, which lbfgs does
not use: it is deterministic).  C is chosen on the validation split (accuracy without
rejection, the smaller C on a tie) from TfidfLinear.C_GRID, and that model, trained on the
training split only, is kept.  The test split is never seen.

Used by evaluate.py; about 13 CPU-minutes on CLINC150 (15,000 utterances, 150 intents,
33,180 features, the seven C values), well under one on bitext-intent.
"""
import copy
import math

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


def _multinomial():
    # lbfgs fits a multinomial model for 3+ classes in every version; multi_class says so
    # explicitly where it is not deprecated (scikit-learn < 1.5; Debian 12 ships 1.2.1).
    major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
    return {"multi_class": "multinomial"} if (major, minor) < (1, 5) else {}


def features():
    w = 1 / math.sqrt(2)
    return FeatureUnion(
        [("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                   dtype=np.float32)),
         ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                   dtype=np.float32))],
        transformer_weights={"words": w, "chars": w})


class TfidfLinear:
    """fit(train texts, train labels, number of classes, validation texts, validation labels)
    then predict_proba(texts) -> [n, num_classes] array.  C_: the chosen C; val_acc: {C:
    validation accuracy}."""

    C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)

    def __init__(self, C_grid=None, max_iter=2000, random_state=0):
        self.C_grid = tuple(C_grid or self.C_GRID)
        self.max_iter, self.random_state = max_iter, random_state

    def fit(self, texts, labels, num_classes, val_texts=None, val_labels=None):
        self.num_classes = num_classes
        if len(self.C_grid) > 1 and val_texts is None:
            raise ValueError("choosing C needs the validation split (val_texts, val_labels)")
        # The features do not depend on C: fit them once, then one classifier per C in
        # ascending order, each starting from the previous solution (warm_start; the
        # objective is strictly convex, so only the number of iterations changes).
        feats = features().fit(texts)
        x_tr = feats.transform(texts)
        x_va = feats.transform(val_texts) if val_texts is not None else None
        lr = LogisticRegression(solver="lbfgs", max_iter=self.max_iter, warm_start=True,
                                random_state=self.random_state, **_multinomial())
        best, self.val_acc, self.n_iter = None, {}, {}
        for C in sorted(self.C_grid):
            lr.set_params(C=C).fit(x_tr, labels)
            self.n_iter[C] = int(lr.n_iter_.max())
            if x_va is None:
                best = copy.deepcopy(lr)
                break
            self.val_acc[C] = float(np.mean(lr.predict(x_va) == np.asarray(val_labels)))
            if best is None or self.val_acc[C] > self.val_acc[best.C]:  # a tie keeps the smaller C
                best = copy.deepcopy(lr)
        best.set_params(warm_start=False)
        self.C_ = best.C
        self.pipeline = Pipeline([("tfidf", feats), ("lr", best)])
        return self

    def predict_proba(self, texts):
        p = self.pipeline.predict_proba(texts)
        out = np.zeros((len(texts), self.num_classes), np.float32)
        out[:, self.pipeline.classes_] = p  # a class absent from training keeps probability 0
        return out
