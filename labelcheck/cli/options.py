"""The options the commands share, in bundles, and how their values are layered over the
configuration file and the LABELCHECK_* variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click
from click.core import ParameterSource

from ..core.contract import Mapping
from ..core.errors import LabelcheckError, cli_spelling
from ..images.results import Depth
from ..loaders import LOADERS, PRESETS
from .config import Settings, discover_config, load_config, merge

if TYPE_CHECKING:
    from ..images.check import ImageOptions
    from .progressbar import ProgressBar

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar (it is shown only on a terminal anyway).")


class ByteSize(click.ParamType):
    """A size in bytes: 1000, 512K, 8G (powers of 1024)."""

    name = "size"
    _UNITS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        number, unit = (text[:-1], text[-1]) if text[-1:] in self._UNITS else (text, "")
        if not number.isdigit() or len(number) > 15 or int(number) < 1:
            self.fail(f"{value!r} is not a size: give bytes, or a number with K, M, G or T (8G)", param, ctx)
        return int(number) << self._UNITS[unit]


def bundle(*options: Callable) -> Callable[[Callable], Callable]:
    """Options that travel together, applied in the order listed."""

    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


class EnvOption(click.Option):
    """An option also read from a LABELCHECK_* variable: a bad value names the variable only
    when it came from there."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        if ctx is not None and ctx.get_parameter_source(self.name or "") == ParameterSource.ENVIRONMENT:
            return super().get_error_hint(ctx)
        return click.Parameter.get_error_hint(self, ctx)


def env(name: str) -> dict[str, Any]:
    """An option also read from LABELCHECK_<NAME> (the command line wins; it wins over the config file)."""
    return {"envvar": f"LABELCHECK_{name}", "show_envvar": True, "cls": EnvOption}


class MappingChoice(click.Choice):
    """The mappings; the renamed ``names`` gets the message that says what to use instead."""

    def __init__(self) -> None:
        super().__init__([mapping.value for mapping in Mapping])

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            with cli_spelling():  # parsing comes before the command's own spelling of messages
                Mapping(value)
        except LabelcheckError as exc:
            self.fail(str(exc), param, ctx)
        return super().convert(value, param, ctx)


# The model contract, shared by every command that checks labels.
contract_options = bundle(
    click.option(
        "--preset",
        type=click.Choice(sorted(PRESETS)),
        help="A named contract: a loader plus a head (labelcheck loaders lists them). Default when no contract "
        "option is given: mlperf-retinanet (264 classes, raw mapping, the MLPerf class names).",
        **env("PRESET"),
    ),
    click.option(
        "--loader",
        type=click.Choice(list(LOADERS)),
        help="The framework that will load the file: its mapping, drops, crashes and required fields "
        "(labelcheck loaders lists them). With --num-classes or --classes (else its default head).",
        **env("LOADER"),
    ),
    click.option("--num-classes", type=click.IntRange(min=1), help="Columns of the classification head.",
                 **env("NUM_CLASSES")),
    click.option(
        "--mapping",
        type=MappingChoice(),
        help="How a category id becomes a column, for a contract no --loader describes: raw (index = id; MLPerf, "
        "torchvision, DETR), sorted (rank among the declared ids; detectron2, YOLOX), file-order (rank in the "
        "file's categories order among the --classes names; MMDetection 3.x), file-position (1 + position in "
        "categories; DALI), coco91to80 (Ultralytics convert_coco), class-list (position of the name in --classes).",
        **env("MAPPING"),
    ),
    click.option(
        "--classes",
        type=click.Path(dir_okay=False),
        help="The model's class names, one per line; line N is column N-1.",
        **env("CLASSES"),
    ),
)

# What a CI gate needs besides the contract: where settings come from and which findings are already known.
config_options = bundle(
    click.option(
        "--config", "config_file", type=click.Path(dir_okay=False),
        help="A TOML file of settings (top level or [tool.labelcheck]). Default: [tool.labelcheck] in the "
        "nearest pyproject.toml, up to the repository root.",
        **env("CONFIG"),
    ),
)
# Checking the image files, shared by scan and clean.
image_options = bundle(
    click.option(
        "--images", multiple=True, metavar="ROOT",
        help="Check the image files too: the folder (or fsspec URL: s3://, gs://, ...) each file_name is relative "
        "to. Once for every file, or once per file in the files' order.", **env("IMAGES"),
    ),
    click.option(
        "--image-check", type=click.Choice([depth.label for depth in Depth]),
        help="How far each image is opened: exists (stat), header (size, format, EXIF orientation; the default), "
        "decode (every pixel, and a content hash for duplicates).", **env("IMAGE_CHECK"),
    ),
    click.option("--image-cache", type=click.Path(dir_okay=False),
                 help="Remember each image's result in FILE (by path, size, mtime): a re-run opens only what "
                 "changed.", **env("IMAGE_CACHE")),
    click.option(
        "--executor", metavar="SPEC",
        help="Where the image checks run: local (this machine, the default), local:N (N workers), "
        "dask://HOST:PORT (a Dask cluster; also LABELCHECK_DASK_SCHEDULER=HOST:PORT).", **env("EXECUTOR"),
    ),
)
baseline_options = bundle(
    click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
                 help="Report and fail only on findings not recorded in this baseline file."),
    click.option("--write-baseline", type=click.Path(dir_okay=False),
                 help="Record this scan's findings in FILE (atomically) as the baseline, and exit 0."),
)

# Scan options that configuration may set: parameter name -> Settings field.
CONFIGURABLE = {
    "preset": "preset", "loader": "loader", "num_classes": "num_classes", "mapping": "mapping", "classes": "classes",
    "select": "select", "ignore": "ignore", "fail_on": "fail_on", "format_name": "format",
    "max_examples": "max_examples", "images": "images", "image_check": "image_check", "image_cache": "image_cache",
    "executor": "executor",
}


def rule_names(values: tuple[str, ...] | None) -> tuple[str, ...]:
    """Rule names given repeated, as comma lists, or both (--select a,b --select c)."""
    parts = (part.strip() for value in values or () for part in value.split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def _rule_list(values: tuple[str, ...] | None) -> frozenset[str] | None:
    return frozenset(rule_names(values)) if values else None


def layered_settings(ctx: click.Context, config_file: str | None) -> Settings:
    """Defaults, then the configuration file, then LABELCHECK_* variables, then the command line."""
    layers: dict[ParameterSource, dict[str, Any]] = {
        ParameterSource.DEFAULT: {}, ParameterSource.ENVIRONMENT: {}, ParameterSource.COMMANDLINE: {}
    }
    for param, name in CONFIGURABLE.items():
        if param not in ctx.params:  # clean and remap take only the contract options
            continue
        source = ctx.get_parameter_source(param)
        layers[source if source in layers else ParameterSource.DEFAULT][name] = ctx.params[param]
    config = load_config(config_file) if config_file else discover_config(Path.cwd())
    default, environment, command_line = (_option_settings(values) for values in layers.values())
    return merge(default, config, environment, command_line)


def _option_settings(values: dict[str, Any]) -> Settings:
    lists = {key: _rule_list(values[key]) for key in ("select", "ignore") if key in values}
    roots = {"images": tuple(values["images"]) or None} if "images" in values else {}
    return Settings(**{**values, **lists, **roots})


def image_checks(settings: Settings) -> "ImageOptions | None":
    return settings.image_options(os.environ.get("LABELCHECK_DASK_SCHEDULER"))


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "table"


def progress_bar(quiet: bool) -> "ProgressBar | None":
    """The progress bar for long work: on a terminal, unless --quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    from .progressbar import (
        ProgressBar,  # here: rich's progress display is imported only for a terminal
    )

    return ProgressBar()


# Where a rewriting command writes, and what it may overwrite.
output_options = bundle(
    click.option("--force", is_flag=True, help="Overwrite an existing output (or backup)."),
    click.option("--in-place", is_flag=True, help="Allow the output to be the input; keeps IN.bak."),
    click.option("--report", "report_path", type=click.Path(dir_okay=False),
                 help="Write a JSON audit of every change to FILE (an existing report is replaced)."),
    QUIET,
)
