"""Prepare a real dataset for training: crop, resize and store it as a folder of square images.

    python data_scripts/prepare.py celeba --source ~/Downloads/img_align_celeba.zip --resolution 64
    python data_scripts/prepare.py cats --steps        # where to get the Cat dataset, step by step

The per-dataset scripts (prepare_celeba.py, prepare_cars.py, prepare_chairs.py, prepare_lsun.py,
prepare_cats.py) are this script with DATASET filled in. The output (default: $HOLOGAN_DATA or
~/.cache/hologan_lesson, folder <dataset>_<resolution>) is never replaced unless you pass --overwrite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.data.paths import prepared_dir  # noqa: E402
from hologan_lesson.data.prepare import (  # noqa: E402
    SPECS,
    PrepareError,
    download_celeba,
    find_default_source,
    manual_steps,
    prepare_dataset,
    raw_dir,
)


def build_parser(dataset: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``dataset`` fixed (per-dataset scripts) the positional is left out."""
    if dataset is None:
        description = __doc__
    else:
        spec = SPECS[dataset]
        description = f"Prepare {spec.title}.\n\nWhat it does: {spec.notes}\n\n{manual_steps(dataset)}"
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    if dataset is None:
        ap.add_argument("dataset", choices=sorted(SPECS), help="which dataset")
    ap.add_argument("--source", help=f"folder or archive (.zip/.tar[.gz]) as downloaded (default: look in {raw_dir()})")
    ap.add_argument("--out", help="output folder (default: <data root>/<dataset>_<resolution>)")
    ap.add_argument("--resolution", type=int, default=64, help="output side in px (default 64)")
    ap.add_argument(
        "--crop",
        help="override the dataset's crop: center | celeba | pad | tight | none | face | bbox | a size in px",
    )
    ap.add_argument("--overwrite", action="store_true", help="replace an output folder made by an earlier run")
    ap.add_argument("--limit", type=int, help="prepare only the first N images (sorted by name)")
    ap.add_argument("--format", choices=("png", "jpg"), default="png", help="output file type (default png)")
    ap.add_argument("--workers", type=int, help="processes (default: all CPU cores)")
    if dataset in (None, "cats"):
        ap.add_argument("--min-size", type=int, help="cats: skip heads smaller than N px (default: resolution)")
    if dataset in (None, "celeba"):
        ap.add_argument("--download", action="store_true", help="celeba: try the Google Drive download first")
    ap.add_argument("--steps", action="store_true", help="print how to get the dataset by hand, then exit")
    return ap


def main(argv: list[str] | None = None, dataset: str | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = build_parser(dataset).parse_args(argv)
    name = dataset or args.dataset
    if args.steps:
        print(manual_steps(name))
        return 0
    try:
        source = Path(args.source).expanduser() if args.source else find_default_source(name)
        if source is None and name == "celeba" and getattr(args, "download", False):
            source = download_celeba()
        if source is None:
            print(
                f"No --source given and no {name} download found in {raw_dir()}.\n\n{manual_steps(name)}",
                file=sys.stderr,
            )
            return 2
        out = Path(args.out).expanduser() if args.out else prepared_dir(name, args.resolution)
        print(f"preparing {name} from {source} -> {out}")
        folder = prepare_dataset(
            name,
            source,
            out,
            resolution=args.resolution,
            crop=args.crop,
            overwrite=args.overwrite,
            limit=args.limit,
            image_format=args.format,
            workers=args.workers,
            min_size=getattr(args, "min_size", None),
        )
    except PrepareError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    print(f"wrote {manifest['count']} images ({manifest['resolution']}px, crop {manifest['crop']}) to {folder}")
    if manifest["skipped_count"]:
        print(f"skipped {manifest['skipped_count']} files (reasons in {folder / 'manifest.json'}):")
        for item in manifest["skipped"][:5]:
            print(f"  {item['file']}: {item['reason']}")
    for note in manifest["notes"]:
        print(f"note: {note}")
    root_hint = "" if folder == prepared_dir(name, args.resolution) else f", root={str(folder)!r}"
    print(f"train on it with DataConfig(name={name!r}, resolution={args.resolution}{root_hint})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
