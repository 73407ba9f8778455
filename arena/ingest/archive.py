"""Bank folders as zip files: the admin's export, and the import of an uploaded zip.

An uploaded zip is untrusted input, checked here once before anything reaches the disk: at
most ``MAX_UPLOAD_BYTES`` compressed, ``MAX_FILES`` entries and ``MAX_UNCOMPRESSED_BYTES``
written (counted while extracting, since a zip's stated sizes can lie), only plain files and
folders (no symlinks, devices, encrypted entries), and only relative names that stay inside
the folder it is extracted to. Each top-level folder holding a problem.toml is one problem,
read by ``read_folder`` and saved by ``problem_load``; problems saved this way are unpublished
until the validating Publish action.
"""

from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from arena.ingest.bank import problem_folder_files, problem_load, read_folder
from arena.ingest.save import BANK_ORIGIN, problem_find
from arena.ingest.spec import ImportOutcome, IngestError, Status
from arena.models import Problem

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FILES = 2000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


class ArchiveError(IngestError):
    """The uploaded file is not a zip this page accepts; nothing was extracted or saved."""


def bank_zip_write(*, problems: Iterable[Problem]) -> bytes:
    """One zip with a ``<code>/`` bank folder per problem."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for problem in problems:
            for name, text in sorted(problem_folder_files(problem).items()):
                archive.writestr(f"{problem.code}/{name}", text)
    return buffer.getvalue()


def _checked_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    members = archive.infolist()
    if len(members) > MAX_FILES:
        raise ArchiveError(f"the zip has {len(members)} entries; at most {MAX_FILES} are accepted")
    checked: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    seen: set[PurePosixPath] = set()
    for info in members:
        name = info.filename
        path = PurePosixPath(name)
        if "\\" in name or "\x00" in name or path.is_absolute() or (path.parts and ":" in path.parts[0]):
            raise ArchiveError(f"{name!r}: only relative names with / are accepted")
        if not path.parts:
            raise ArchiveError(f"{name!r}: an entry needs a name")
        if ".." in path.parts:
            raise ArchiveError(f"{name!r}: a name may not leave the folder (..)")
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            raise ArchiveError(f"{name!r} is a symbolic link; only files and folders are accepted")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"{name!r} is not a plain file or folder")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{name!r} is encrypted")
        if path in seen:
            raise ArchiveError(f"{name!r} is in the zip twice")
        seen.add(path)
        checked.append((info, path))
    if sum(info.file_size for info, _ in checked) > MAX_UNCOMPRESSED_BYTES:
        raise ArchiveError(f"the zip would be more than {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB uncompressed")
    return checked


def bank_zip_extract(*, upload: IO[bytes], directory: Path) -> list[Path]:
    """Check the zip, extract it into ``directory`` and return its problem folders."""
    upload.seek(0, io.SEEK_END)
    if upload.tell() > MAX_UPLOAD_BYTES:
        raise ArchiveError(f"the zip is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = _checked_members(archive)
            root = directory.resolve()
            written = 0
            for info, path in members:
                target = root.joinpath(*path.parts)
                if not target.resolve().is_relative_to(root):
                    raise ArchiveError(f"{info.filename!r}: a name may not leave the folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, target.open("xb") as sink:
                    while chunk := source.read(CHUNK_BYTES):
                        written += len(chunk)
                        if written > MAX_UNCOMPRESSED_BYTES:
                            raise ArchiveError(
                                f"the zip is more than {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB uncompressed"
                            )
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ArchiveError(f"not a readable zip file ({exc})")
    except NotImplementedError as exc:  # an unsupported compression method
        raise ArchiveError(f"the zip uses a compression this server cannot read ({exc})")
    folders = sorted(p for p in directory.iterdir() if p.is_dir() and (p / "problem.toml").is_file())
    if not folders:
        raise ArchiveError("the zip holds no <code>/problem.toml: export a problem to see the layout")
    return folders


def bank_zip_import(*, upload: IO[bytes]) -> list[ImportOutcome]:
    """Import every bank folder of an uploaded zip, unpublished. Raises ArchiveError when the zip
    itself is refused (nothing saved); a folder that fails is a skipped outcome with the reason."""
    directory = Path(tempfile.mkdtemp(prefix="bank-zip-"))
    try:
        outcomes = []
        for path in bank_zip_extract(upload=upload, directory=directory):
            outcomes.append(_folder_import(path))
        return outcomes
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _folder_import(path: Path) -> ImportOutcome:
    code = path.name
    try:
        folder = read_folder(path)
        existed = problem_find(origin=BANK_ORIGIN, origin_id="", code=code) is not None
        problem, changed = problem_load(folder=folder, unpublished=True)
    except IngestError as exc:
        return ImportOutcome(code, "skipped", code=code, reason=str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return ImportOutcome(code, "skipped", code=code, reason=f"malformed folder: {type(exc).__name__}: {exc}")
    status: Status = "unchanged" if not changed else ("updated" if existed else "imported")
    return ImportOutcome(
        code, status, code=problem.code, cases=problem.cases.count(), references=problem.references.count()
    )
