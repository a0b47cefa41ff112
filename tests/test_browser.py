"""The widgets of lessons 03 and 08 work in a real browser: JupyterLab driven by Debian's Chromium.

Starts ``jupyter lab`` on 127.0.0.1 (free port, random token) over a temporary folder holding copies of the
lessons (JupyterLab autosaves: the committed notebooks are never opened), opens each lesson, runs all cells under
``HOLOGAN_PROFILE=ci``, waits for the kernel to go idle and asserts that no cell holds an error output. Then it
drags the azimuth slider and asserts that the rendered image changes (screenshots of the image in the slider's
output area, before and after). Lesson 08's explorer is saved as ``docs/images/jupyterlab_explorer.png``.

Playwright drives the system browser (``executable_path``; its own browser download cannot work here).
``.ci/run`` installs ``chromium`` with apt-get when it is missing; without it this test skips and says why.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("08_explorer", "03_generator")  # 08 first: it writes the README screenshot
SCREENSHOT = ROOT / "docs" / "images" / "jupyterlab_explorer.png"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
RUN_TIMEOUT_S = 600  # all cells of one lesson under `ci` (< 90 s when the machine is idle)


def chromium_path() -> str | None:
    found = os.environ.get("HOLOGAN_CHROMIUM") or next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)
    return found or shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lesson_notebook(stem: str):
    """The notebook to open: the committed one, or (``HOLOGAN_LONE_FROM=src``) the one its source builds now."""
    import nbformat

    if os.environ.get("HOLOGAN_LONE_FROM") == "src":
        import importlib.util

        spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
        builder = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(builder)
        return builder.notebook_from_source(ROOT / "notebooks" / "src" / f"{stem}.py")
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A running JupyterLab over a folder of lesson copies: yields (base_url, token, folder)."""
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (pip install -e '.[dev]')")
    import nbformat

    folder = tmp_path_factory.mktemp("lab")
    for stem in LESSONS:
        nb = lesson_notebook(stem)
        for cell in nb.cells:  # start from a clean notebook, as a student would after "Clear all outputs"
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, folder / f"{stem}.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    # No "get notified about Jupyter news?" toast over the saved screenshot, and no request to the news feed
    notification = runtime / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(
        HOLOGAN_PROFILE="ci",
        OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"),
        MKL_NUM_THREADS=env.get("MKL_NUM_THREADS", "1"),
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTER_CONFIG_DIR=str(runtime / "config"),
    )
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands and read cell models
        f"--LabApp.workspaces_dir={runtime / 'workspaces'}", f"--LabApp.user_settings_dir={runtime / 'settings'}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(runtime / "lab.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(cmd, env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start:\n{(runtime / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium at /usr/bin/chromium: `apt-get install -y chromium` (.ci/run does this)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


FIND_PANEL_JS = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.sessionContext) return w;
  }
  return null;
}"""

CELL_STATE_JS = (
    """(path) => {
  const panel = ("""
    + FIND_PANEL_JS
    + """)(path);
  if (!panel) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs.toJSON();
    cells.push({
      count: cell.model.executionCount,
      errors: outputs.filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`),
      source: cell.model.sharedModel.getSource().slice(0, 80),
    });
  }
  const busy = panel.content.node.querySelectorAll('.jp-InputArea-prompt').length
    && [...panel.content.node.querySelectorAll('.jp-InputArea-prompt')].some(n => n.textContent.includes('*'));
  return {kernel: kernel ? kernel.status : 'none', busy, cells};
}"""
)


def run_all_cells(page, base: str, token: str, stem: str) -> dict:
    """Open ``stem``.ipynb, run all cells and wait until every code cell ran (or one failed) and the kernel idles."""
    path = f"{stem}.ipynb"
    page.goto(f"{base}/lab/tree/{path}?reset&token={token}")  # reset: no notebook restored from a workspace
    page.wait_for_function(
        "(path) => { const p = (" + FIND_PANEL_JS + ")(path);"
        " return p && p.sessionContext.session && p.sessionContext.session.kernel"
        " && p.sessionContext.session.kernel.status === 'idle'; }",
        arg=path,
        timeout=120_000,
    )
    run_all = (
        "(path) => { const p = (" + FIND_PANEL_JS + ")(path); window.jupyterapp.shell.activateById(p.id);"
        " return window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )
    page.evaluate(run_all, path)
    start = time.monotonic()
    deadline, idle_since, state, retried = start + RUN_TIMEOUT_S, None, None, False
    while time.monotonic() < deadline:
        state = page.evaluate(CELL_STATE_JS, path)
        started = state and any(c["count"] for c in state["cells"])
        if not started and not retried and time.monotonic() - start > 15 and state and state["kernel"] == "idle":
            page.evaluate(run_all, path)  # the command reached the notebook before it was ready: once more
            retried = True
        done = state and (all(c["count"] for c in state["cells"]) or any(c["errors"] for c in state["cells"]))
        if done and state["kernel"] == "idle" and not state["busy"]:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 2:  # idle, and still idle a moment later (widget comms settle)
                return state
        else:
            idle_since = None
        time.sleep(0.5)
    raise AssertionError(f"{stem}: cells still running after {RUN_TIMEOUT_S} s: {json.dumps(state)[:2000]}")


def azimuth_slider(page):
    """The azimuth slider: the first ipywidgets slider labelled "azimuth", else the first slider of the page."""
    sliders = page.locator(".jp-OutputArea-output .widget-slider")
    labelled = sliders.filter(has=page.locator(".widget-label", has_text="azimuth"))
    return labelled.first if labelled.count() else sliders.first


def drag_slider(page, slider, fraction: float = 0.35) -> None:
    """Drag the slider's handle ``fraction`` of its track to the right (or left if it is near the right end)."""
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-target, .slider-container").first
    h, t = handle.bounding_box(), track.bounding_box()
    x, y = h["x"] + h["width"] / 2, h["y"] + h["height"] / 2
    dx = fraction * t["width"] * (1 if x < t["x"] + t["width"] / 2 else -1)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y, steps=5)
    page.mouse.move(x + dx, y, steps=5)
    page.mouse.up()


@pytest.mark.parametrize("stem", LESSONS)
def test_lesson_runs_and_the_azimuth_slider_turns_the_image(lab, browser, stem, tmp_path):
    base, token, _ = lab
    # a fresh context (storage) for every lesson; scale 2 for a crisp README screenshot
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=2)
    page = context.new_page()
    console_errors = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        state = run_all_cells(page, base, token, stem)
        failed = [c for c in state["cells"] if c["errors"]]
        assert not failed, f"{stem}: cells with errors: {failed}"
        assert all(c["count"] for c in state["cells"]), f"{stem}: cells that did not run: {state['cells']}"
        error_nodes = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert error_nodes.count() == 0, f"{stem}: an error output is shown"

        slider = azimuth_slider(page)
        assert slider.count(), f"{stem}: no ipywidgets slider was rendered (widget extension missing?)"
        slider.scroll_into_view_if_needed()
        area = slider.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
        image = area.locator("img").first
        image.wait_for(state="visible", timeout=30_000)
        readout = slider.locator(".widget-readout").first
        value_before = readout.inner_text() if readout.count() else None
        before = image.screenshot()
        drag_slider(page, slider)
        deadline, after = time.monotonic() + 60, before
        while time.monotonic() < deadline:  # the kernel re-renders, then the image widget updates
            time.sleep(0.5)
            after = image.screenshot()
            if after != before:
                break
        if readout.count():
            assert readout.inner_text() != value_before, f"{stem}: the slider did not move"
        assert after != before, f"{stem}: the image did not change when the azimuth slider moved"
        if stem == "08_explorer":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            time.sleep(1)  # let the image settle after the last redraw
            area.screenshot(path=str(SCREENSHOT))
        assert not console_errors, f"{stem}: JavaScript errors in the page: {console_errors}"
    except Exception:
        page.screenshot(path=str(tmp_path / f"{stem}-failure.png"), full_page=True)
        raise
    finally:
        context.close()
