"""The command line, run as a real subprocess: exit codes, formats, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import REPO, edit, run_cli


def test_validate_default_is_obs_data_and_passes() -> None:
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK:" in result.stdout and "0 error(s)" in result.stdout


def test_broken_file_exits_1_with_file_line_and_hint(package: Path) -> None:
    target = package / "ExampleCam/crosstalk/r22_s10/20240101T000000.ecsv"
    edit(target, "{NAMP: 16}", "{NAMP: 8}")
    result = run_cli("validate", str(package))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if "NAMP is 8" in ln)
    assert "crosstalk/r22_s10/20240101T000000.ecsv:" in line and ": error:" in line


def test_usage_problems_exit_2() -> None:
    assert run_cli("validate", "no/such/dir").returncode == 2
    assert run_cli("validate", "--profile", "lenient").returncode == 2
    assert run_cli().returncode == 2


def test_compat_profile_on_variant_fixtures(variants: Path) -> None:
    assert run_cli("validate", "--profile", "compat", str(variants)).returncode == 0
    assert run_cli("validate", str(variants)).returncode == 1


def test_json_format(package: Path) -> None:
    edit(package / "ExampleCam/defects/r22_s10/20240101T000000.ecsv", "{DETECTOR: 2}", "{DETECTOR: 1}")
    result = run_cli("validate", "--format", "json", str(package))
    doc = json.loads(result.stdout)
    assert result.returncode == 1 and doc["ok"] is False
    [err] = doc["errors"]
    assert err["pointer"] == "/metadata/DETECTOR" and err["line"] and err["hint"]


def test_github_format_annotations(package: Path) -> None:
    edit(package / "ExampleCam/defects/r22_s10/20240101T000000.ecsv", "{DETECTOR: 2}", "{DETECTOR: 1}")
    result = run_cli("validate", "--format", "github", str(package))
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("::error ")]
    assert "file=" in line and ",line=" in line and "title=obscal path::" in line
    assert "DETECTOR 1 does not match" in line


def test_readme_commands_and_api_example_are_true() -> None:
    readme = (REPO / "README.md").read_text()
    assert "pytest" in readme and "obscal validate" in readme
    start = readme.index("```python\n", readme.index("## Python API")) + len("```python\n")
    code = readme[start : readme.index("```", start)]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["report"].ok
    assert namespace["calib"].getMetadata()["DETECTOR"] == 0


def test_readme_api_example_converts_and_round_trips() -> None:
    readme = (REPO / "README.md").read_text()
    start = readme.index("```python\n", readme.index("## Python API")) + len("```python\n")
    namespace: dict = {}
    exec(compile(readme[start : readme.index("```", start)], "README.md", "exec"), namespace)
    assert namespace["again"].toText("ecsv") == namespace["calib"].toText("ecsv")
    assert namespace["result"].ok and len(namespace["result"].written) == 6


def _keywords(block: str) -> list[str]:
    out = []
    for line in block.splitlines():
        if line.startswith("HIERARCH "):
            out.append(line[9:].split(" = ")[0])
        elif line and not line.startswith(("CONTINUE", "---", "HISTORY", "END")):  # history length varies
            out.append(line[:8].strip())
    return out


def test_readme_fits_header_is_what_convert_writes(tmp_path: Path) -> None:
    """The README's header example has the keywords, in the order, that a conversion writes today."""
    import shutil

    import git
    from astropy.io import fits

    from obscal.ops.convert import convert

    readme = (REPO / "README.md").read_text()
    marker = readme.index("<!-- fits-header: ")
    source = readme[marker:].split(" ", 2)[2].split(" -->")[0]
    start = readme.index("```text\n", marker) + len("```text\n")
    block = readme[start : readme.index("```", start)]
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    me = git.Actor("t", "t@example.org")
    repo.index.commit("data", author=me, committer=me)
    assert convert([root / Path(source).parent], tmp_path / "out").ok
    fits_file = tmp_path / "out" / Path(source).relative_to("obs_data").with_suffix(".fits")
    with fits.open(fits_file) as hdul:
        text = "\n".join(h.header.tostring(sep="\n").rstrip() for h in hdul[:2])
    assert _keywords(block) == _keywords(text)
    assert "HISTORY Edit records (1)" in block and "HISTORY Edit records (1)" in text
