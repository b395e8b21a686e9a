"""Archive commands: ingest, sources list|show|remove, migrate."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, warn, whoami

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from storage.ingest import IngestReport
    from storage.records import Source


def cmd_ingest(ctx: Context) -> int:
    from bot.render import render_ingest
    from storage.ingest import IngestReport

    urls = [p for p in ctx.args.paths if p.startswith(("http://", "https://"))]
    paths = [p for p in ctx.args.paths if p not in urls]
    service = ctx.open_service()
    try:
        report = IngestReport()
        if paths:
            with _progress_bar() as progress:
                report = service.add_files(paths, fmt=ctx.args.format, by=whoami(), progress=progress)
        if urls:
            fetched = asyncio.run(_ingest_urls(ctx, service, urls))
            report.added.extend(fetched.added)
            report.skipped.extend(fetched.skipped)
    finally:
        service.close()  # saves the index with what was added, so the next start does no indexing
    ctx.out.write(render_ingest(report))
    # Exit 1 when anything could not be imported (a bad file, line or page), even
    # if the rest was added, so a script notices; or when nothing at all was new.
    if report.failures or (report.skipped and not report.added):
        return EXIT_ERROR
    return EXIT_OK


async def _ingest_urls(ctx: Context, service: IsnadService, urls: list[str]) -> IngestReport:
    """Fetch pages through the safe fetcher (SSRF checks, size and time limits)."""
    from storage.errors import ArchiveError
    from storage.fetch import Fetcher
    from storage.ingest import AddedItem, IngestReport, SkippedItem

    report = IngestReport()
    async with Fetcher(ctx.config.fetch_settings()) as fetcher:
        for url in urls:
            try:
                outcome = await service.add_url(url, fetcher, by=whoami())
            except ArchiveError as exc:
                report.skipped.append(SkippedItem(url, None, str(exc)))
                continue
            report.added.extend(AddedItem(s.id, s.title, len(s.passages), len(s.posts), path=url)
                                for s in outcome.added)
            for note in outcome.notes:
                warn(f"{url}: {note}")
            for skipped in outcome.skipped:
                skipped.path = skipped.path or url
            report.skipped.extend(outcome.skipped)
    return report


class _progress_bar:
    """A tqdm bar on a terminal; nothing when stderr is piped."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        self.bar = None
        if not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        def update(done: int, total: int) -> None:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)
            self.bar.n = done
            self.bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_sources(ctx: Context) -> int:
    from bot import render

    service = ctx.open_service()
    try:
        action = ctx.args.action
        if action == "list":
            sources = service.sources()
            if ctx.args.json:
                ctx.emit_json([render.source_summary_json(s) for s in sources])
            else:
                ctx.out.write(render.render_source_list(sources))
        elif action == "show":
            source = _get_source(service, ctx.args.id)
            if ctx.args.json:
                ctx.emit_json(render.source_detail_json(source))
            else:
                ctx.out.write(render.render_source(source, service.events(source.id)))
        elif action == "remove":
            removed = service.remove(ctx.args.id, by=whoami())
            if removed is None:
                raise CliError(f"no source with id {ctx.args.id!r}")
            ctx.out.write(f"Removed {removed.id}: {removed.title or '(untitled)'}\n")
    finally:
        service.close()
    return EXIT_OK


def _get_source(service: IsnadService, source_id: str) -> Source:
    source = service.get(source_id)
    if source is None:
        raise CliError(f"no source with id {source_id!r}")
    return source


def cmd_migrate(ctx: Context) -> int:
    from storage.migrate import migrate_between

    report = migrate_between(ctx.args.src, ctx.args.dst)
    if ctx.args.json:
        ctx.emit_json(report.to_json())
    else:
        ctx.out.write(report.summary() + "\n")
    return EXIT_OK if report.ok else EXIT_ERROR
