"""The install files agree with each other, and the repo layout the course promises exists."""

import re

import tomllib
import yaml


def requirement_names(reqs):
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].strip().lower().replace("_", "-") for r in reqs}


def test_environment_yml_installs_what_pyproject_declares(root):
    """environment.yml installs the project with its dev extra (runtime + dev), and lists nothing else."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] and project["optional-dependencies"]["dev"]
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_block = next(d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)["pip"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_names = requirement_names(conda) - {"python", "pip"}
    assert not conda_names, f"only in environment.yml: {sorted(conda_names)}; declare them in pyproject.toml"
    assert pip_block == ["-e .[dev]"], f"the pip block must install the project with its dev extra: {pip_block}"
    python = next(d for d in conda if requirement_names([d]) == {"python"})
    assert python.replace(" ", "") == "python" + project["requires-python"].replace(" ", ""), (
        f"environment.yml asks for {python}, pyproject.toml for python{project['requires-python']}"
    )


def test_no_exact_pins_in_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    everything = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    assert not [r for r in everything if "==" in r], "use lower bounds, not exact pins"


def test_layout(root):
    for path in (
        "notebooks",
        "hologan_lesson",
        "data_scripts",
        "tests",
        "docs/fidelity.md",
        ".ci/run",
        "README.md",
    ):
        assert (root / path).exists(), path


def test_ci_runs_the_readme_test_command(root):
    readme = (root / "README.md").read_text()
    ci = (root / ".ci/run").read_text()
    match = re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme, re.S)
    assert match, "README.md must hold the test command in a ```bash block after <!-- test-command -->"
    command = match.group(1).strip()
    assert command in ci, f".ci/run must run the README test command verbatim: {command}"
