"""``--profile DIR``: py-spy records the service during each measured scenario (collapsed stacks + summary)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    found = Path(sys.executable).with_name("py-spy")
    if found.exists():
        return str(found)
    which = shutil.which("py-spy")
    if which is None:
        raise RuntimeError("--profile needs py-spy (pip install py-spy; it is in the dev extras)")
    return which


class Recording:
    """One py-spy run attached to ``pid``; ``stop`` makes it write ``<dir>/<name>.txt`` and a summary."""

    def __init__(self, directory: Path, name: str, pid: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.stacks = directory / f"{name.replace(' ', '-')}.txt"
        self.summary = self.stacks.with_suffix(".top.txt")
        command = [py_spy(), "record", "--pid", str(pid), "--rate", "250", "--nonblocking", "--format", "raw"]
        self._process = subprocess.Popen(
            [*command, "--output", str(self.stacks)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self.stacks.exists():
            self.summary.write_text(summarise(self.stacks))


def summarise(stacks: Path, top: int = 40) -> str:
    """Where the samples are: by leaf function (self) and by any frame on the stack (inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        frames, _, count_text = line.rpartition(" ")
        if not frames or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        names = frames.split(";")
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    lines = [f"{total} samples", "", "self:"]
    lines += [f"{n / total:6.1%}  {name}" for name, n in own.most_common(top)] if total else []
    lines += ["", "inclusive:"]
    lines += [f"{n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)] if total else []
    return "\n".join(lines) + "\n"
