"""Image folders: colour conversion, crops, broken-file reports and ImageFolderDataset."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from hologan_lesson.data import images as im
from hologan_lesson.data.fakes import fake_face, write_fake_dataset
from hologan_lesson.data.prepare import prepare_dataset


def _save(path, image: Image.Image, fmt: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt)


def test_list_images_is_recursive_sorted_and_skips_hidden(tmp_path):
    for rel in [
        "b.png",
        "a/c.JPG",
        "a/d.webp",
        "e.bmp",
        ".hidden.png",
        ".cache/x.png",
        "notes.txt",
        "f.jpeg",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    names = [p.relative_to(tmp_path).as_posix() for p in im.list_images(tmp_path)]
    assert names == ["a/c.JPG", "a/d.webp", "b.png", "e.bmp", "f.jpeg"]


def test_to_rgb_handles_grey_alpha_palette_and_16_bit():
    grey = im.to_rgb(Image.new("L", (4, 4), 100))
    assert grey.mode == "RGB" and grey.getpixel((0, 0)) == (100, 100, 100)
    clear = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    clear.putpixel((1, 1), (255, 0, 0, 255))
    rgb = im.to_rgb(clear)
    assert rgb.getpixel((0, 0)) == (255, 255, 255) and rgb.getpixel((1, 1)) == (255, 0, 0)
    assert im.to_rgb(Image.new("LA", (2, 2), (50, 0))).getpixel((0, 0)) == (255, 255, 255)
    palette = Image.new("P", (2, 2), 0)
    palette.putpalette([10, 20, 30] * 256)
    palette.info["transparency"] = 0
    assert im.to_rgb(palette).getpixel((0, 0)) == (255, 255, 255)
    deep = Image.fromarray(np.full((2, 2), 65535, dtype=np.uint16))
    assert im.to_rgb(deep).getpixel((0, 0)) == (255, 255, 255)


def test_celeba_centre_crop_box_and_sizes():
    assert im.center_crop_box(178, 218, 108) == (35, 55, 143, 163)
    assert im.celeba_crop_size(64) == 108 and im.celeba_crop_size(128) == 128
    arr = np.arange(218 * 178).reshape(218, 178)
    crop = im.center_crop(arr, 108)
    assert crop.shape == (108, 108) and crop[0, 0] == arr[55, 35]
    with pytest.raises(ValueError, match="does not fit"):
        im.center_crop_box(100, 50, 64)


def test_fit_image_crops():
    face = fake_face(np.random.default_rng(0))
    out = im.fit_image(face, 64, "celeba")
    expected = face.crop((35, 55, 143, 163)).resize((64, 64), Image.BILINEAR)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))
    assert im.fit_image(face, 32, "center").size == (32, 32)
    assert im.fit_image(face, 32, 100).size == (32, 32)
    wide = Image.new("RGB", (200, 100), (10, 20, 30))
    padded = np.asarray(im.fit_image(wide, 20, "pad"))
    assert (padded == (10, 20, 30)).all()  # padded with the border colour, nothing cut
    canvas = Image.new("RGB", (100, 100), (255, 255, 255))
    canvas.paste((0, 0, 0), (70, 70, 90, 90))
    tight = np.asarray(im.fit_image(canvas, 22, "tight"))
    assert tight.mean() < 0.6 * 255  # the dark square now fills most of the frame
    with pytest.raises(ValueError, match="unknown crop"):
        im.fit_image(face, 32, "zoom")


def test_check_image_finds_corrupt_truncated_and_empty_files(tmp_path):
    good = tmp_path / "good.jpg"
    _save(good, fake_face(np.random.default_rng(1)), "JPEG")
    data = good.read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.png").write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    (tmp_path / "empty.jpg").write_bytes(b"")
    buf = io.BytesIO()
    Image.new("RGB", (30, 30), (1, 2, 3)).save(buf, "PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[:-20])
    assert im.check_image(good) is None
    assert "truncated" in im.check_image(tmp_path / "truncated.jpg")
    assert im.check_image(tmp_path / "noise.png") is not None
    assert im.check_image(tmp_path / "empty.jpg") == "empty file"
    assert im.check_image(tmp_path / "cut.png") is not None
    broken = {p.name for p, _ in im.scan_images(sorted(tmp_path.iterdir()))}
    assert broken == {"truncated.jpg", "noise.png", "empty.jpg", "cut.png"}


def test_dataset_strict_names_the_broken_files(tmp_path):
    root = write_fake_dataset("celeba", tmp_path / "faces", n=6)
    with pytest.raises(im.BrokenImagesError) as err:
        im.ImageFolderDataset(root, 32, crop="celeba")
    message = str(err.value)
    assert "3 of 10 images" in message
    for name in ("corrupt.jpg", "truncated.jpg", "empty.png"):
        assert name in message
    assert "on_error='skip'" in message


def test_dataset_skip_reports_and_reads_grey_and_rgba(tmp_path):
    root = write_fake_dataset("celeba", tmp_path / "faces", n=6)
    with pytest.warns(UserWarning, match="3 of 10 images") as caught:
        ds = im.ImageFolderDataset(root, 32, crop="center", on_error="skip")
    assert "truncated.jpg" in str(caught[0].message)
    assert len(ds) == 7 and len(ds.skipped) == 3
    batch = torch.stack([ds[i] for i in range(len(ds))])
    assert batch.shape == (7, 3, 32, 32) and batch.min() >= -1 and batch.max() <= 1
    grey = ds[ds.files.index(root / "img_align_celeba" / "000002.jpg")]
    assert torch.equal(grey[0], grey[1]) and torch.equal(grey[1], grey[2])
    rgba = ds[ds.files.index(root / "img_align_celeba" / "with_alpha.png")]
    assert torch.allclose(rgba[:, 0, 0], torch.ones(3))  # transparent corner -> white


def test_a_file_broken_after_the_scan(tmp_path):
    for i in range(3):
        _save(tmp_path / f"{i}.png", Image.new("RGB", (8, 8), (i * 50, 0, 0)))
    strict = im.ImageFolderDataset(tmp_path, 8)
    skip = im.ImageFolderDataset(tmp_path, 8, on_error="skip")
    (tmp_path / "1.png").write_bytes(b"not an image any more")
    with pytest.raises(im.BrokenImagesError, match="1.png"):
        strict[1]
    with pytest.warns(UserWarning, match="1.png"):
        assert torch.equal(skip[1], skip[2])
    assert skip.skipped and skip.skipped[0][0].name == "1.png"


def test_missing_empty_and_wrong_folders_say_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*prepare_celeba\.py --resolution 64"):
        im.ImageFolderDataset(tmp_path / "celeba_64", 64)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no images in .*empty.*data_scripts/prepare\.py"):
        im.ImageFolderDataset(tmp_path / "empty", 64)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("hi")
    with pytest.raises(FileNotFoundError, match="1 other files"):
        im.ImageFolderDataset(tmp_path / "docs", 64)
    with pytest.raises(FileNotFoundError, match="is a file"):
        im.ImageFolderDataset(tmp_path / "docs" / "readme.txt", 64)
    with pytest.raises(ValueError, match="on_error"):
        im.ImageFolderDataset(tmp_path / "docs", 64, on_error="ignore")


def test_prepared_manifest_spares_the_scan_until_the_folder_changes(tmp_path, monkeypatch):
    src = write_fake_dataset("lsun", tmp_path / "raw", n=5, broken=False)
    out = prepare_dataset("lsun", src, tmp_path / "lsun_32", resolution=32, progress=False, workers=1)
    calls = []
    real_scan = im.scan_images
    monkeypatch.setattr(im, "scan_images", lambda paths: calls.append(len(paths)) or real_scan(paths))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = im.ImageFolderDataset(out, 32)
    assert len(ds) == 5 and calls == []
    _save(out / "extra.png", Image.new("RGB", (32, 32)))
    assert len(im.ImageFolderDataset(out, 32)) == 6 and calls == [6]
    im.ImageFolderDataset(out, 32, verify="none")
    assert calls == [6]


def test_lesson_checkers_pass_good_answers_and_explain_bad_ones(capsys):
    from hologan_lesson.lessons.checks import CheckFailed
    from hologan_lesson.lessons.checks.data import check_center_crop, check_to_model_input

    def good(image, size):
        h, w = image.shape[:2]
        if size > h or size > w:
            raise ValueError("too big")
        top, left = (h - size) // 2, (w - size) // 2
        return image[top : top + size, left : left + size]

    check_center_crop(good)
    check_to_model_input(lambda image: torch.from_numpy(image).permute(2, 0, 1).float() / 127.5 - 1)
    assert capsys.readouterr().out.count("PASS") == 7

    def swapped(image, size):
        h, w = image.shape[:2]
        top, left = (w - size) // 2, (h - size) // 2
        return image[top : top + size, left : left + size]

    with pytest.raises(CheckFailed, match="swapped height and width"):
        check_center_crop(swapped)
    with pytest.raises(CheckFailed, match="raises ValueError"):
        check_center_crop(lambda image, size: im.center_crop(image, min(size, *image.shape[:2])))
    with pytest.raises(CheckFailed, match="0 maps to -1"):
        check_to_model_input(lambda image: torch.from_numpy(image).permute(2, 0, 1).float() / 255)
