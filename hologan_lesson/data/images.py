"""Image folders: reading, cropping and resizing, broken-file checks, and ``ImageFolderDataset``."""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from .catalogue import MANIFEST, SPECS

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
RESAMPLE = Image.BILINEAR  # antialiased when shrinking; what scipy.misc.imresize (official code) used
CELEBA_CROP = {32: 108, 64: 108, 128: 128}  # face-centred square crop of the 178x218 aligned images
PREPARED_FORMAT = "hologan_lesson.prepared"
Crop = str | int


def list_images(root: str | os.PathLike) -> list[Path]:
    """Image files under ``root`` (recursive, sorted), skipping hidden files and folders."""
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(Path(dirpath) / name)
    return sorted(found)


def names_digest(names: Sequence[str]) -> str:
    """A short hash of sorted relative file names (lets a prepare manifest vouch for a listing)."""
    h = hashlib.sha256()
    for name in sorted(names):
        h.update(name.encode("utf-8") + b"\n")
    return h.hexdigest()[:16]


def to_rgb(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Any PIL image as RGB: greyscale replicated, 16-bit scaled, transparency composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.int64)
        scale = 257.0 if arr.max(initial=0) > 255 else 1.0
        image = Image.fromarray(np.clip(arr / scale + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def open_rgb(source: str | os.PathLike | bytes | BinaryIO) -> Image.Image:
    """Decode an image file (path, bytes or file object) fully and return it as RGB."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    with Image.open(source) as image:
        image.load()
        return to_rgb(image)


def center_crop_box(width: int, height: int, crop: int) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` of a centred ``crop x crop`` square (offsets rounded down)."""
    if crop > width or crop > height:
        raise ValueError(f"a {crop}x{crop} crop does not fit in a {width}x{height} image")
    left, top = (width - crop) // 2, (height - crop) // 2
    return left, top, left + crop, top + crop


def center_crop(image: np.ndarray, crop: int) -> np.ndarray:
    """The centred ``crop x crop`` square of an ``(H, W, ...)`` array."""
    left, top, right, bottom = center_crop_box(image.shape[1], image.shape[0], crop)
    return image[top:bottom, left:right]


def celeba_crop_size(resolution: int) -> int:
    """Side of the centred square cut from an aligned CelebA image before resizing to ``resolution``."""
    return CELEBA_CROP.get(resolution, 108 if resolution <= 64 else 128)


def square_box(box: tuple[float, float, float, float], margin: float = 0.0) -> tuple[int, int, int, int]:
    """The square ``(left, top, right, bottom)`` centred on ``box``, side ``max(w, h) * (1 + margin)``."""
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * (1.0 + margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    side = max(1, int(round(side)))
    return left, top, left + side, top + side


def crop_padded(
    image: Image.Image, box: tuple[int, int, int, int], fill: tuple[int, int, int] | None = None
) -> Image.Image:
    """Crop ``box`` (may reach past the borders); outside pixels take ``fill`` (default: border mean)."""
    left, top, right, bottom = box
    if left >= 0 and top >= 0 and right <= image.width and bottom <= image.height:
        return image.crop(box)
    if fill is None:
        arr = np.asarray(image, dtype=np.float64)
        border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
        fill = tuple(int(round(v)) for v in border.mean(0))
    canvas = Image.new("RGB", (right - left, bottom - top), fill)
    canvas.paste(image, (-left, -top))
    return canvas


def object_box(image: Image.Image, threshold: int = 12) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels that differ from the image's corner (background) colour, or None."""
    arr = np.asarray(image, dtype=np.int16)
    corners = np.stack([arr[0, 0], arr[0, -1], arr[-1, 0], arr[-1, -1]])
    background = np.median(corners, axis=0)
    fg = np.abs(arr - background).max(-1) > threshold
    if not fg.any():
        return None
    rows, cols = np.nonzero(fg.any(1))[0], np.nonzero(fg.any(0))[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def fit_image(image: Image.Image, resolution: int, crop: Crop = "center") -> Image.Image:
    """Crop and resize an RGB image to ``resolution x resolution``.

    ``crop``: ``"center"`` (largest centred square), ``"celeba"`` (``celeba_crop_size`` centred square),
    ``"pad"`` (pad to a square with the border colour: nothing is cut), ``"tight"`` (square around the
    object on a plain background, 10 % margin), ``"none"`` (resize as is), or an int (centred square of
    that many pixels).
    """
    w, h = image.size
    if isinstance(crop, int) or (isinstance(crop, str) and crop.isdigit()):
        image = image.crop(center_crop_box(w, h, int(crop)))
    elif crop == "celeba":
        image = image.crop(center_crop_box(w, h, celeba_crop_size(resolution)))
    elif crop == "center":
        image = image.crop(center_crop_box(w, h, min(w, h)))
    elif crop == "pad":
        image = crop_padded(image, square_box((0, 0, w, h)))
    elif crop == "tight":
        box = object_box(image)
        image = crop_padded(image, square_box(box if box else (0, 0, w, h), margin=0.1))
    elif crop != "none":
        raise ValueError(f"unknown crop {crop!r}: use 'center', 'celeba', 'pad', 'tight', 'none' or a size in px")
    if image.size != (resolution, resolution):
        image = image.resize((resolution, resolution), RESAMPLE)
    return image


def to_tensor(image: Image.Image | np.ndarray) -> torch.Tensor:
    """An RGB image (PIL or ``(H, W, 3)`` uint8) as a ``(3, H, W)`` float tensor in [-1, 1]."""
    arr = np.asarray(image, dtype=np.uint8)
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).float() / 127.5 - 1.0


def describe_error(err: Exception) -> str:
    """A short reason for a decoding failure (without PIL's object addresses)."""
    if isinstance(err, UnidentifiedImageError):
        return "not a readable image (unknown format or corrupt header)"
    return f"{type(err).__name__}: {err}"


def check_image(path: str | os.PathLike) -> str | None:
    """Why the image at ``path`` cannot be used (None when it decodes); cheap: JPEGs decode at 1/8 scale."""
    try:
        if os.path.getsize(path) == 0:
            return "empty file"
        with Image.open(path) as image:
            image.verify()  # structure and checksums (PNG CRCs); does not decode pixels
        with Image.open(path) as image:
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()  # a truncated or corrupt stream raises here
    except Exception as err:  # PIL raises many types (OSError, SyntaxError, ValueError, struct.error, ...)
        return describe_error(err)
    return None


def scan_images(paths: Sequence[Path], workers: int | None = None) -> list[tuple[Path, str]]:
    """``(path, reason)`` for each file of ``paths`` that does not decode (threads; PIL releases the GIL)."""
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        reasons = list(pool.map(check_image, paths, chunksize=64))
    return [(p, r) for p, r in zip(paths, reasons) if r is not None]


class BrokenImagesError(RuntimeError):
    """Some files of an image folder cannot be decoded."""


def _hint_for(root: Path) -> str:
    name = root.name.rsplit("_", 1)[0]
    if name in SPECS:
        spec = SPECS[name]
        res = root.name.rsplit("_", 1)[-1]
        return f"run `python {spec.script} --resolution {res} --out {root}` to prepare it (see its --help)"
    return "prepare one with `python data_scripts/prepare.py DATASET --source ... --out DIR` (see --help)"


def _report(broken: list[tuple[Path, str]], root: Path, limit: int = 10) -> str:
    lines = [f"  {p.relative_to(root) if p.is_relative_to(root) else p}: {reason}" for p, reason in broken[:limit]]
    if len(broken) > limit:
        lines.append(f"  ... and {len(broken) - limit} more")
    return "\n".join(lines)


class ImageFolderDataset(Dataset):
    """Images under ``root`` (recursive) as ``(3, resolution, resolution)`` tensors in [-1, 1].

    ``on_error="strict"`` refuses a folder with undecodable files (naming them); ``"skip"`` leaves them out
    with a warning and lists them in ``self.skipped``. ``verify``: ``"auto"`` scans every file unless the
    folder's prepare manifest vouches for exactly the files present; ``"full"`` always scans; ``"none"``
    never does.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        resolution: int = 64,
        crop: Crop = "center",
        on_error: str = "strict",
        verify: str = "auto",
    ):
        if on_error not in ("strict", "skip"):
            raise ValueError(f"on_error must be 'strict' or 'skip', got {on_error!r}")
        if verify not in ("auto", "full", "none"):
            raise ValueError(f"verify must be 'auto', 'full' or 'none', got {verify!r}")
        self.root = Path(root).expanduser()
        self.resolution, self.crop, self.on_error = resolution, crop, on_error
        if not self.root.is_dir():
            what = "is a file, not a folder" if self.root.exists() else "does not exist"
            raise FileNotFoundError(f"image folder {self.root} {what}; {_hint_for(self.root)}")
        files = list_images(self.root)
        if not files:
            others = sum(1 for p in self.root.rglob("*") if p.is_file())
            detail = f" ({others} other files, none ending in {', '.join(IMAGE_EXTENSIONS)})" if others else ""
            raise FileNotFoundError(f"no images in {self.root}{detail}; {_hint_for(self.root)}")
        self.manifest = self._read_manifest()
        broken: list[tuple[Path, str]] = []
        if verify == "full" or (verify == "auto" and not self._manifest_vouches(files)):
            broken = scan_images(files)
        self.skipped: list[tuple[Path, str]] = list(broken)
        if broken:
            message = (
                f"{len(broken)} of {len(files)} images in {self.root} cannot be decoded:\n{_report(broken, self.root)}"
            )
            if on_error == "strict":
                raise BrokenImagesError(
                    f"{message}\nRemove or replace them, re-run the prepare script, or pass on_error='skip' "
                    f"to train without them."
                )
            warnings.warn(f"{message}\nSkipping them (on_error='skip').", stacklevel=2)
        bad = {p for p, _ in broken}
        self.files = [p for p in files if p not in bad]
        if not self.files:
            raise BrokenImagesError(f"none of the {len(files)} images in {self.root} can be decoded")

    def _read_manifest(self) -> dict | None:
        path = self.root / MANIFEST
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) and data.get("format") == PREPARED_FORMAT else None

    def _manifest_vouches(self, files: list[Path]) -> bool:
        m = self.manifest
        if not m or not m.get("verified") or m.get("count") != len(files):
            return False
        return m.get("files_digest") == names_digest([p.relative_to(self.root).as_posix() for p in files])

    def __len__(self) -> int:
        return len(self.files)

    def load(self, index: int) -> torch.Tensor:
        """Image ``index`` as ``(3, H, W)`` in [-1, 1]; errors name the file."""
        path = self.files[index]
        try:
            image = open_rgb(path)
        except Exception as err:
            raise BrokenImagesError(f"cannot decode {path}: {describe_error(err)}") from err
        return to_tensor(fit_image(image, self.resolution, self.crop))

    def __getitem__(self, index: int) -> torch.Tensor:
        if self.on_error == "strict":
            return self.load(index)
        for step in range(len(self.files)):  # a file that broke after the scan: fall through to the next one
            k = (index + step) % len(self.files)
            try:
                return self.load(k)
            except BrokenImagesError as err:
                self.skipped.append((self.files[k], str(err)))
                warnings.warn(f"skipping {self.files[k]}: {err}", stacklevel=2)
        raise BrokenImagesError(f"no image in {self.root} can be decoded any more")

    def __repr__(self) -> str:
        return f"ImageFolderDataset({len(self)} images, {self.resolution}px, crop={self.crop!r}, {self.root})"
