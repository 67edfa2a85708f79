"""Out-of-scope decisions and the metrics of the intent classifier.

An utterance is in scope when its best probability is >= `threshold` and beats the
runner-up by >= `margin`, and the best class is not the "oos" class (CLINC150 models
trained with an oos class).  In-scope accuracy counts an in-scope utterance as right
only when it is kept and gets its intent; out-of-scope recall is the share of
out-of-scope utterances that are rejected.
"""
import numpy as np

REJECT = -1


def top2(probs):
    """(best class, best probability, runner-up probability) per row."""
    probs = np.asarray(probs)
    srt = np.sort(probs, axis=1)
    return probs.argmax(1), srt[:, -1], srt[:, -2]


def decide(probs, threshold, margin, oos_class=-1):
    """Predicted class per row, or REJECT.  `probs` may be a top2() triple."""
    best, p1, p2 = probs if isinstance(probs, tuple) else top2(probs)
    keep = (p1 >= threshold) & (p1 - p2 >= margin)
    if oos_class >= 0:
        keep &= best != oos_class
    return np.where(keep, best, REJECT)


def in_scope_accuracy(pred, labels):
    return float(np.mean(np.asarray(pred) == np.asarray(labels))) if len(labels) else float("nan")


def oos_recall(pred):
    return float(np.mean(np.asarray(pred) == REJECT)) if len(pred) else float("nan")


THRESHOLDS = [round(x, 3) for x in np.arange(0.0, 1.0, 0.01)]
MARGINS = [round(x, 3) for x in np.arange(0.0, 0.81, 0.02)]


def tune(in_probs, in_labels, oos_probs, min_in_scope, oos_class=-1):
    """(threshold, margin) with the highest out-of-scope recall on (in_probs, oos_probs)
    whose in-scope accuracy is >= min_in_scope; ties go to the higher in-scope accuracy,
    then to the smaller threshold and margin.  Falls back to (0, 0)."""
    in_probs, oos_probs = top2(in_probs), top2(oos_probs)
    best = (-1.0, -1.0, 0.0, 0.0)
    for t in THRESHOLDS:
        for m in MARGINS:
            acc = in_scope_accuracy(decide(in_probs, t, m, oos_class), in_labels)
            if acc < min_in_scope:
                continue
            rec = oos_recall(decide(oos_probs, t, m, oos_class))
            if (rec, acc) > best[:2]:
                best = (rec, acc, t, m)
    return best[2], best[3]


def tune_joint_accuracy(in_probs, in_labels, oos_probs, oos_class=-1):
    """(threshold, 0.0): the threshold on the best probability with the highest accuracy
    over all validation utterances, out-of-scope counted as one more intent (an oos
    utterance is right when rejected), ties to the smaller threshold.  No margin.

    This is how Larson et al. (EMNLP 2019) chose the threshold of their CLINC150 table
    ("the value which yielded the highest validation score across all intents, treating
    out-of-scope as its own intent"; clinc/oos-eval issue #1: "by maximizing the accuracy
    on all intents (including out-of-scope) on the validation set"), so a model tuned
    this way is compared with the published rows under their protocol."""
    in_probs, oos_probs = top2(in_probs), top2(oos_probs)
    in_labels = np.asarray(in_labels)
    n = len(in_labels) + len(oos_probs[0])
    best = (-1.0, 0.0)
    for t in THRESHOLDS:
        right = np.sum(decide(in_probs, t, 0.0, oos_class) == in_labels)
        right += np.sum(decide(oos_probs, t, 0.0, oos_class) == REJECT)
        if right / n > best[0]:
            best = (right / n, t)
    return best[1], 0.0


def tune_for_recall(in_probs, in_labels, oos_probs, min_in_scope, target_recall, oos_class=-1):
    """The least rejecting (threshold, margin) whose out-of-scope recall on oos_probs
    reaches target_recall with in-scope accuracy >= min_in_scope: the lowest such recall,
    then the smaller threshold and margin.  Falls back to tune() when none reaches it."""
    a, b = top2(in_probs), top2(oos_probs)
    best = None
    for t in THRESHOLDS:
        for m in MARGINS:
            rec = oos_recall(decide(b, t, m, oos_class))
            if rec < target_recall:
                continue
            if in_scope_accuracy(decide(a, t, m, oos_class), in_labels) < min_in_scope:
                continue
            if best is None or rec < best[0]:
                best = (rec, t, m)
    if best is None:
        return tune(in_probs, in_labels, oos_probs, min_in_scope, oos_class)
    return best[1], best[2]
