"""Bounding boxes: non-maximum suppression (hard and soft) and drawing box outlines.

Boxes are [y_min, x_min, y_max, x_max] (either pair of corners may come first).  These
ops choose indices or paint pixels, so they are computed with NumPy and have no
gradient, as in TensorFlow.
"""
import numpy as np

from ndflow.ops._base import wrap
from ndflow.image._util import tensor, int_arg, float_arg, InvalidArgumentError

__all__ = ["non_max_suppression", "non_max_suppression_with_scores",
           "non_max_suppression_overlaps", "draw_bounding_boxes"]


def _nms_args(boxes, scores, max_output_size, fn, boxes_arg="boxes"):
    b = np.asarray(tensor(boxes)._value)
    s = np.asarray(tensor(scores)._value)
    if b.ndim != 2 or (boxes_arg == "boxes" and b.shape[1] != 4):
        want = "[num_boxes, 4]" if boxes_arg == "boxes" else "[num_boxes, num_boxes]"
        raise InvalidArgumentError("%s: %s must have shape %s, got %s."
                                   % (fn, boxes_arg, want, b.shape))
    if boxes_arg == "overlaps" and b.shape[0] != b.shape[1]:
        raise InvalidArgumentError("%s: overlaps must be square [num_boxes, num_boxes], got "
                                   "%s." % (fn, b.shape))
    if s.ndim != 1 or s.shape[0] != b.shape[0]:
        raise InvalidArgumentError("%s: scores must have shape [num_boxes] = [%d] to match "
                                   "%s, got %s." % (fn, b.shape[0], boxes_arg, s.shape))
    n = int_arg(max_output_size, fn, "max_output_size")
    if n < 0:
        raise InvalidArgumentError("%s: max_output_size must be non-negative, got %d."
                                   % (fn, n))
    return b, s, n


def _iou_matrix(boxes):
    """Pairwise intersection over union (0 where a box has no area)."""
    b = boxes.astype(np.float64)
    y0, y1 = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
    x0, x1 = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    area = (y1 - y0) * (x1 - x0)
    ih = np.maximum(np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]), 0)
    iw = np.maximum(np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]), 0)
    inter = ih * iw
    union = area[:, None] + area[None] - inter
    return np.divide(inter, union, out=np.zeros_like(inter),
                     where=(area[:, None] > 0) & (area[None] > 0) & (union > 0))


def _greedy(overlap, scores, max_out, threshold, score_threshold, sigma=0.0):
    """Greedy selection by score (ties: lower index first).  Hard mode drops every box
    overlapping a selected one by more than ``threshold``; soft mode (``sigma > 0``) decays
    its score by exp(-overlap**2 / (2 sigma)) instead.  Boxes scoring <= score_threshold
    are never selected."""
    cur = scores.astype(np.float64).copy()
    alive = cur > score_threshold
    picked, picked_scores = [], []
    while len(picked) < max_out and alive.any():
        cand = np.flatnonzero(alive)
        i = cand[np.argmax(cur[cand])]    # argmax returns the first (lowest index) maximum
        picked.append(int(i))
        picked_scores.append(cur[i])
        alive[i] = False
        if sigma > 0:
            cur = np.where(alive, cur * np.exp(-0.5 * overlap[i] ** 2 / sigma), cur)
            alive &= cur > score_threshold
        else:
            alive &= ~(overlap[i] > threshold)
    return np.asarray(picked, np.int32), np.asarray(picked_scores)


def _iou_threshold(value, fn):
    t = float_arg(value, fn, "iou_threshold")
    if not 0.0 <= t <= 1.0:
        raise InvalidArgumentError("%s: iou_threshold must be in [0, 1], got %r." % (fn, t))
    return t


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Indices (int32) of at most ``max_output_size`` boxes, chosen greedily by
    decreasing score, skipping every box whose IoU with an already chosen one exceeds
    ``iou_threshold`` and every box scoring <= ``score_threshold``."""
    fn = "tf.image.non_max_suppression"
    b, s, n = _nms_args(boxes, scores, max_output_size, fn)
    t = _iou_threshold(iou_threshold, fn)
    idx, _ = _greedy(_iou_matrix(b), s, n, t, float_arg(score_threshold, fn,
                                                        "score_threshold"))
    return wrap(idx)


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None):
    """(selected indices, their scores).  With ``soft_nms_sigma > 0`` (Soft-NMS, Bodla et
    al. 2017) a chosen box does not remove its neighbours but decays their scores by
    ``exp(-iou**2 / (2 * soft_nms_sigma))``; the returned scores are the decayed ones."""
    fn = "tf.image.non_max_suppression_with_scores"
    b, s, n = _nms_args(boxes, scores, max_output_size, fn)
    t = _iou_threshold(iou_threshold, fn)
    sigma = float_arg(soft_nms_sigma, fn, "soft_nms_sigma")
    if sigma < 0:
        raise InvalidArgumentError("%s: soft_nms_sigma must be >= 0, got %r." % (fn, sigma))
    idx, sc = _greedy(_iou_matrix(b), s, n, t, float_arg(score_threshold, fn,
                                                         "score_threshold"), sigma)
    sdt = tensor(scores)._value.dtype
    return wrap(idx), wrap(sc.astype(sdt if sdt.kind == "f" else np.float32))


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """``non_max_suppression`` with a given [num_boxes, num_boxes] overlap matrix in place
    of the IoU of boxes."""
    fn = "tf.image.non_max_suppression_overlaps"
    o, s, n = _nms_args(overlaps, scores, max_output_size, fn, "overlaps")
    # overlaps[j, i]: how much candidate j overlaps the already chosen box i
    idx, _ = _greedy(o.astype(np.float64).T, s, n,
                     float_arg(overlap_threshold, fn, "overlap_threshold"),
                     float_arg(score_threshold, fn, "score_threshold"))
    return wrap(idx)


# TensorFlow's default palette (RGBA), cycled when there are more boxes than colors
_DEFAULT_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1],
                            [0.5, 0, 0.5, 1], [0.5, 0.5, 0, 1], [0.5, 0, 0, 1],
                            [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)


def draw_bounding_boxes(images, boxes, colors, name=None):
    """Draw one-pixel outlines of ``boxes`` (batch, num_boxes, 4) in normalized
    [y_min, x_min, y_max, x_max] coordinates (0..1 spans the first to the last pixel) on
    ``images`` (batch, height, width, 1 | 3 | 4 channels).  Box j gets
    ``colors[j % len(colors)]`` (``None``: a default palette); later boxes paint over
    earlier ones; edges that fall outside the image are left out.  The result is float32
    (colors are written as given, without rescaling)."""
    fn = "tf.image.draw_bounding_boxes"
    x = tensor(images)
    if x._value.ndim != 4:
        raise InvalidArgumentError("%s: images must have rank 4 (batch, height, width, "
                                   "channels), got shape %s."
                                   % (fn, tuple(x._value.shape)))
    out = x._value.astype(np.float32)
    bsz, h, w, c = out.shape
    if c not in (1, 3, 4):
        raise InvalidArgumentError("%s: images must have 1 (gray), 3 (RGB) or 4 (RGBA) "
                                   "channels, got %d." % (fn, c))
    bx = np.asarray(tensor(boxes)._value, dtype=np.float32)
    if bx.ndim != 3 or bx.shape[2] != 4 or bx.shape[0] != bsz:
        raise InvalidArgumentError("%s: boxes must have shape (batch=%d, num_boxes, 4), got "
                                   "%s." % (fn, bsz, bx.shape))
    pal = _DEFAULT_COLORS if colors is None else np.asarray(tensor(colors)._value,
                                                             dtype=np.float32)
    if pal.ndim != 2 or pal.shape[0] == 0 or pal.shape[1] < c:
        raise InvalidArgumentError("%s: colors must have shape (num_colors, channels >= %d), "
                                   "got %s." % (fn, c, pal.shape))
    out = out.copy()
    for b in range(bsz):
        for j in range(bx.shape[1]):
            color = pal[j % pal.shape[0], :c]
            r0, c0, r1, c1 = (int(np.float32(v) * np.float32(n - 1))    # truncates to 0
                              for v, n in zip(bx[b, j], (h, w, h, w)))
            if r0 > r1 or c0 > c1:
                continue
            rr0, rr1 = max(r0, 0), min(r1, h - 1)
            cc0, cc1 = max(c0, 0), min(c1, w - 1)
            if rr0 > rr1 or cc0 > cc1:
                continue
            img = out[b]
            if 0 <= r0 < h:
                img[r0, cc0:cc1 + 1] = color
            if 0 <= r1 < h:
                img[r1, cc0:cc1 + 1] = color
            if 0 <= c0 < w:
                img[rr0:rr1 + 1, c0] = color
            if 0 <= c1 < w:
                img[rr0:rr1 + 1, c1] = color
    return wrap(out)
