"""Errors the archive raises. Each carries a message fit to show a user as is."""


def one_line(exc: BaseException, limit: int = 160) -> str:
    """A library's exception (pypdf, Pillow) as a short one-line reason to put
    in such a message: its text with white space folded, or its type's name."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ArchiveError(Exception):
    """Base class: something about the archive or an import went wrong."""


class CorruptArchiveError(ArchiveError):
    """The archive file cannot be read. It is left untouched."""


class ForeignFileError(ArchiveError):
    """The file is valid data but not an Isnad archive. It is left untouched."""


class SchemaVersionError(ArchiveError):
    """The archive was written by a newer Isnad than this one."""


class ImportFormatError(ArchiveError):
    """An input file or line cannot be imported."""
