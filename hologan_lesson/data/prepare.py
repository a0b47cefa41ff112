"""Turn a real dataset (a folder or a .zip/.tar archive) into a prepared folder of square images.

A prepared folder holds one PNG (or JPEG) per usable source image at the target resolution plus a
``manifest.json`` (source, crop, count, skipped files with reasons). Preparation never replaces an existing
folder unless asked (``overwrite=True``), and then only a folder this module made; the new folder is
written to a temporary sibling first and renamed into place when complete.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import tarfile
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..utils import progress_bar
from .annotations import _car_box, cat_face_box, load_car_boxes, parse_cat_annotation  # noqa: F401 (re-exported)
from .catalogue import MANIFEST, SPECS, DatasetSpec
from .images import (
    IMAGE_EXTENSIONS,
    PREPARED_FORMAT,
    RESAMPLE,
    celeba_crop_size,
    crop_padded,
    describe_error,
    fit_image,
    names_digest,
    open_rgb,
    square_box,
)
from .paths import default_data_root, prepared_dir

PREPARE_VERSION = 1
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
CELEBA_GDRIVE_ID = "0B7EVK8r0v71pZjFTYXZWM3FlRnM"  # img_align_celeba.zip, as listed by torchvision's CelebA
CELEBA_MD5 = "00d2c5bc6d35e252742224ab0c1e8fcb"


class PrepareError(RuntimeError):
    """Preparation cannot go ahead; the message says what to do."""


class PreparedExistsError(PrepareError):
    """The output folder exists and would be replaced."""


def spec_for(name: str) -> DatasetSpec:
    """The DatasetSpec of ``name`` (error lists the known datasets)."""
    if name not in SPECS:
        raise PrepareError(f"unknown dataset {name!r}; known: {', '.join(SPECS)}")
    return SPECS[name]


def raw_dir() -> Path:
    """Where downloaded archives are expected by default: ``<data root>/raw``."""
    return default_data_root() / "raw"


def manual_steps(name: str, raw_folder: str | os.PathLike | None = None) -> str:
    """Step-by-step instructions to get ``name`` by hand (downloads go to ``raw_folder`` or ``raw_dir()``)."""
    spec = spec_for(name)
    return f"How to get {spec.title}:\n" + spec.manual.format(raw=raw_folder or raw_dir())


_DEFAULT_SOURCES = {
    "celeba": (
        "img_align_celeba.zip",
        "img_align_celeba",
        "celeba/img_align_celeba.zip",
        "celeba/img_align_celeba",
    ),
    "cars": ("stanford_cars", "car_ims.tgz", "stanford_cars.zip"),
    "chairs": ("chairs", "03001627", "chairs.zip"),
    "lsun": ("lsun_bedroom", "bedroom_images"),
    "cats": ("cats", "cat-dataset.zip", "cats.zip"),
}


def find_default_source(name: str) -> Path | None:
    """The first of the usual download locations under ``raw_dir()`` that exists, if any."""
    for candidate in _DEFAULT_SOURCES.get(name, ()):
        path = raw_dir() / candidate
        if path.exists():
            return path
    return None


def _is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _skip_name(name: str) -> bool:
    parts = name.split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


class Source:
    """A folder or an archive, read member by member (names are POSIX paths relative to the source)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise PrepareError(f"source {self.path} does not exist")
        if self.path.is_dir():
            self.kind = "folder"
        elif self.path.name.lower().endswith(".zip"):
            self.kind = "zip"
        elif _is_archive(self.path):
            self.kind = "tar"
        else:
            raise PrepareError(f"source {self.path} is neither a folder nor an archive ({', '.join(ARCHIVE_SUFFIXES)})")
        try:
            self._names = self._list()
        except (zipfile.BadZipFile, tarfile.TarError, OSError) as err:
            raise PrepareError(f"cannot read the archive {self.path}: {err}. Is the download complete?") from None

    def _list(self) -> list[str]:
        if self.kind == "folder":
            names = [p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()]
        elif self.kind == "zip":
            with zipfile.ZipFile(self.path) as zf:
                names = [i.filename for i in zf.infolist() if not i.is_dir()]
        else:
            with tarfile.open(self.path, "r:*") as tf:
                names = [m.name for m in tf.getmembers() if m.isfile()]
        return sorted(n for n in names if not _skip_name(n))

    def names(self) -> list[str]:
        """All file names in the source (hidden files and __MACOSX left out)."""
        return list(self._names)

    def read_many(self, wanted: list[str]) -> Iterator[tuple[str, bytes]]:
        """``(name, bytes)`` for each name in ``wanted`` (in ``wanted`` order; archive order for tar)."""
        if self.kind == "folder":
            for name in wanted:
                yield name, (self.path / name).read_bytes()
        elif self.kind == "zip":
            with zipfile.ZipFile(self.path) as zf:
                for name in wanted:
                    yield name, zf.read(name)
        else:
            todo = set(wanted)
            with tarfile.open(self.path, "r|*") as tf:  # streaming: one pass through a compressed archive
                for member in tf:
                    if member.isfile() and member.name in todo:
                        f = tf.extractfile(member)
                        yield member.name, f.read() if f is not None else b""


def _image_names(source: Source) -> list[str]:
    return [n for n in source.names() if n.lower().endswith(IMAGE_EXTENSIONS)]


def _output_name(name: str, image_format: str, taken: set[str]) -> str:
    stem = name.rsplit(".", 1)[0].replace("/", "__")
    out, k = f"{stem}.{image_format}", 1
    while out in taken:
        out, k = f"{stem}_{k}.{image_format}", k + 1
    taken.add(out)
    return out


def _process(job: tuple) -> tuple[str, bytes | None, str, str | None, tuple[int, int] | None]:
    """Decode, crop, resize and encode one image: ``(name, data, how, reason, source size)``."""
    name, data, resolution, crop, box, min_size, image_format = job
    if not data:
        return name, None, "", "empty file", None
    try:
        image = open_rgb(data)
    except Exception as err:  # any decoder failure means: skip this file, and say why
        return name, None, "", f"cannot decode: {describe_error(err)}", None
    size = image.size
    try:
        if box is not None:  # a square from annotations
            side = box[2] - box[0]
            if min_size and side < min_size:
                return (
                    name,
                    None,
                    "",
                    f"{'head' if crop == 'face' else 'object'} only {side} px (< {min_size})",
                    size,
                )
            image = crop_padded(image, box).resize((resolution, resolution), RESAMPLE)
            how = crop
        else:
            fallback = {"face": "center", "bbox": "pad"}.get(crop, crop)
            image = fit_image(image, resolution, fallback)
            how = str(fallback)
    except ValueError as err:  # e.g. a fixed crop larger than the image
        return name, None, "", str(err), size
    buf = io.BytesIO()
    if image_format == "png":
        image.save(buf, "PNG")
    else:
        image.save(buf, "JPEG", quality=95)
    return name, buf.getvalue(), how, None, size


def _check_out(out: Path, overwrite: bool) -> bool:
    """Whether ``out`` exists and will be replaced; raise if it must not be."""
    if not out.exists():
        return False
    if out.is_file():
        raise PreparedExistsError(f"{out} is a file; choose another output folder (--out)")
    contents = list(out.iterdir())
    if not contents:
        return True
    ours = False
    try:
        ours = json.loads((out / MANIFEST).read_text()).get("format") == PREPARED_FORMAT
    except (OSError, json.JSONDecodeError, AttributeError):
        pass
    if not overwrite:
        raise PreparedExistsError(
            f"{out} already exists ({len(contents)} entries); nothing was changed. Use it as it is, pass "
            f"--overwrite (overwrite=True) to replace it, or choose another output folder with --out."
        )
    if not ours:
        raise PreparedExistsError(
            f"refusing to replace {out}: it has no {MANIFEST} written by this tool, so it may hold your own "
            f"files. Move or delete it yourself, or choose another output folder with --out."
        )
    return True


def prepare_dataset(
    name: str,
    source: str | os.PathLike,
    out: str | os.PathLike | None = None,
    resolution: int = 64,
    crop: str | int | None = None,
    overwrite: bool = False,
    limit: int | None = None,
    image_format: str = "png",
    workers: int | None = None,
    min_size: int | None = None,
    progress: bool = True,
) -> Path:
    """Prepare dataset ``name`` from ``source`` (folder or archive) into ``out``; return the folder.

    ``crop`` overrides the dataset's default (see ``SPECS`` and ``images.fit_image``); ``min_size`` (cats:
    default ``resolution``) drops annotated heads/objects smaller than that many source pixels.
    """
    spec = spec_for(name)
    if resolution < 8:
        raise PrepareError(f"resolution must be at least 8 px, got {resolution}")
    if image_format not in ("png", "jpg"):
        raise PrepareError(f"image_format must be 'png' or 'jpg', got {image_format!r}")
    out = Path(out).expanduser() if out else prepared_dir(name, resolution)
    replace = _check_out(out, overwrite)
    src = Source(source)
    names = _image_names(src)
    if not names:
        raise PrepareError(
            f"no images ({', '.join(IMAGE_EXTENSIONS)}) in {src.path} ({len(src.names())} other files).\n"
            + manual_steps(name)
        )
    if limit is not None:
        names = names[:limit]
    crop = spec.crop if crop is None else crop
    if isinstance(crop, str) and crop.isdigit():
        crop = int(crop)

    boxes: dict[str, tuple] = {}
    notes: list[str] = []
    if crop == "face":
        if min_size is None:
            min_size = resolution
        available = set(src.names())
        wanted = [n + ".cat" for n in names if n + ".cat" in available]
        for cat_name, data in src.read_many(wanted):
            try:
                boxes[cat_name[: -len(".cat")]] = cat_face_box(parse_cat_annotation(data.decode("ascii", "replace")))
            except ValueError as err:
                notes.append(f"{cat_name}: {err}")
        notes.append(f"{len(boxes)} of {len(names)} images have head annotations")
    elif crop == "bbox":
        car_boxes, notes = load_car_boxes(src)
        for n in names:
            box = _car_box(car_boxes, n)
            if box is not None:
                boxes[n] = square_box(box, margin=0.05)
        if not boxes:
            crop = "pad"
        notes.append(f"{len(boxes)} of {len(names)} images have bounding boxes")

    tmp = out.parent / f".tmp-{out.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.mkdir()
    start = time.perf_counter()
    written: list[str] = []
    skipped: list[dict[str, str]] = []
    how_counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    taken: set[str] = set()
    try:
        jobs = ((n, data, resolution, crop, boxes.get(n), min_size, image_format) for n, data in src.read_many(names))
        workers = workers or min(os.cpu_count() or 1, 8)
        bar = progress_bar(total=len(names), desc=f"preparing {name} {resolution}px", unit="img", show=progress)
        pool = multiprocessing.get_context().Pool(workers) if workers > 1 and len(names) >= 64 else None
        try:
            results = pool.imap(_process, jobs, chunksize=16) if pool else map(_process, jobs)
            for n, data, how, reason, size in results:
                bar.update(1)
                if size is not None:
                    key = f"{size[0]}x{size[1]}"
                    sizes[key] = sizes.get(key, 0) + 1
                if data is None:
                    skipped.append({"file": n, "reason": reason or "unknown"})
                    continue
                out_name = _output_name(n, image_format, taken)
                (tmp / out_name).write_bytes(data)
                written.append(out_name)
                how_counts[how] = how_counts.get(how, 0) + 1
        finally:
            bar.close()
            if pool is not None:
                pool.close()
                pool.join()
        if not written:
            reasons = "; ".join(f"{s['file']}: {s['reason']}" for s in skipped[:5])
            raise PrepareError(f"none of the {len(names)} images in {src.path} could be prepared ({reasons})")
        if name == "celeba" and crop == "celeba" and set(sizes) != {"178x218"}:
            notes.append(f"expected aligned 178x218 images, found sizes {sizes}: is this img_align_celeba?")
        manifest = {
            "format": PREPARED_FORMAT,
            "version": PREPARE_VERSION,
            "dataset": name,
            "source": str(src.path.resolve()),
            "resolution": resolution,
            "crop": crop if not isinstance(crop, int) else f"center {crop}px",
            "crop_px": celeba_crop_size(resolution) if crop == "celeba" else None,
            "crop_counts": how_counts,
            "resize": "PIL bilinear (antialiased)",
            "image_format": image_format,
            "count": len(written),
            "files_digest": names_digest(written),
            "verified": True,
            "source_sizes": dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:10]),
            "skipped_count": len(skipped),
            "skipped": skipped,
            "notes": notes,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - start, 1),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _move_into_place(tmp, out, replace)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for note in notes:
        if "expected aligned" in note or "scipy" in note:
            warnings.warn(note, stacklevel=2)
    return out


def _move_into_place(tmp: Path, out: Path, replace: bool) -> None:
    if not replace:
        os.rename(tmp, out)
        return
    old = out.parent / f".old-{out.name}-{uuid.uuid4().hex[:8]}"
    os.rename(out, old)  # keep the old folder until the new one is in place
    try:
        os.rename(tmp, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old)


def download_celeba(dest_dir: str | os.PathLike | None = None, fetch: Callable | None = None) -> Path:
    """Try to fetch img_align_celeba.zip from Google Drive (torchvision + gdown); return its path.

    ``fetch(file_id, folder, filename, md5)`` defaults to torchvision's Google Drive downloader.
    """
    dest_dir = Path(dest_dir) if dest_dir else raw_dir()
    target = dest_dir / "img_align_celeba.zip"
    if target.exists():
        return target
    try:
        if fetch is None:
            from torchvision.datasets.utils import download_file_from_google_drive as fetch
        dest_dir.mkdir(parents=True, exist_ok=True)
        fetch(CELEBA_GDRIVE_ID, str(dest_dir), target.name, CELEBA_MD5)
    except Exception as err:  # gdown missing, quota exceeded, network down...: all end in the manual steps
        target.unlink(missing_ok=True)
        raise PrepareError(
            f"automatic CelebA download failed ({type(err).__name__}: {err}). Google Drive often refuses "
            f"(quota, login pages).\n" + manual_steps("celeba")
        ) from None
    if not target.exists():
        raise PrepareError("CelebA download reported success but no file arrived.\n" + manual_steps("celeba"))
    return target
