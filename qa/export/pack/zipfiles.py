"""Zip files whose members carry one fixed time and fixed permissions (byte-identical output)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

ZIP_PERMISSIONS = 0o644 << 16
_UNIX = 3


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    utc = moment.astimezone(UTC)
    utc = max(utc, datetime(1980, 1, 1, tzinfo=UTC))
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second // 2 * 2)


class FixedZip(ZipFile):
    """A zip whose members carry one fixed time and fixed permissions (byte-identical output)."""

    def __init__(self, path: Path, stamp: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(path, "w", ZIP_DEFLATED, allowZip64=True)
        self._stamp = stamp

    def member(self, name: str, *, stored: bool = False) -> ZipInfo:
        info = ZipInfo(name, date_time=self._stamp)
        info.compress_type = ZIP_STORED if stored else ZIP_DEFLATED
        info.external_attr = ZIP_PERMISSIONS
        info.create_system = _UNIX
        return info

    def writestr(  # type: ignore[override]
        self,
        zinfo_or_arcname: str | ZipInfo,
        data: str | bytes,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = (
            zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, ZipInfo) else zinfo_or_arcname
        )
        super().writestr(self.member(name), data)

    def write(  # type: ignore[override]
        self,
        filename: str | Path,
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        source = Path(filename)
        self.copy_in(source, arcname or source.name)

    def copy_in(self, source: Path, name: str, *, stored: bool = False) -> None:
        big = source.stat().st_size >= (1 << 31)
        with (
            source.open("rb") as reader,
            self.open(self.member(name, stored=stored), "w", force_zip64=big) as writer,
        ):
            shutil.copyfileobj(reader, writer, 1 << 20)
