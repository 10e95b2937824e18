"""The ready-made CI integrations (issue #24): the pre-commit hook, the GitHub Action, the GitLab CI job.

Each file is loaded the way its CI system loads it, and its commands are run the way that system runs
them: pre-commit's own manifest loader, file classifier and hook runner; the action's bash steps in order,
with the environment GitHub gives them; the GitLab job's script lines under ``bash -eo pipefail``. The
inputs are the bundled samples, and a copy with one wrong Y-tunnus check digit (2542088-8 -> -7, line 27
of S21093.txt), which must fail.

Tests commented ``# needs #24's CLI`` run ``esrgraph validate`` with several graphs, ``--format
github|sarif|junit``, ``--output``, ``--fail-on`` and ``--sources``, or ``esrgraph build --ci-report``.
When those options are missing they fail with a message that says so.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from esrgraph.io.formats import READ_EXTENSIONS
from repo_paths import REPO

HOOKS = REPO / ".pre-commit-hooks.yaml"
ACTION = REPO / "action.yml"
GITLAB = REPO / "docs" / "ci" / "gitlab-ci.yml"
SAMPLES = REPO / "data" / "samples"
VENV_BIN = Path(sys.executable).parent
RULE = "O03-business-id-check-digit"
NEEDS_CLI = ("needs issue #24's CLI: esrgraph validate GRAPH... --format github|sarif|junit --output --fail-on "
             "--sources, esrgraph build --ci-report")


def _env(**extra: str) -> dict[str, str]:
    """The environment of a CI step: ours without any GitHub/GitLab variables, .venv/bin first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "CI_", "ESRGRAPH_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env | extra


def _cli_ready(output: str) -> None:
    """Fail with the reason when esrgraph rejected an option of the new interface."""
    for sign in ("No such option", "Got unexpected extra argument", "Invalid value for '--format'"):
        if sign in output:
            pytest.fail(f"{NEEDS_CLI}\n{output}")


def _copy_records(to: Path, *, bad: bool) -> Path:
    """The bundled sample records in ``to``, with S21093's Y-tunnus check digit made wrong when ``bad``."""
    shutil.copytree(SAMPLES, to, ignore=shutil.ignore_patterns("*.md"))
    if bad:
        record = to / "S21093.txt"
        text = record.read_text(encoding="utf-8")
        assert text.splitlines()[26] == "Y-tunnus: 2542088-8"  # line 27, where the finding must point
        record.write_text(text.replace("Y-tunnus: 2542088-8", "Y-tunnus: 2542088-7"), encoding="utf-8")
    return to


@pytest.fixture(scope="module")
def bad_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder (esrgraph.write_outputs) of the samples with the wrong check digit."""
    import esrgraph

    base = tmp_path_factory.mktemp("bad-build")
    records = _copy_records(base / "records", bad=True)
    result = esrgraph.run_build([str(records)])
    assert result.exit_code == 1, "the wrong check digit must be a violation"
    out = base / "out"
    esrgraph.write_outputs(result, out)
    return out


# --- pre-commit --------------------------------------------------------------------------------------------------

def _manifest_hook() -> dict[str, Any]:
    from pre_commit.clientlib import load_manifest

    hooks: list[dict[str, Any]] = load_manifest(str(HOOKS))
    assert [h["id"] for h in hooks] == ["esrgraph-validate"]
    return hooks[0]


def test_pre_commit_manifest_loads_with_pre_commits_loader_and_takes_the_rdf_files_validate_reads() -> None:
    hook = _manifest_hook()
    assert shlex.split(hook["entry"]) == ["esrgraph", "validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is True and hook["require_serial"] is True
    assert hook["description"]
    # language: python pip-installs the repository at `rev`: it must be a package with the esrgraph command
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["esrgraph"] == "esrgraph.cli:main"

    files = re.compile(hook["files"])
    for extension in READ_EXTENSIONS:
        for name in (f"graphs/data{extension}", f"out/ESRGRAPH{extension.upper()}"):
            # .xml: too many files that are not RDF end so (pom.xml, test reports); users add it themselves
            assert bool(files.search(name)) is (extension != ".xml"), name
    for name in ("out/esrgraph.ttl", "out/esrgraph.nt", "out/release/context.jsonld", "shapes/x.shapes.ttl"):
        assert files.search(name), name
    for name in ("README.md", "data/samples/S21093.txt", "pom.xml", "out/release/esrgraph.nt.gz", "out/release/esrgraph.jsonld.gz",
                 "out/validation-report.json", "notes.ttl.bak", "docs/ttl", "action.yml"):
        assert not files.search(name), name


def _hook_repository(root: Path, out: Path) -> Path:
    """A repository that commits its built graph: the graph in three formats (JSON-LD, unpacked, with its context file),
    and files that are not RDF."""
    (root / "graphs").mkdir(parents=True)
    shutil.copy(out / "esrgraph.ttl", root / "graphs" / "esrgraph.ttl")
    shutil.copy(out / "esrgraph.nt", root / "graphs" / "esrgraph.nt")
    (root / "graphs" / "esrgraph.jsonld").write_bytes(gzip.decompress((out / "release" / "esrgraph.jsonld.gz").read_bytes()))
    shutil.copy(out / "release" / "context.jsonld", root / "graphs" / "context.jsonld")
    shutil.copy(out / "release" / "esrgraph.nt.gz", root / "graphs" / "esrgraph.nt.gz")
    (root / "README.md").write_text("# data\n", encoding="utf-8")
    (root / "pom.xml").write_text("<project/>\n", encoding="utf-8")
    return root


def _run_hook(repository: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int, str]:
    """Run the hook as `pre-commit run --all-files` does: pre-commit's classifier picks the files, its
    runner splits the entry and appends args and file names (pre_commit.lang_base.basic_run_hook)."""
    from pre_commit.commands.run import Classifier
    from pre_commit.hook import Hook
    from pre_commit.lang_base import basic_run_hook
    from pre_commit.prefix import Prefix

    monkeypatch.chdir(repository)
    monkeypatch.setenv("PATH", _env()["PATH"])
    hook = Hook.create(str(HOOKS), Prefix(str(REPO)), _manifest_hook())
    names = sorted(p.relative_to(repository).as_posix() for p in repository.rglob("*") if p.is_file())
    chosen = list(Classifier.from_config(names, "", "^$").filenames_for_hook(hook))
    code, output = basic_run_hook(hook.prefix, hook.entry, hook.args, chosen, is_local=False,
                                  require_serial=hook.require_serial, color=False)
    return chosen, code, output.decode("utf-8", "replace")


# needs #24's CLI (several GRAPH arguments)
def test_pre_commit_hook_passes_a_good_graph_and_fails_a_wrong_check_digit(
        sample_out: Path, bad_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graphs = ["graphs/esrgraph.jsonld", "graphs/esrgraph.nt", "graphs/esrgraph.ttl"]
    rdf_files = sorted([*graphs, "graphs/context.jsonld"])

    chosen, code, output = _run_hook(_hook_repository(tmp_path / "good", sample_out), monkeypatch)
    assert sorted(chosen) == rdf_files
    _cli_ready(output)
    assert code == 0, output

    chosen, code, output = _run_hook(_hook_repository(tmp_path / "bad", bad_out), monkeypatch)
    assert sorted(chosen) == rdf_files
    _cli_ready(output)
    assert code == 1, output
    assert RULE in output
    for name in graphs:  # every graph with the finding is reported, not only the first
        assert name in output, name

    broken = tmp_path / "broken"
    (broken / "graphs").mkdir(parents=True)
    (broken / "graphs" / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    _chosen, code, output = _run_hook(broken, monkeypatch)
    assert code == 2 and "graphs/broken.ttl" in output, output


# --- GitHub Action -------------------------------------------------------------------------------------------------

def _action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return action


def test_action_is_composite_and_takes_its_inputs_only_through_env() -> None:
    action = _action()
    text = ACTION.read_text(encoding="utf-8")
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    assert {"graph", "inputs", "fail-on", "shapes", "python-version", "esrgraph-version", "sarif"} <= declared
    assert action["inputs"]["fail-on"]["default"] == "violation"
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert used <= declared, used - declared
    assert declared <= used, f"declared but never used: {declared - used}"
    assert {"exit-code", "sarif-file"} <= set(action["outputs"])

    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
            # script injection: an input's value must never become part of the script's text
            assert "${{" not in step["run"], step["name"]
            for value in step.get("env", {}).values():
                assert re.fullmatch(r"\$\{\{ [a-z0-9_.-]+ \}\}", value), value
        else:
            assert "if" in step or "uses" in step
    setup = [s["uses"] for s in steps if "uses" in s]
    assert len(setup) == 1 and setup[0].startswith("actions/setup-python@")
    # pinned by a full commit SHA, the tag it stands for in a comment
    assert re.search(r"uses: actions/setup-python@[0-9a-f]{40} # v\d+\.\d+\.\d+$", text, re.M)
    assert any("--format github" in s.get("run", "") for s in steps)


@dataclass
class ActionRun:
    exit_code: int
    stdout: str
    summary: str
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::error")]


def _expression(expr: str, inputs: Mapping[str, str], steps: Mapping[str, Mapping[str, str]]) -> str:
    """The few expressions the action may use, evaluated as GitHub would; anything else is a test failure."""
    if m := re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr):
        return inputs[m[1]]
    if m := re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr):
        return steps.get(m[1], {}).get(m[2], "")
    if expr == "github.action_path":
        return str(REPO)
    raise AssertionError(f"the test does not know the expression ${{{{ {expr} }}}}: teach _expression")


def _substitute(value: str, inputs: Mapping[str, str], steps: Mapping[str, Mapping[str, str]]) -> str:
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: _expression(m[1], inputs, steps), value)


def _read_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        assert sep and "<<" not in name, f"unexpected GITHUB_OUTPUT line {line!r}"
        outputs[name] = value
    return outputs


def _run_action(workspace: Path, tmp: Path, given: Mapping[str, str]) -> ActionRun:
    """Run the action's bash steps in order, as the runner does (``bash --noprofile --norc -eo pipefail``,
    the step's env, a GITHUB_OUTPUT file per step), skipping only setting up Python and installing esrgraph
    (it is installed in .venv, first on PATH). A step that exits non-zero ends the action, as on GitHub."""
    action = _action()
    assert set(given) <= set(action["inputs"]), set(given) - set(action["inputs"])
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | dict(given)
    summary = tmp / "step-summary.md"
    summary.touch()
    base = _env(GITHUB_STEP_SUMMARY=str(summary), GITHUB_ACTION_PATH=str(REPO), GITHUB_WORKSPACE=str(workspace),
                GITHUB_ACTIONS="true", RUNNER_TEMP=str(tmp))
    steps: dict[str, dict[str, str]] = {}
    stdout, exit_code = [], 0
    for number, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            continue  # actions/setup-python
        if "pip install" in step["run"]:
            continue  # esrgraph is installed in .venv
        assert "if" not in step, "the test runs every bash step: a condition belongs in the script"
        output_file = tmp / f"github-output-{number}"
        output_file.touch()
        script = tmp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = base | {k: _substitute(str(v), inputs, steps) for k, v in step.get("env", {}).items()}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env | {"GITHUB_OUTPUT": str(output_file)}, capture_output=True, text=True,
                              timeout=600)
        _cli_ready(proc.stdout + proc.stderr)
        stdout.append(proc.stdout)
        steps[step.get("id", f"step-{number}")] = _read_outputs(output_file)
        exit_code = proc.returncode
        if exit_code != 0:
            break
    outputs = {name: _substitute(spec["value"], inputs, steps) for name, spec in action["outputs"].items()}
    return ActionRun(exit_code, "".join(stdout), summary.read_text(encoding="utf-8"), outputs, steps)


# needs #24's CLI
def test_action_on_a_build_folder_annotates_the_wrong_check_digit_and_fails(bad_out: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(bad_out, workspace / "built", ignore=shutil.ignore_patterns("release"))
    run = _run_action(workspace, tmp_path, {"graph": "built", "sarif": "reports/esrgraph.sarif"})

    assert run.exit_code == 1, run.stdout
    assert run.outputs["exit-code"] == "1"
    assert run.errors, run.stdout
    assert all("file=" in line for line in run.errors), run.errors
    assert any(RULE in line or "2542088-7" in line for line in run.errors), run.errors
    # the quality summary `validate --out` wrote, in the job summary
    assert "esrgraph data quality: does not conform" in run.summary
    assert (workspace / "esrgraph-out" / "quality-summary.md").read_text(encoding="utf-8") in run.summary
    assert run.outputs["sarif-file"] == "reports/esrgraph.sarif"
    sarif = json.loads((workspace / "reports" / "esrgraph.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == RULE for r in sarif["runs"][0]["results"])


# needs #24's CLI
def test_action_on_good_graphs_named_by_a_wildcard_passes(sample_out: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "graphs").mkdir(parents=True)
    shutil.copy(sample_out / "esrgraph.ttl", workspace / "graphs" / "projects.ttl")
    shutil.copy(sample_out / "esrgraph.nt", workspace / "graphs" / "projects.nt")
    run = _run_action(workspace, tmp_path, {"graph": "graphs/*.ttl\n graphs/*.nt", "fail-on": "violation"})

    assert run.exit_code == 0, run.stdout
    assert run.outputs == {"exit-code": "0", "sarif-file": ""}
    assert not run.errors, run.errors
    # several graphs: each one's quality summary under its name
    assert run.summary.count("esrgraph data quality: conforms") == 2, run.summary
    assert "`graphs/projects.ttl`" in run.summary and "`graphs/projects.nt`" in run.summary
    assert (workspace / "esrgraph-out" / "2" / "quality-report.html").is_file()


# needs #24's CLI
def test_action_builds_records_and_points_the_annotation_at_the_records_line(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    _copy_records(workspace / "records", bad=True)
    run = _run_action(workspace, tmp_path, {"inputs": "records", "out": "build"})

    assert run.exit_code == 1, run.stdout
    assert run.outputs["exit-code"] == "1"
    assert any(line.startswith("::error file=records/S21093.txt,line=27") for line in run.errors), run.errors
    # the build's log ran with workflow commands stopped, and they were resumed after it
    token = re.search(r"^::stop-commands::(\w+)$", run.stdout, re.M)
    assert token and f"\n::{token[1]}::\n" in run.stdout
    # the build's own quality summary (it counts the records read) is the job summary
    assert run.summary == (workspace / "build" / "quality-summary.md").read_text(encoding="utf-8")
    assert "| 5 | 5 | 0 | 5 | 1 |" in run.summary


@pytest.mark.parametrize("given", [{}, {"graph": "a.ttl", "inputs": "records"}])
def test_action_wants_either_a_graph_or_inputs(given: dict[str, str], tmp_path: Path) -> None:
    run = _run_action(tmp_path, tmp_path, given)
    assert run.exit_code == 2
    assert run.outputs["exit-code"] == "2"
    assert len(run.errors) == 1 and "'graph'" in run.errors[0] and "'inputs'" in run.errors[0]


def test_action_inputs_cannot_inject_shell_code(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    run = _run_action(tmp_path, tmp_path, {"graph": f"$(touch {marker})* `touch {marker}`; touch {marker}",
                                           "inputs": "x"})
    assert run.exit_code == 2
    assert not marker.exists()


# --- GitLab CI -----------------------------------------------------------------------------------------------------

def _gitlab_job() -> tuple[str, dict[str, Any]]:
    config = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    jobs = {name: job for name, job in config.items() if not name.startswith(".") and "script" in job}
    assert len(jobs) == 1, list(jobs)
    [(name, job)] = jobs.items()
    return name, job


def test_gitlab_job_publishes_the_junit_file_its_script_writes() -> None:
    _name, job = _gitlab_job()
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"  # a failed job publishes its report too
    junit = artifacts["reports"]["junit"]
    script = "\n".join(job["script"])
    assert re.search(rf"esrgraph validate .*--format junit .*--output {re.escape(junit)}(\s|$)", script)
    assert any("pip install" in line for line in job["before_script"])
    assert any(p.endswith(".sarif") for p in artifacts["paths"])
    assert any(p.endswith("quality-summary.md") for p in artifacts["paths"])


def _run_gitlab_script(workspace: Path, job: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """The job's script as the runner's bash shell runs it: one shell, ``set -eo pipefail``, the job's
    variables in the environment (esrgraph comes from .venv instead of before_script's pip install)."""
    variables = {k: str(v) for k, v in job.get("variables", {}).items()}
    script = "\n".join(job["script"]) + "\n"
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workspace,
                          env=_env(CI_PROJECT_DIR=str(workspace), **variables), capture_output=True, text=True,
                          timeout=600)
    _cli_ready(proc.stdout + proc.stderr)
    return proc


# needs #24's CLI
@pytest.mark.parametrize("bad", [True, False], ids=["wrong-check-digit", "good"])
def test_gitlab_job_script_writes_a_junit_report_that_fails_on_the_wrong_check_digit(
        bad: bool, tmp_path: Path) -> None:
    _name, job = _gitlab_job()
    records = job["variables"]["ESRGRAPH_RECORDS"]
    _copy_records(tmp_path / records, bad=bad)
    proc = _run_gitlab_script(tmp_path, job)
    assert proc.returncode == (1 if bad else 0), proc.stdout + proc.stderr

    report = ET.parse(tmp_path / job["artifacts"]["reports"]["junit"]).getroot()
    assert report.tag in {"testsuites", "testsuite"}
    failures = report.findall(".//testcase/failure")
    if bad:
        assert failures, ET.tostring(report, encoding="unicode")[:2000]
        assert any(RULE in ET.tostring(f, encoding="unicode") or RULE in json.dumps(case.attrib)
                   for case in report.iter("testcase") for f in case.findall("failure"))
    else:
        assert not failures
    for path in job["artifacts"]["paths"]:
        if not path.endswith("/"):  # folders (quarantine/) exist only when something was set aside
            assert (tmp_path / path).is_file(), path
