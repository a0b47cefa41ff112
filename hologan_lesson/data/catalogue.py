"""The dataset catalogue: what the course knows about each dataset before touching any file.

* ``POSE_RANGES``: the view range HoloGAN samples from for each dataset (course convention, degrees);
  the table lives in ``hologan_lesson.pose_ranges`` (the model and the configuration read it too, and neither
  may import ``data``); it is re-exported here for the data loaders and the scripts;
* ``SPECS``: how each real dataset is obtained and prepared;
* ``MANIFEST``: the file that describes a prepared folder or a synthetic cache.

The data loaders and the preparation scripts read it; of the package it imports only ``pose_ranges``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pose_ranges import POSE_RANGES, PoseRange, Range

__all__ = ["MANIFEST", "POSE_RANGES", "SPECS", "DatasetSpec", "PoseRange", "Range"]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DatasetSpec:
    """How one real dataset is obtained and prepared."""

    name: str
    title: str
    crop: str  # default crop strategy for fit_image, or "face"/"bbox" when annotations give a box
    manual: str  # manual download steps; {raw} is the default raw-data folder
    notes: str  # what preparation does, for --help and the lesson

    @property
    def script(self) -> str:
        """The thin CLI that prepares this dataset."""
        return f"data_scripts/prepare_{self.name}.py"


SPECS: dict[str, DatasetSpec] = {
    "celeba": DatasetSpec(
        "celeba",
        "CelebA (aligned & cropped faces, 202,599 JPEGs of 178x218)",
        "celeba",
        "1. Open https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html, follow the Google Drive link and\n"
        "   download Img/img_align_celeba.zip (1.4 GB).\n"
        "   (Or: pip install gdown, then run this script with --download.)\n"
        "2. Put it at {raw}/img_align_celeba.zip\n"
        "   (leave it zipped; an unzipped img_align_celeba/ folder works too).\n"
        "3. python data_scripts/prepare_celeba.py --source {raw}/img_align_celeba.zip --resolution 64",
        "centre crop 108x108 (64 px and below) or 128x128 (128 px) of each 178x218 aligned image, "
        "then resize "
        "(bilinear, antialiased) to the target resolution - the official code's crop.",
    ),
    "cars": DatasetSpec(
        "cars",
        "Stanford Cars (16,185 photos, 196 classes)",
        "bbox",
        "torchvision.datasets.StanfordCars cannot download any more\n"
        "(the original Stanford address is gone).\n"
        "1. Get a copy from a mirror you trust (for example a Kaggle copy of 'Stanford Cars'): either\n"
        "   car_ims.tgz + cars_annos.mat, or\n"
        "   cars_train.tgz / cars_test.tgz + car_devkit.tgz (devkit/*.mat).\n"
        "2. Put the archive(s) or the unpacked folder at {raw}/stanford_cars\n"
        "   (keep the .mat files inside: they hold the bounding boxes; reading them needs scipy).\n"
        "3. python data_scripts/prepare_cars.py --source {raw}/stanford_cars --resolution 64",
        "square crop around the annotated bounding box (+5 %) when a cars_*annos*.mat or a CSV of "
        "boxes is found, "
        "else the whole photo padded to a square with its border colour; then resize.",
    ),
    "chairs": DatasetSpec(
        "chairs",
        "ShapeNet chairs, rendered (e.g. 3D-R2N2 ShapeNetRendering, synset 03001627)",
        "tight",
        "ShapeNet needs a (free) account and its terms of use: https://shapenet.org.\n"
        "1. Get renders of the chair synset 03001627 on a plain background, e.g. the 3D-R2N2\n"
        "   ShapeNetRendering set (137x137 PNGs with transparent background), or render your own.\n"
        "2. Put the 03001627 folder (or an archive of it) at {raw}/chairs.\n"
        "3. python data_scripts/prepare_chairs.py --source {raw}/chairs --resolution 64\n"
        "   (The official HoloGAN code centre-cropped 400 px from its chair renders:\n"
        "   add --crop 400 to copy that.)",
        "transparent pixels are composited on white; square crop around the chair (+10 %) found "
        "against the plain "
        "background, then resize.",
    ),
    "lsun": DatasetSpec(
        "lsun",
        "LSUN bedrooms (3M photos; a subset is plenty)",
        "center",
        "LSUN ships as an lmdb database; export it to image files with the official tool:\n"
        "1. git clone https://github.com/fyu/lsun && cd lsun\n"
        "2. python download.py -c bedroom   # bedroom_train_lmdb.zip (~43 GB), bedroom_val_lmdb.zip\n"
        "3. unzip bedroom_train_lmdb.zip\n"
        "4. pip install lmdb opencv-python numpy\n"
        "   python data.py export bedroom_train_lmdb --out_dir {raw}/lsun_bedroom --flat\n"
        "   (files are named *.webp but hold JPEG data; both are read fine)\n"
        "5. python data_scripts/prepare_lsun.py --source {raw}/lsun_bedroom --resolution 64 --limit 200000",
        "largest centred square (the short side is 256 px), then resize. The official code instead "
        "centre-cropped "
        "108 or 128 px (a zoom on the room's centre): add --crop 128 to copy that.",
    ),
    "cats": DatasetSpec(
        "cats",
        "Cat heads (Zhang, Sun & Tang, ECCV 2008: ~9,000 photos with 9-point .cat annotations)",
        "face",
        "1. Get the Cat dataset (folders CAT_00 ... CAT_06 with IMAGE.jpg and IMAGE.jpg.cat side by\n"
        "   side), e.g. the Kaggle copy 'cat-dataset', as a zip or a folder.\n"
        "2. Put it at {raw}/cats (zip or folder).\n"
        "3. python data_scripts/prepare_cats.py --source {raw}/cats --resolution 64",
        "with .cat annotations: a square around the 9 head landmarks (extended 15 % below the mouth, +8 %), "
        "skipping heads smaller than the target resolution (no upsampling); without: centre square. "
        "Then resize.",
    ),
}
