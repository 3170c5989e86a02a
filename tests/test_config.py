"""Configuration: discovery, validation, and precedence (CLI > LABELCHECK_* > config file > defaults)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci_support import ROOT, TINY, ci_env, run  # noqa: F401 (ci_env: autouse fixture)
from conftest import run_cli

from labelcheck.cli.config import Settings, discover_config, find_config, load_config, merge
from labelcheck.core.errors import ConfigError
from labelcheck.core.findings import Severity

TINY_PATH = str(ROOT / TINY)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root (it holds .git) as the working directory."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def pyproject(folder: Path, table: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\n\n[tool.labelcheck]\n{table}', encoding="utf-8")
    return path


def scan_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = run("scan", TINY_PATH, "--format", "json", *args, env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


# Discovery


def test_nearest_pyproject_with_a_labelcheck_table(repo: Path, monkeypatch):
    found = pyproject(repo, "num-classes = 3\n")
    (repo / "data").mkdir()
    (repo / "data" / "pyproject.toml").write_text('[project]\nname = "data"\n', encoding="utf-8")  # no table: skipped
    monkeypatch.chdir(repo / "data")
    assert find_config(Path.cwd()) == found
    assert discover_config(Path.cwd()) == Settings(num_classes=3)
    nearer = pyproject(repo / "data" / "sub", "num-classes = 4\n")
    assert find_config(repo / "data" / "sub") == nearer


def test_search_stops_at_the_repository_root(repo: Path):
    pyproject(repo.parent, "num-classes = 3\n")  # above the repository: not ours
    assert find_config(repo) is None
    assert scan_json()[1]["contract"]["preset"] == "mlperf-retinanet"


def test_git_file_marks_a_worktree_root(repo: Path):
    (repo / ".git").rmdir()
    (repo / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")
    pyproject(repo.parent, "num-classes = 3\n")
    assert find_config(repo) is None


def test_discovered_config_applies_to_scan(repo: Path):
    pyproject(repo, 'num-classes = 3\nfail-on = "warning"\nselect = ["bbox-outside-image"]\n')
    code, report = scan_json()
    assert report["contract"] == {"preset": None, "loader": None, "num_classes": 3, "mapping": "raw", "class_names": None}
    assert [f["rule"] for f in report["findings"]] == ["bbox-outside-image"]
    assert (code, report["summary"]["fail_on"]) == (1, "warning")


def test_config_file_with_top_level_keys_or_a_tool_table(repo: Path, tmp_path: Path):
    top = tmp_path / "labelcheck.toml"
    top.write_text('num-classes = 3\nmapping = "sorted"\n', encoding="utf-8")
    assert load_config(top) == Settings(num_classes=3, mapping="sorted")
    table = pyproject(tmp_path / "elsewhere", 'num-classes = 3\n')
    assert load_config(table) == Settings(num_classes=3)
    _, report = scan_json("--config", str(top))
    assert report["contract"]["mapping"] == "sorted"


def test_config_from_labelcheck_config_variable(repo: Path, tmp_path: Path):
    config = tmp_path / "ci.toml"
    config.write_text("num-classes = 3\n", encoding="utf-8")
    _, report = scan_json(env={"LABELCHECK_CONFIG": str(config)})
    assert report["contract"]["num_classes"] == 3


def test_classes_path_is_relative_to_the_config_file(repo: Path, monkeypatch):
    (repo / "model").mkdir()
    (repo / "model" / "classes.txt").write_text("cat\ndog\nbird\n", encoding="utf-8")
    pyproject(repo, 'classes = "model/classes.txt"\n')
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    _, report = scan_json()
    assert report["contract"]["class_names"] == ["cat", "dog", "bird"]


def test_every_key(tmp_path: Path):
    config = tmp_path / "labelcheck.toml"
    config.write_text(
        'num-classes = 3\nmapping = "sorted"\nselect = ["unused-category"]\nignore = ["empty-image"]\n'
        'fail-on = "info"\nformat = "sarif"\nmax-examples = 7\n[severity]\nunused-category = "warning"\n',
        encoding="utf-8",
    )
    assert load_config(config) == Settings(
        num_classes=3, mapping="sorted", select=frozenset({"unused-category"}), ignore=frozenset({"empty-image"}),
        severity={"unused-category": Severity.WARNING}, fail_on="info", format="sarif", max_examples=7,
    )


# Precedence


@pytest.mark.parametrize(
    ("config", "env", "args", "expected"),
    [
        (None, None, [], "error"),  # default
        ("info", None, [], "info"),  # config over default
        ("info", "warning", [], "warning"),  # environment over config
        ("info", "warning", ["--fail-on", "never"], "never"),  # command line over environment
        ("info", None, ["--fail-on", "error"], "error"),  # an explicit default value still beats the config
    ],
)
def test_precedence(repo: Path, config, env, args, expected):
    if config:
        pyproject(repo, f'num-classes = 3\nfail-on = "{config}"\n')
    environment = {"LABELCHECK_FAIL_ON": env} if env else None
    _, report = scan_json(*args, env=environment)
    assert report["summary"]["fail_on"] == expected


def test_precedence_of_each_setting(repo: Path):
    pyproject(repo, 'num-classes = 3\nmax-examples = 1\nformat = "junit"\nselect = ["unused-category"]\n')
    result = run("scan", TINY_PATH)
    assert result.stdout.startswith('<?xml version="1.0"')  # format from the config
    result = run("scan", TINY_PATH, env={"LABELCHECK_FORMAT": "json", "LABELCHECK_NUM_CLASSES": "4",
                                         "LABELCHECK_SELECT": "category-out-of-range"})
    report = json.loads(result.stdout)
    assert report["contract"]["num_classes"] == 4
    assert {f["rule"] for f in report["findings"]} == {"category-out-of-range"}
    result = run("scan", TINY_PATH, "--num-classes", "5", "--select", "undefined-category",
                 env={"LABELCHECK_FORMAT": "json", "LABELCHECK_NUM_CLASSES": "4"})
    report = json.loads(result.stdout)
    assert report["contract"]["num_classes"] == 5
    assert {f["rule"] for f in report["findings"]} == {"undefined-category"}


def test_config_format_beats_the_github_actions_default(repo: Path):
    pyproject(repo, 'num-classes = 3\nformat = "json"\n')
    result = run("scan", TINY_PATH, env={"GITHUB_ACTIONS": "true"})
    assert json.loads(result.stdout)["contract"]["num_classes"] == 3


def test_severity_override_changes_the_verdict(repo: Path):
    pyproject(repo, 'num-classes = 3\nselect = ["unused-category"]\n')
    assert scan_json()[0] == 0
    pyproject(repo, 'num-classes = 3\nselect = ["unused-category"]\n'
                    '[tool.labelcheck.severity]\nunused-category = "error"\n')
    code, report = scan_json()
    assert code == 1
    assert report["findings"][0]["severity"] == "error"


def test_bad_environment_value_exits_2(repo: Path):
    result = run("scan", TINY_PATH, env={"LABELCHECK_FAIL_ON": "sometimes"})
    assert result.exit_code == 2
    assert "'sometimes' is not one of" in result.stderr


# The contract keys merge as a unit


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        # A config that sets num-classes replaces the default preset, as --num-classes does.
        ("num-classes = 3", [], (None, 3, "raw")),
        # A command-line preset replaces the config's contract rather than contradicting it.
        ('num-classes = 3\nmapping = "sorted"', ["--preset", "mlperf-retinanet"], ("mlperf-retinanet", 264, "raw")),
        # Command-line contract options drop a configured preset ...
        ('preset = "mlperf-retinanet"', ["--num-classes", "3"], (None, 3, "raw")),
        # ... and override the configured contract key by key.
        ('num-classes = 3\nmapping = "sorted"', ["--num-classes", "4"], (None, 4, "sorted")),
    ],
)
def test_contract_layers(repo: Path, config, args, expected):
    pyproject(repo, config + "\n")
    contract = scan_json(*args)[1]["contract"]
    assert (contract["preset"], contract["num_classes"], contract["mapping"]) == expected


def test_preset_and_options_in_one_layer_must_agree(repo: Path):
    pyproject(repo, 'preset = "mlperf-retinanet"\nnum-classes = 91\n')
    result = run("scan", TINY_PATH)
    assert result.exit_code == 2
    assert "preset mlperf-retinanet contradicts --num-classes 91" in result.stderr


def test_merge_unit():
    default = Settings(fail_on="error", max_examples=3)
    config = Settings(preset="mlperf-retinanet", severity={"unused-category": Severity.WARNING}, max_examples=5)
    env = Settings(mapping="sorted", severity={"empty-image": Severity.ERROR})
    cli = Settings(num_classes=3)
    assert merge(default, config, env, cli) == Settings(
        num_classes=3, mapping="sorted", fail_on="error", max_examples=5,
        severity={"unused-category": Severity.WARNING, "empty-image": Severity.ERROR},
    )


# Errors: exit 2, one line naming the file and the key


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("num_classes = 3", "[tool.labelcheck] unknown key 'num_classes'; did you mean 'num-classes'?"),
        ("colour = true", "[tool.labelcheck] unknown key 'colour'; known keys: preset, loader, num-classes"),
        ("num-classes = 0", "[tool.labelcheck] num-classes: 0 is not a whole number >= 1"),
        ('num-classes = "80"', "[tool.labelcheck] num-classes: '80' is not a whole number >= 1"),
        ("max-examples = true", "[tool.labelcheck] max-examples: True is not a whole number >= 0"),
        ('fail-on = "sometimes"', "[tool.labelcheck] fail-on: 'sometimes' is not one of error, warning, info, never"),
        ('format = "xml"', "[tool.labelcheck] format: 'xml' is not one of table, json, github, sarif, junit"),
        ('preset = "yolo"', "[tool.labelcheck] preset: 'yolo' is not one of detectron2-coco, mlperf-retinanet, mmdet-coco"),
        ('mapping = "ids"', "[tool.labelcheck] mapping: 'ids' is not one of raw, sorted, file-order, file-position, coco91to80, class-list"),
        ('select = "unused-category"', "[tool.labelcheck] select: 'unused-category' is not a list of rule names"),
        ('ignore = ["no-such-rule"]', "[tool.labelcheck] ignore: unknown rule 'no-such-rule'"),
        ("[tool.labelcheck.severity]\nno-such-rule = 'info'", "severity: unknown rule 'no-such-rule'"),
        ("[tool.labelcheck.severity]\nempty-image = 'fatal'", "severity: empty-image = 'fatal' is not a severity"),
        ("severity = 'error'", "severity: 'error' is not a table of rule"),
        ("num-classes = ", "not valid TOML"),
    ],
)
def test_config_errors_exit_2_naming_file_and_key(repo: Path, table, message):
    path = pyproject(repo, table + "\n")
    result = run("scan", TINY_PATH)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"labelcheck: error: {path}: ")
    assert message in result.stderr
    with pytest.raises(ConfigError):
        load_config(path)


def test_missing_config_file(repo: Path):
    result = run("scan", TINY_PATH, "--config", "nope.toml")
    assert result.exit_code == 2
    assert result.stderr == "labelcheck: error: nope.toml: configuration file not found; check --config\n"


def test_pyproject_without_a_labelcheck_table_as_config(repo: Path):
    (repo / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n', encoding="utf-8")
    result = run("scan", TINY_PATH, "--config", "pyproject.toml")
    assert result.exit_code == 2
    assert result.stderr == "labelcheck: error: pyproject.toml: no [tool.labelcheck] table; put the settings there\n"


def test_clean_and_remap_read_the_config_file(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.labelcheck]\nnum-classes = 2\n")
    document = {
        "categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}, {"id": 5, "name": "c"}],
        "images": [{"id": 1, "file_name": "x.jpg"}],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": c, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}
            for i, c in ((1, 0), (2, 1), (3, 5))
        ],
    }
    (tmp_path / "d.json").write_text(json.dumps(document))
    monkeypatch.chdir(tmp_path)
    assert run_cli("clean", "d.json", "-o", "c.json").exit_code == 0
    assert [a["id"] for a in json.loads((tmp_path / "c.json").read_text())["annotations"]] == [1, 2]
    monkeypatch.setenv("LABELCHECK_PRESET", "mlperf-retinanet")
    assert run_cli("clean", "d.json", "-o", "c2.json", "--num-classes", "2").exit_code == 0


def test_image_settings_from_the_configuration(tmp_path, monkeypatch):
    from labelcheck.images.results import Depth

    config = tmp_path / "labelcheck.toml"
    config.write_text('images = ["train/data", "s3://bucket/val"]\nimage-check = "decode"\nimage-cache = "c.db"\n'
                      'executor = "local:2"\n')
    options = load_config(config).image_options()
    assert options.roots == (str(tmp_path / "train/data"), "s3://bucket/val")  # local folders relative to the file
    assert (options.depth, options.cache, options.executor) == (Depth.DECODE, str(tmp_path / "c.db"), "local:2")
    assert Settings(images=("x",)).image_options("host:8786").executor == "dask://host:8786"
    config.write_text('image-check = "deep"\n')
    with pytest.raises(ConfigError, match="image-check"):
        load_config(config)
