"""Errors the archive raises. Each carries a message fit to show a user as is."""


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
