"""Safe unpacking of untrusted submissions, and finding the student's files.

Only regular files are extracted, at relative paths that stay inside the
destination: absolute paths, '..', links, devices and FIFOs are skipped and
reported, and limits on total size and file count stop archive bombs.
"""
from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 2000


class Rejected(Exception):
    """The submission cannot be unpacked (too big, not an archive...)."""


def _safe_name(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


def _write(dest: Path, name: PurePosixPath, data: bytes) -> None:
    target = dest.joinpath(*name.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _from_tar(archive: Path, dest: Path, notes: list[str]) -> None:
    total = count = 0
    with tarfile.open(archive) as tar:
        for member in tar:
            name = _safe_name(member.name)
            if not member.isfile() or name is None:
                if not member.isdir():
                    notes.append(f"skipped {member.name!r}: not a plain file inside the archive")
                continue
            count += 1
            total += member.size
            if count > MAX_FILES or total > MAX_BYTES:
                raise Rejected(f"more than {MAX_FILES} files or {MAX_BYTES >> 20} MiB")
            _write(dest, name, tar.extractfile(member).read())


def _from_zip(archive: Path, dest: Path, notes: list[str]) -> None:
    total = 0
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
        if len(infos) > MAX_FILES:
            raise Rejected(f"more than {MAX_FILES} files")
        for info in infos:
            mode = info.external_attr >> 16
            name = _safe_name(info.filename)
            if info.is_dir():
                continue
            if name is None or (mode and not stat.S_ISREG(mode)):
                notes.append(f"skipped {info.filename!r}: not a plain file inside the archive")
                continue
            total += info.file_size
            if total > MAX_BYTES:
                raise Rejected(f"more than {MAX_BYTES >> 20} MiB")
            with z.open(info) as f:
                data = f.read(MAX_BYTES + 1)
            if len(data) > info.file_size:
                raise Rejected("a file is larger than the archive says")
            _write(dest, name, data)


def _from_dir(src: Path, dest: Path, notes: list[str]) -> None:
    total = count = 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            notes.append(f"skipped {str(rel)!r}: not a plain file")
        elif path.is_file():
            count += 1
            total += path.stat().st_size
            if count > MAX_FILES or total > MAX_BYTES:
                raise Rejected(f"more than {MAX_FILES} files or {MAX_BYTES >> 20} MiB")
            _write(dest, PurePosixPath(*rel.parts), path.read_bytes())


def unpack(submission: Path, dest: Path) -> list[str]:
    """Unpacks a .tar.gz/.tgz/.tar, a .zip or a directory into dest.
    Returns notes about what was skipped; raises Rejected."""
    notes: list[str] = []
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    name = submission.name
    try:
        if submission.is_dir():
            _from_dir(submission, dest, notes)
        elif name.endswith(".zip"):
            _from_zip(submission, dest, notes)
        elif name.endswith((".tar.gz", ".tgz", ".tar")):
            _from_tar(submission, dest, notes)
        else:
            raise Rejected(f"{name}: not a .tar.gz, .zip or directory")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
        raise Rejected(f"{name}: cannot unpack: {e}") from e
    return notes


def find_student_files(root: Path, names: list[str]) -> dict[str, Path]:
    """The student's files: from the directory that holds most of them
    (src/ of a `make submit` tarball, or wherever they are)."""
    by_dir: dict[Path, dict[str, Path]] = {}
    for path in root.rglob("*"):
        if path.is_file() and path.name in names:
            by_dir.setdefault(path.parent, {})[path.name] = path
    if not by_dir:
        return {}
    return max(by_dir.values(), key=len)


def find_makefile(root: Path) -> Path | None:
    """A Makefile at most two levels down, for a submission in its own layout."""
    for depth in range(3):
        for path in sorted(root.glob("/".join(["*"] * depth + ["Makefile"]))):
            return path
    return None
