"""`componentize new -o` never replaces what is not a regular file.

Output goes through a temp file and a rename, which would turn `/dev/null`
(as root, in Docker and CI) or a symlink into a regular file; devices and
FIFOs are written through, symlinks have their target written.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from componentize.cli import main
from componentize.errors import InputError
from componentize.files import write_atomic

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello.wasm"


def _new(output: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(["new", str(HELLO), "-o", output])
    code = done.value.code
    return code if isinstance(code, int) else 1


def test_dev_null_stays_a_device() -> None:
    assert _new("/dev/null") == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_stays_and_its_target_is_written(tmp_path: Path) -> None:
    target = tmp_path / "real.wasm"
    target.write_bytes(b"old")
    link = tmp_path / "link.wasm"
    link.symlink_to(target)
    assert _new(str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes()[:4] == b"\0asm"


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"\0asm data")
    reader.join(timeout=10)
    assert got == [b"\0asm data"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "out.wasm"
    out.write_bytes(b"old")
    out.chmod(0o600)
    assert _new(str(out)) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_bytes()[:4] == b"\0asm"


def test_a_directory_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _new(str(tmp_path)) == 2
    assert "is a directory" in capsys.readouterr().err
    with pytest.raises(InputError, match="is a directory"):
        write_atomic(tmp_path, b"x")
    assert list(tmp_path.iterdir()) == []
