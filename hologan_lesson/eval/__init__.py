"""How good is a trained HoloGAN? Image quality (KID, FID) and 3D control (pose and identity consistency).

* ``probe``: the pose probe, a small CNN that reads pose, family and colour of a synthetic object;
* ``sources``: what renders one identity at given views (a generator, the true objects, calibration wrappers);
* ``control``: the 3D-control scores (angle fits, turn readings, identity consistency, references);
* ``kid``: KID/FID on Inception (or any) features;
* ``run``: evaluating a generator or a run folder (``EvalSettings``, ``evaluate_run``, ``pose_curve``);
* ``ablate``: the paper's ablations, scored from their run folders (training them: ``experiments.ablate``).

Everything public is importable from here, e.g. ``from hologan_lesson.eval import evaluate_run``.
"""

from ..utils import from_uint8_images, to_uint8_images
from .control import (
    TURN_THRESHOLD,
    AngleFit,
    ControlScores,
    SweepSpec,
    TurnReading,
    control_scores,
    fit_sign_offset,
    fit_unsigned_offset,
    identity_consistency,
    read_turn,
    reference_scores,
    turn_noise_floor,
)
from .kid import (
    INCEPTION_FILE,
    FeatureUnavailable,
    InceptionFeatures,
    build_inception,
    extract_features,
    feature_extractor,
    feature_label,
    generated_images,
    kid_fid,
    real_images,
)
from .probe import (
    POSE_MARGIN,
    PROBE_FORMAT,
    PROBE_SEED,
    PROBE_VERSION,
    PoseProbe,
    ProbeFeatures,
    ProbeSpec,
    load_or_train_probe,
    load_probe,
    probe_accuracy,
    probe_dir,
    probe_path,
    save_probe,
    train_probe,
)
from .run import (
    EvalSettings,
    add_eval_options,
    control_of_checkpoint,
    evaluate_generator,
    evaluate_run,
    format_control,
    format_results,
    pose_curve,
    settings_from_args,
)
from .sources import GeneratorSource, IgnoreView, ShuffleIdentity, SweepSource, SyntheticSource, has_pose_ground_truth

__all__ = [
    "INCEPTION_FILE",
    "POSE_MARGIN",
    "PROBE_FORMAT",
    "PROBE_SEED",
    "PROBE_VERSION",
    "TURN_THRESHOLD",
    "AngleFit",
    "ControlScores",
    "EvalSettings",
    "FeatureUnavailable",
    "GeneratorSource",
    "IgnoreView",
    "InceptionFeatures",
    "PoseProbe",
    "ProbeFeatures",
    "ProbeSpec",
    "ShuffleIdentity",
    "SweepSource",
    "SweepSpec",
    "SyntheticSource",
    "TurnReading",
    "add_eval_options",
    "build_inception",
    "control_of_checkpoint",
    "control_scores",
    "evaluate_generator",
    "evaluate_run",
    "extract_features",
    "feature_extractor",
    "feature_label",
    "fit_sign_offset",
    "fit_unsigned_offset",
    "format_control",
    "format_results",
    "from_uint8_images",
    "generated_images",
    "has_pose_ground_truth",
    "identity_consistency",
    "kid_fid",
    "load_or_train_probe",
    "load_probe",
    "pose_curve",
    "probe_accuracy",
    "probe_dir",
    "probe_path",
    "read_turn",
    "real_images",
    "reference_scores",
    "save_probe",
    "settings_from_args",
    "to_uint8_images",
    "train_probe",
    "turn_noise_floor",
]
