"""The install files agree with each other, and the repo layout the course promises exists."""

import re

import tomllib
import yaml


def requirement_names(reqs):
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].strip().lower().replace("_", "-") for r in reqs}


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = requirement_names(project["dependencies"]) | requirement_names(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_block = next(d for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)["pip"]
    conda_names = requirement_names([d for d in env["dependencies"] if isinstance(d, str)]) - {
        "python",
        "pip",
    }
    pip_names = requirement_names([p for p in pip_block if not p.startswith("-e")])
    assert conda_names | pip_names == wanted, (
        f"only in environment.yml: {sorted((conda_names | pip_names) - wanted)}; "
        f"only in pyproject.toml: {sorted(wanted - (conda_names | pip_names))}"
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
