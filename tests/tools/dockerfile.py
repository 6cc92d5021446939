"""Reads the services' Dockerfiles and lays out the files an image would hold,
without Docker: each stage's COPY instructions are carried out on a folder,
so a test can start the service's processes on exactly the files the image
gets and see that nothing they read at start is missing.

Only what these Dockerfiles use is understood: FROM ... AS, WORKDIR, COPY
(from the build context or ``--from`` an earlier stage; directories, files,
globs), ENV, USER, CMD and the editable installs (``pip install -e PATH``) of
RUN, whose ``python -m venv DIR`` leaves an empty DIR, and the build scripts
of BUILT_BY_MAKE_VENV, whose output is laid out as ``make venv`` built it in
the repository. Nothing else RUN does is carried out: the tests run the
processes with the repository's virtualenv and the image's source folders
first on ``PYTHONPATH``, which is what an editable install amounts to.
"""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# What .dockerignore keeps out of the build context, and what no image needs.
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", ".mypy_cache", ".pytest_cache", "node_modules"
)
# A RUN of one of these scripts (a path from the build context) writes the
# folder beside it; make venv runs the same script in the repository.
BUILT_BY_MAKE_VENV = {"services/web/assets/build": "services/web/src/web/static/dist"}


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    name: str
    base: str
    root: Path
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    cmd: list[str] | None = None
    editable: list[str] = field(default_factory=list)

    def host_path(self, container_path: str) -> Path:
        """Where a path inside this stage's filesystem lies on the host."""
        posix = PurePosixPath(self.workdir) / container_path
        return self.root.joinpath(*posix.parts[1:])

    @property
    def source_paths(self) -> list[Path]:
        """The src/ folders the editable installs put on the import path."""
        return [self.host_path(p) / "src" for p in self.editable]


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions, with comments dropped and continuation lines joined."""
    result: list[Instruction] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        result.append(Instruction(keyword.upper(), args.strip()))
    return result


def _words(args: str) -> list[str]:
    if args.startswith("["):
        words = json.loads(args)
        assert isinstance(words, list)
        return [str(w) for w in words]
    return shlex.split(args)


def _env(args: str, env: dict[str, str]) -> None:
    words = shlex.split(args)
    if words and "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        env[words[0]] = " ".join(words[1:])
        return
    for word in words:
        key, _, value = word.partition("=")
        env[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), value)


def _copy_one(source: Path, target: Path, into_dir: bool) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=IGNORED)
        return
    destination = target / source.name if into_dir else target
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)


def _copy(stage: Stage, args: str, context: Path, stages: dict[str, Stage]) -> None:
    words = _words(args)
    options = {w.split("=", 1)[0]: w.partition("=")[2] for w in words if w.startswith("--")}
    paths = [w for w in words if not w.startswith("--")]
    *sources, dest = paths
    from_stage = stages.get(options["--from"]) if "--from" in options else None
    if "--from" in options and from_stage is None:
        raise ValueError(f"COPY --from={options['--from']}: only earlier stages are understood")
    matched: list[Path] = []
    for pattern in sources:
        if from_stage is not None:
            base = from_stage.host_path(pattern)
            found = [Path(p) for p in glob.glob(str(base))]
        else:
            found = [Path(p) for p in sorted(glob.glob(str(context / pattern)))]
        if not found:
            raise FileNotFoundError(f"COPY {pattern}: nothing in the build context matches")
        matched.extend(found)
    into_dir = dest.endswith("/") or len(matched) > 1
    target = stage.host_path(dest)
    for source in matched:
        _copy_one(source, target, into_dir)


def build(dockerfile: Path, context: Path, into: Path) -> Stage:
    """Lays out every stage's files under ``into``; returns the last stage."""
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for number, instruction in enumerate(instructions(dockerfile)):
        keyword, args = instruction.keyword, instruction.args
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            name = name.strip() or str(len(stages))
            stage = Stage(name=name, base=base.strip(), root=into / f"stage{number}-{name}")
            stage.root.mkdir(parents=True)
            stages[name] = stages[str(len(stages))] = stage
            continue
        if stage is None:
            raise ValueError(f"{dockerfile}: {keyword} before FROM")
        if keyword == "WORKDIR":
            stage.workdir = str(PurePosixPath(stage.workdir) / args)
            stage.host_path(".").mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            _copy(stage, args, context, stages)
        elif keyword == "ENV":
            _env(args, stage.env)
        elif keyword == "USER":
            stage.user = args
        elif keyword == "CMD":
            stage.cmd = _words(args)
        elif keyword == "RUN":
            # The virtualenv itself is the repository's; an empty folder stands in.
            for venv in re.findall(r"-m\s+venv\s+(\S+)", args):
                stage.host_path(venv).mkdir(parents=True, exist_ok=True)
            for path in re.findall(r"(?:^|\s)-e\s+'?([^\s']+)", args):
                stage.editable.append(str(PurePosixPath(stage.workdir) / path.split("[")[0]))
            for script, output in BUILT_BY_MAKE_VENV.items():
                if script in shlex.split(args):
                    built = context / output
                    if not built.is_dir():
                        raise FileNotFoundError(f"RUN {script}: {built} is not built (make venv)")
                    shutil.copytree(built, stage.host_path(output), dirs_exist_ok=True)
    if stage is None:
        raise ValueError(f"{dockerfile}: no FROM")
    # The final stage runs what the build stage installed editable.
    unique = {id(s): s for s in stages.values()}.values()
    stage.editable = list(dict.fromkeys(p for s in unique for p in s.editable))
    return stage
