"""Apache Jena's SHACL engine as a reference for the tests: set up once, then run in one JVM.

``set_up`` runs ``../shared/reference-engines/jena-setup.sh`` (Debian's libapache-jena-java, installed
when we are root and it is missing) and compiles ``tests/validation/ShaclBatch.java`` against the
classpath the script prepares. ``JenaShacl.validate`` then validates any number of data files with one
JVM start (``shacl validate`` would cost about 4 s per file). Each step that cannot be done raises
``JenaUnavailable`` with the reason, for the caller to skip on.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import rdflib

from repo_paths import SHARED, TESTS

SETUP_SCRIPT = SHARED / "reference-engines" / "jena-setup.sh"
BATCH_SOURCE = TESTS / "validation" / "ShaclBatch.java"


class JenaUnavailable(Exception):
    """Jena cannot be set up here; the message says why."""


@dataclass(frozen=True)
class JenaShacl:
    """Jena 4.5 set up by jena-setup.sh in ``home``, with ShaclBatch compiled into ``classes``."""

    home: Path
    classes: Path

    @property
    def classpath(self) -> str:
        # The classpath the setup script's wrappers (home/bin/shacl) use, with ours in front.
        return f"{self.classes}:{self.home}/xfix:{self.home}/cp/*"

    def validate(self, shapes: Sequence[Path], data: Sequence[Path], reports: Path) -> list[rdflib.Graph]:
        """Validate each of ``data`` against all ``shapes`` (merged), in one JVM.

        Returns:
            The sh:ValidationReport graph of each data file, in the order of ``data``.
        """
        reports.mkdir(parents=True, exist_ok=True)
        outs = [reports / f"{index:04d}.nt" for index in range(len(data))]
        jobs = reports / "jobs.tsv"
        jobs.write_text("".join(f"{path.resolve()}\t{out}\n" for path, out in zip(data, outs, strict=True)), "utf-8")
        run = subprocess.run(
            # a short-lived JVM: the quick JIT tier and the serial collector halve its time (8.5 s -> 3.3 s)
            ["java", "-Xmx2g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", self.classpath, "ShaclBatch",
             str(jobs), *(str(p) for p in shapes)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        errors = [f"{path}: {out.with_name(out.name + '.error').read_text('utf-8')}"
                  for path, out in zip(data, outs) if out.with_name(out.name + ".error").exists()]
        if run.returncode != 0 or errors:
            raise AssertionError(f"Jena's ShaclBatch failed (exit {run.returncode}):\n" + "\n".join(errors)
                                 + "\n" + run.stderr[-4000:])
        return [rdflib.Graph().parse(out, format="nt") for out in outs]


def set_up(where: Path) -> JenaShacl:
    """Jena in ``where`` (jena-setup.sh's DIR) with ShaclBatch compiled; JenaUnavailable if it cannot be."""
    if not SETUP_SCRIPT.is_file():
        raise JenaUnavailable(f"{SETUP_SCRIPT} not found: the Jena reference engine needs ../shared/ beside the checkout")
    setup = subprocess.run(["bash", str(SETUP_SCRIPT), str(where)], capture_output=True, text=True, timeout=900)
    if setup.returncode != 0:
        reason = setup.stderr.strip().splitlines()[-1:] or [f"exit {setup.returncode}"]
        raise JenaUnavailable(f"Apache Jena could not be set up ({SETUP_SCRIPT.name}): {reason[0]}")
    javac = shutil.which("javac")
    if javac is None:
        raise JenaUnavailable("javac not found: compiling the Jena batch validator needs a JDK "
                              "(Debian: default-jdk-headless)")
    home = where.resolve()
    classes = home / "classes"
    classes.mkdir(exist_ok=True)
    compiled = subprocess.run(
        [javac, "-nowarn", "-encoding", "UTF-8", "-d", str(classes), "-cp", f"{home}/xfix:{home}/cp/*",
         str(BATCH_SOURCE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if compiled.returncode != 0:
        raise JenaUnavailable(f"{BATCH_SOURCE.name} does not compile against Debian's Jena: {compiled.stderr[-2000:]}")
    return JenaShacl(home, classes)
