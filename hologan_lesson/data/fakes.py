"""Tiny stand-ins for the real datasets, laid out like the downloads, for tests and the offline lesson.

The pictures are drawn procedurally (cartoon faces and cat heads, synthetic chairs and cars), so they
exercise every preparation step (layout, annotations, crops, broken files) without any download. They
are not meant to look like the real photos.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .render import render_layers
from .shapes import sample_object_params

CELEBA_SIZE = (178, 218)  # width, height of the aligned CelebA images


def _backdrop(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    w, h = size
    top, bottom = rng.integers(60, 230, 3), rng.integers(60, 230, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    arr = (top * (1 - t) + bottom * t) * np.ones((1, w, 1))
    arr += rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def fake_face(rng: np.random.Generator) -> Image.Image:
    """A 178x218 cartoon face placed like an aligned CelebA image (eyes near y = 112)."""
    image = _backdrop(rng, CELEBA_SIZE)
    d = ImageDraw.Draw(image)
    cx, cy = 89 + rng.integers(-3, 4), 125 + rng.integers(-3, 4)
    hair = tuple(int(v) for v in rng.integers(20, 120, 3))
    skin = tuple(int(v) for v in (rng.integers(170, 240), rng.integers(120, 190), rng.integers(90, 160)))
    d.ellipse([cx - 58, cy - 78, cx + 58, cy + 40], fill=hair)
    d.ellipse([cx - 44, cy - 55, cx + 44, cy + 55], fill=skin)
    for ex in (cx - 18, cx + 18):
        d.ellipse([ex - 7, cy - 17, ex + 7, cy - 9], fill=(250, 250, 250))
        d.ellipse([ex - 3, cy - 16, ex + 3, cy - 10], fill=(40, 30, 20))
    d.line([cx, cy - 8, cx - 4, cy + 12, cx + 3, cy + 12], fill=(150, 90, 70), width=2)
    d.arc([cx - 16, cy + 12, cx + 16, cy + 32], 20, 160, fill=(170, 40, 50), width=3)
    return image


def fake_cat(rng: np.random.Generator, size: tuple[int, int] = (320, 240)) -> tuple[Image.Image, np.ndarray]:
    """A cartoon cat head on a backdrop and its 9 landmarks (eyes, mouth, 3 points per ear) as ``(9, 2)``."""
    image = _backdrop(rng, size)
    d = ImageDraw.Draw(image)
    r = int(rng.integers(40, 70))
    cx, cy = int(rng.integers(r + 10, size[0] - r - 10)), int(rng.integers(2 * r, size[1] - r - 5))
    fur = tuple(int(v) for v in rng.integers(60, 230, 3))
    ears = [
        (cx - r, cy - r // 3, cx - r // 2, cy - 2 * r, cx - r // 6, cy - r),
        (cx + r, cy - r // 3, cx + r // 2, cy - 2 * r, cx + r // 6, cy - r),
    ]
    for ear in ears:
        d.polygon(ear, fill=fur)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fur)
    eyes = [(cx - 0.4 * r, cy - 0.2 * r), (cx + 0.4 * r, cy - 0.2 * r)]
    for ex, ey in eyes:
        d.ellipse([ex - r // 7, ey - r // 9, ex + r // 7, ey + r // 9], fill=(90, 160, 60))
    mouth = (cx, cy + 0.4 * r)
    d.ellipse([mouth[0] - 4, mouth[1] - 3, mouth[0] + 4, mouth[1] + 3], fill=(200, 90, 110))
    points = np.array([*eyes, mouth, *np.reshape(ears[0], (3, 2)), *np.reshape(ears[1], (3, 2))], dtype=float)
    return image, points


def _object_photo(rng: np.random.Generator, family: str, size: int, transparent: bool) -> tuple[Image.Image, tuple]:
    params = sample_object_params(rng, family=family)
    az, el = float(rng.uniform(-90, 90)), float(rng.uniform(0, 30))
    layers = render_layers(params, az, el, size)
    rgb = (np.clip(layers["colour"], 0, 1) * 255).round().astype(np.uint8)
    mask = layers["mask"]
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    if transparent:
        rgba = np.concatenate([rgb, (mask * 255).astype(np.uint8)[..., None]], -1)
        return Image.fromarray(rgba, "RGBA"), box
    photo = np.asarray(_backdrop(rng, (size, size))).copy()
    photo[mask] = rgb[mask]
    return Image.fromarray(photo), box


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def broken_files(rng: np.random.Generator, good_jpeg: bytes) -> dict[str, bytes]:
    """Files a real download may contain: random bytes, a truncated JPEG and an empty file."""
    return {
        "corrupt.jpg": rng.integers(0, 256, 2000, dtype=np.uint8).tobytes(),
        "truncated.jpg": good_jpeg[: len(good_jpeg) // 2],
        "empty.png": b"",
    }


def fake_dataset_files(name: str, n: int = 12, seed: int = 0, broken: bool = True) -> dict[str, bytes]:
    """``{relative path: bytes}`` laid out like the download of ``name`` (greyscale, RGBA files too)."""
    rng = np.random.default_rng(seed)
    files: dict[str, bytes] = {}
    if name == "celeba":
        for i in range(n):
            face = fake_face(rng)
            if i == 1:
                face = face.convert("L")
            files[f"img_align_celeba/{i + 1:06d}.jpg"] = _jpeg(face)
        prefix = "img_align_celeba/"
    elif name == "cars":
        rows = ["fname,x1,y1,x2,y2,class"]
        for i in range(n):
            photo, box = _object_photo(rng, "car", 96, transparent=False)
            photo = photo.resize((144, 96))  # cars photos are wide
            box = (box[0] * 1.5, box[1], box[2] * 1.5, box[3])
            files[f"cars_train/{i + 1:05d}.jpg"] = _jpeg(photo)
            rows.append(f"{i + 1:05d}.jpg,{box[0]:.0f},{box[1]:.0f},{box[2]:.0f},{box[3]:.0f},1")
        files["anno_train.csv"] = ("\n".join(rows) + "\n").encode()
        prefix = "cars_train/"
    elif name == "chairs":
        for i in range(n):
            render, _ = _object_photo(rng, "chair", 137, transparent=True)
            files[f"03001627/model{i // 3:03d}/rendering/{i % 3:02d}.png"] = _png(render)
        prefix = "03001627/"
    elif name == "lsun":
        for i in range(n):  # the official export writes JPEG bytes into files named .webp
            files[f"{rng.bytes(6).hex()}{i:02d}.webp"] = _jpeg(_backdrop(rng, (int(rng.integers(256, 340)), 256)))
        prefix = ""
    elif name == "cats":
        for i in range(n):
            photo, points = fake_cat(rng)
            stem = f"CAT_0{i % 2}/{i:08d}_{i:03d}.jpg"
            files[stem] = _jpeg(photo)
            if i != 2:  # one image without annotation: centre crop
                files[stem + ".cat"] = ("9 " + " ".join(f"{v:.0f}" for v in points.ravel()) + " ").encode()
        prefix = "CAT_00/"
    else:
        raise ValueError(f"no fake layout for {name!r}")
    if broken:
        first = next(iter(files.values()))
        for fname, data in broken_files(rng, first if name != "chairs" else _jpeg(fake_face(rng))).items():
            files[prefix + fname] = data
        if name == "celeba":  # a face cut out on a transparent background, at CelebA's size
            rgba = fake_face(rng).convert("RGBA")
            cut = Image.new("L", CELEBA_SIZE, 0)
            ImageDraw.Draw(cut).ellipse([25, 40, 153, 190], fill=255)
            rgba.putalpha(cut)
        else:
            rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
            ImageDraw.Draw(rgba).ellipse([40, 40, 160, 160], fill=(200, 30, 30, 255))
        files[prefix + "with_alpha.png"] = _png(rgba)
    return files


def write_fake_dataset(
    name: str, root: str | Path, n: int = 12, seed: int = 0, broken: bool = True, as_zip: bool = False
) -> Path:
    """Write ``fake_dataset_files`` under ``root`` (a folder, or ``root.zip`` when ``as_zip``); return it."""
    root = Path(root)
    files = fake_dataset_files(name, n, seed, broken)
    if as_zip:
        path = root.with_suffix(".zip")
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w") as zf:
            for rel, data in files.items():
                zf.writestr(rel, data)
        return path
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root
