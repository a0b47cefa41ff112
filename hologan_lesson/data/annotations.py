"""Annotations of the real datasets: cat-face landmarks (Cats) and car bounding boxes (Stanford Cars)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from .images import square_box


def parse_cat_annotation(text: str) -> np.ndarray:
    """The 9 ``(x, y)`` head landmarks of a ``.cat`` file: eyes, mouth, then three points per ear."""
    values = [float(v) for v in text.split()]
    if not values or values[0] != 9 or len(values) < 19:
        raise ValueError(f"expected '9 x1 y1 ... x9 y9', got {text[:60]!r}")
    return np.array(values[1:19]).reshape(9, 2)


def cat_face_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """Square ``(left, top, right, bottom)`` around a cat head from its 9 landmarks."""
    x0, y0 = points.min(0)
    x1, y1 = points.max(0)
    y1 += 0.15 * (y1 - y0)  # the chin lies below the mouth landmark
    return square_box((x0, y0, x1, y1), margin=0.08)


def _mat_boxes(data: bytes, split: str) -> dict[tuple[str, str], tuple[float, ...]]:
    import scipy.io

    annotations = scipy.io.loadmat(io.BytesIO(data), squeeze_me=True)["annotations"]
    boxes = {}
    for a in np.atleast_1d(annotations):
        names = a.dtype.names
        key = str(a["relative_im_path"] if "relative_im_path" in names else a["fname"])
        box = tuple(float(a[f]) for f in ("bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2"))
        boxes[(split, key)] = box
    return boxes


def _csv_boxes(text: str, split: str) -> dict[tuple[str, str], tuple[float, ...]]:
    rows = list(csv.reader(io.StringIO(text)))
    boxes = {}
    for row in rows:
        if len(row) < 5:
            continue
        try:
            box = tuple(float(v) for v in row[1:5])
        except ValueError:
            continue  # a header line
        boxes[(split, row[0].strip())] = box
    return boxes


def _split_of(name: str) -> str:
    lower = name.lower()
    return "test" if "test" in lower else "train" if "train" in lower else ""


def load_car_boxes(source: Any) -> tuple[dict[tuple[str, str], tuple[float, ...]], list[str]]:
    """Boxes from the ``.mat`` / ``.csv`` annotation files in the source, and notes on what was read."""
    boxes: dict[tuple[str, str], tuple[float, ...]] = {}
    notes = []
    candidates = [
        n
        for n in source.names()
        if n.lower().endswith((".mat", ".csv")) and ("anno" in n.lower() or n.lower().endswith(".csv"))
    ]
    for name, data in source.read_many(candidates):
        split = "" if "cars_annos" in name.lower() else _split_of(name.rsplit("/", 1)[-1])
        try:
            if name.lower().endswith(".mat"):
                found = _mat_boxes(data, split)
            else:
                found = _csv_boxes(data.decode("utf-8", errors="replace"), split)
        except ImportError:
            notes.append(f"{name}: scipy is not installed (pip install scipy), so its boxes were not used")
            continue
        except Exception as err:  # malformed annotation files must not stop preparation
            notes.append(f"{name}: unreadable ({type(err).__name__}: {err})")
            continue
        boxes.update(found)
        notes.append(f"{name}: {len(found)} boxes")
    return boxes, notes


def _car_box(boxes: dict, name: str) -> tuple[float, ...] | None:
    parts = name.split("/")
    keys = ["/".join(parts[-2:]), parts[-1]]
    for split in (_split_of("/".join(parts[:-1])), ""):
        for key in keys:
            if (split, key) in boxes:
                return boxes[(split, key)]
    return None
