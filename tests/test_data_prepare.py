"""Preparation of the real datasets from fake downloads, the CLIs, and make_dataset / pose_range_for."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from hologan_lesson.config import DataConfig
from hologan_lesson.data import (
    ImageFolderDataset,
    InMemorySyntheticDataset,
    SyntheticDataset,
    make_dataset,
    pose_range_for,
)
from hologan_lesson.data import prepare as prep
from hologan_lesson.data.catalogue import POSE_RANGES
from hologan_lesson.data.fakes import fake_dataset_files, write_fake_dataset
from hologan_lesson.data.images import fit_image, open_rgb

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "data_scripts"
DATASETS = ("celeba", "cars", "chairs", "lsun", "cats")


# Runs several scripts as __main__, one after another, in one fresh interpreter (one torch import for all),
# and reports each one's exit status and output as JSON.
DRIVER = r"""
import contextlib, io, json, runpy, sys
results = []
for argv in json.loads(sys.argv[1]):
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = argv
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(argv[0], run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    results.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
sys.stdout.write(json.dumps(results))
"""


def _drive(commands: list[list[str]], env: dict) -> list[dict]:
    """Exit status and output of each ``[script, *args]``, all run in one child interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_every_prepare_script_runs_on_a_fake_download(tmp_path):
    env = {**os.environ, "HOLOGAN_DATA": str(tmp_path / "data")}
    commands, outs = [], {}
    for k, name in enumerate(DATASETS):
        # alternate folder and zip sources
        source = write_fake_dataset(name, tmp_path / "raw" / name, n=6, seed=k, as_zip=k % 2 == 1)
        outs[name] = tmp_path / f"{name}_32"
        commands.append(
            [str(SCRIPTS / f"prepare_{name}.py"), "--source", str(source), "--resolution", "32"]
            + ["--out", str(outs[name]), "--workers", "1"]
        )
    # CelebA also on its own, in a plain subprocess, while the driver runs the others.
    alone = subprocess.Popen(
        [sys.executable, *commands[0]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    results = _drive(commands[1:], env)
    stdout, stderr = alone.communicate(timeout=180)
    results.insert(0, {"code": alone.returncode, "stdout": stdout, "stderr": stderr})
    for name, result in zip(DATASETS, results):
        assert result["code"] == 0, f"{name}: {result['stderr']}"
        assert "wrote 7 images" in result["stdout"] and "skipped 3 files" in result["stdout"]
        manifest = _manifest(outs[name])
        assert manifest["dataset"] == name and manifest["resolution"] == 32
        assert manifest["skipped_count"] == 3
        assert {s["file"].rsplit("/", 1)[-1] for s in manifest["skipped"]} == {
            "corrupt.jpg",
            "truncated.jpg",
            "empty.png",
        }
        ds = ImageFolderDataset(outs[name], 32)
        assert len(ds) == manifest["count"] == 7  # 6 pictures + the RGBA one
        assert ds[0].shape == (3, 32, 32)


def test_cli_help_steps_errors_and_overwrite(tmp_path):
    env = {**os.environ, "HOLOGAN_DATA": str(tmp_path / "empty_data_root")}
    source = write_fake_dataset("lsun", tmp_path / "raw", n=3, broken=False)
    out = tmp_path / "lsun_16"
    user = tmp_path / "mine"
    user.mkdir()
    (user / "holiday.jpg").write_bytes(b"precious")
    prepare = str(SCRIPTS / "prepare.py")
    base = [prepare, "lsun", "--resolution", "16", "--source", str(source), "--out"]
    commands = [[str(SCRIPTS / f"prepare_{n}.py"), "--help"] for n in DATASETS]
    commands += [
        [prepare, "--help"],
        [str(SCRIPTS / "make_synthetic.py"), "--help"],
        [str(SCRIPTS / "prepare_celeba.py")],  # no source anywhere: manual steps, exit 2
        [str(SCRIPTS / "prepare_cats.py"), "--steps"],
        [*base, str(out)],
        [*base, str(out)],  # exists: refuse
        [*base, str(out), "--overwrite"],
        [*base, str(user), "--overwrite"],  # not ours: refuse even with --overwrite
        [str(SCRIPTS / "make_synthetic.py"), "--root", str(tmp_path), "--elevation-range", "10", "0"],
    ]
    results = _drive(commands, env)
    for name, r in zip(DATASETS, results[:5]):
        assert r["code"] == 0 and "How to get" in r["stdout"] and "--source" in r["stdout"], name
    helps, synthetic_help, missing, steps, first, again, forced, refused, bad_range = results[5:]
    assert helps["code"] == 0 and "{cars,cats,celeba,chairs,lsun}" in helps["stdout"]
    assert synthetic_help["code"] == 0 and "--num-images" in synthetic_help["stdout"]
    assert missing["code"] == 2 and "img_align_celeba.zip" in missing["stderr"]
    assert str(tmp_path / "empty_data_root" / "raw") in missing["stderr"]
    assert steps["code"] == 0 and ".cat" in steps["stdout"]
    assert first["code"] == 0 and "wrote 3 images" in first["stdout"], first["stderr"]
    assert again["code"] == 1 and "already exists" in again["stderr"] and "--overwrite" in again["stderr"]
    assert forced["code"] == 0, forced["stderr"]
    assert refused["code"] == 1 and "refusing to replace" in refused["stderr"]
    assert (user / "holiday.jpg").read_bytes() == b"precious"
    assert bad_range["code"] == 1 and "elevation_range" in bad_range["stderr"]
    assert not list(tmp_path.glob(".tmp-*")) and not list(tmp_path.glob(".old-*"))


def test_overwrite_replaces_only_when_asked(tmp_path):
    source = write_fake_dataset("lsun", tmp_path / "raw", n=2, broken=False)
    out = prep.prepare_dataset("lsun", source, tmp_path / "l", 16, progress=False, workers=1)
    stamp = _manifest(out)["created"], (out / "manifest.json").stat().st_mtime_ns
    with pytest.raises(prep.PreparedExistsError, match="nothing was changed"):
        prep.prepare_dataset("lsun", source, out, 16, progress=False)
    assert (_manifest(out)["created"], (out / "manifest.json").stat().st_mtime_ns) == stamp
    out = prep.prepare_dataset("lsun", source, out, 24, overwrite=True, progress=False, workers=1)
    assert _manifest(out)["resolution"] == 24 and len(list(out.glob("*.png"))) == 2


def test_celeba_crop_is_the_108px_centre_at_64_and_128px_at_128(tmp_path):
    source = write_fake_dataset("celeba", tmp_path / "raw", n=3, broken=False, as_zip=True)
    out64 = prep.prepare_dataset("celeba", source, tmp_path / "c64", 64, progress=False, workers=1)
    out128 = prep.prepare_dataset("celeba", source, tmp_path / "c128", 128, progress=False, workers=1)
    assert _manifest(out64)["crop_px"] == 108 and _manifest(out128)["crop_px"] == 128
    original = open_rgb(fake_dataset_files("celeba", 3, broken=False)["img_align_celeba/000001.jpg"])
    for folder, res, crop in ((out64, 64, 108), (out128, 128, 128)):
        prepared = np.asarray(Image.open(folder / "img_align_celeba__000001.png"))
        box = ((178 - crop) // 2, (218 - crop) // 2, (178 + crop) // 2, (218 + crop) // 2)
        expected = np.asarray(original.crop(box).resize((res, res), Image.BILINEAR))
        np.testing.assert_array_equal(prepared, expected)
        assert prepared.shape == (res, res, 3)
    with pytest.warns(UserWarning, match="178x218"):
        prep.prepare_dataset(
            "celeba", write_fake_dataset("lsun", tmp_path / "notfaces", 2, broken=False), tmp_path / "x"
        )


def test_cats_use_head_landmarks_and_skip_small_heads(tmp_path):
    source = write_fake_dataset("cats", tmp_path / "raw", n=5, broken=False)
    out = prep.prepare_dataset("cats", source, tmp_path / "cats", 32, progress=False, workers=1)
    m = _manifest(out)
    assert m["crop_counts"] == {"face": 4, "center": 1}
    small = prep.prepare_dataset("cats", source, tmp_path / "big", 32, min_size=1000, progress=False, workers=1)
    m = _manifest(small)
    assert m["count"] == 1 and m["skipped_count"] == 4
    assert all("head only" in s["reason"] for s in m["skipped"])
    points = prep.parse_cat_annotation("9 10 10 30 10 20 30 0 0 5 -10 10 0 30 0 35 -10 40 0")
    left, top, right, bottom = prep.cat_face_box(points)
    assert right - left == bottom - top and left < 0 < 40 < right and top < -10 < 30 < bottom
    with pytest.raises(ValueError, match="expected '9"):
        prep.parse_cat_annotation("3 1 2")


def test_cars_bounding_boxes_from_mat_files_in_a_tarball(tmp_path):
    import scipy.io

    files = fake_dataset_files("cars", 4, broken=False)
    rows = [r.split(",") for r in files.pop("anno_train.csv").decode().split()[1:]]
    annotations = np.array(
        [(f"car_ims/{r[0]}", *[float(v) for v in r[1:5]]) for r in rows],
        dtype=[
            ("relative_im_path", "O"),
            ("bbox_x1", "f8"),
            ("bbox_y1", "f8"),
            ("bbox_x2", "f8"),
            ("bbox_y2", "f8"),
        ],
    )
    mat = io.BytesIO()
    scipy.io.savemat(mat, {"annotations": annotations})
    archive = tmp_path / "car_ims.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        for rel, data in [
            *((k.replace("cars_train", "car_ims"), v) for k, v in files.items()),
            ("cars_annos.mat", mat.getvalue()),
        ]:
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    out = prep.prepare_dataset("cars", archive, tmp_path / "cars", 32, progress=False, workers=1)
    m = _manifest(out)
    assert m["crop"] == "bbox" and m["crop_counts"] == {"bbox": 4}
    assert any("cars_annos.mat: 4 boxes" in note for note in m["notes"])
    # The crop follows the box: the car is not squeezed into a padded, mostly-background frame.
    pad = prep.prepare_dataset("cars", archive, tmp_path / "pad", 32, crop="pad", progress=False, workers=1)
    assert _manifest(pad)["crop_counts"] == {"pad": 4}


def test_bad_sources_and_options_are_explained(tmp_path):
    with pytest.raises(prep.PrepareError, match="does not exist"):
        prep.prepare_dataset("lsun", tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    with pytest.raises(prep.PrepareError, match=r"(?s)no images .*How to get LSUN"):
        prep.prepare_dataset("lsun", tmp_path / "notes", tmp_path / "out")
    (tmp_path / "half.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(prep.PrepareError, match="Is the download complete"):
        prep.prepare_dataset("lsun", tmp_path / "half.zip", tmp_path / "out")
    with pytest.raises(prep.PrepareError, match="unknown dataset 'mnist'"):
        prep.prepare_dataset("mnist", tmp_path, tmp_path / "out")
    faces = write_fake_dataset("celeba", tmp_path / "faces", 2, broken=False)
    with pytest.raises(prep.PrepareError, match="none of the 2 images.*does not fit"):
        prep.prepare_dataset("celeba", faces, tmp_path / "out", crop=500, progress=False)
    assert not (tmp_path / "out").exists()


def test_celeba_download_failure_prints_the_manual_steps(tmp_path):
    def refuse(file_id, folder, filename, md5):
        assert (file_id, filename) == (prep.CELEBA_GDRIVE_ID, "img_align_celeba.zip")
        (Path(folder) / filename).write_bytes(b"<html>quota page</html>")
        raise RuntimeError("Google Drive quota exceeded")

    with pytest.raises(prep.PrepareError, match=r"quota exceeded(.|\n)*img_align_celeba\.zip"):
        prep.download_celeba(tmp_path, fetch=refuse)
    assert not (tmp_path / "img_align_celeba.zip").exists()  # no half file left to be mistaken for data


def test_make_dataset_resolves_every_kind_of_name(tmp_path, monkeypatch):
    monkeypatch.setenv("HOLOGAN_DATA", str(tmp_path / "data"))
    ds = make_dataset(DataConfig(name="synthetic", resolution=16, num_images=6, in_memory=True))
    assert isinstance(ds, InMemorySyntheticDataset) and ds[0].shape == (3, 16, 16)
    cached = make_dataset(DataConfig(name="synthetic", resolution=16, num_images=6))
    assert isinstance(cached, SyntheticDataset) and cached.folder.is_relative_to(tmp_path / "data" / "synthetic")
    assert torch.equal(cached[3], ds[3])
    direct = make_dataset(DataConfig(name="synthetic", resolution=16, num_images=6, root=str(cached.folder)))
    assert direct.folder == cached.folder
    with pytest.raises(ValueError, match="16px but data.resolution is 32"):
        make_dataset(DataConfig(name="synthetic", resolution=32, root=str(cached.folder)))

    with pytest.raises(FileNotFoundError, match=r"prepare_cats\.py --source .* --resolution 64"):
        make_dataset(DataConfig(name="cats"))
    source = write_fake_dataset("cats", tmp_path / "raw", 3, broken=False)
    prep.prepare_dataset("cats", source, resolution=16, progress=False, workers=1)  # default location
    cats = make_dataset(DataConfig(name="cats", resolution=16))
    assert isinstance(cats, ImageFolderDataset) and cats.root == tmp_path / "data" / "cats_16"
    elsewhere = make_dataset(DataConfig(name=str(tmp_path / "data" / "cats_16"), resolution=16))
    assert len(elsewhere) == len(cats)
    with pytest.raises(FileNotFoundError, match="neither 'synthetic'"):
        make_dataset(DataConfig(name="imagenet"))


def test_pose_range_for():
    assert pose_range_for("celeba") is POSE_RANGES["celeba"]
    assert pose_range_for("synthetic").azimuth == (-60.0, 60.0)
    with pytest.raises(ValueError, match="azimuth_range"):
        pose_range_for("/data/my_images")
    custom = pose_range_for("/data/my_images", (-30, 30), (0, 10))
    assert custom.azimuth == (-30, 30) and custom.elevation == (0, 10)


def test_fit_image_matches_what_prepare_writes_for_lsun(tmp_path):
    files = fake_dataset_files("lsun", 2, broken=False)
    source = write_fake_dataset("lsun", tmp_path / "raw", 2, broken=False)
    out = prep.prepare_dataset("lsun", source, tmp_path / "l", 24, progress=False, workers=1)
    name, data = sorted(files.items())[0]
    expected = np.asarray(fit_image(open_rgb(data), 24, "center"))
    np.testing.assert_array_equal(np.asarray(Image.open(out / name.replace(".webp", ".png"))), expected)
