"""Archive commands: ingest, sources list|show|remove, migrate."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, update_index_for, whoami
from storage.store import ArchiveStore


def cmd_ingest(ctx: Context) -> int:
    from bot.render import render_ingest

    urls = [p for p in ctx.args.paths if p.startswith(("http://", "https://"))]
    paths = [p for p in ctx.args.paths if p not in urls]
    store = ctx.open_store()
    try:
        report = _ingest_files(ctx, store, paths)
        if urls:
            fetched = _ingest_urls(ctx, store, urls)
            report.added.extend(fetched.added)
            report.skipped.extend(fetched.skipped)
        if report.added:
            update_index_for(ctx, store)
    finally:
        store.close()
    ctx.out.write(render_ingest(report))
    # Exit 1 when anything could not be imported (a bad file, line or page), even
    # if the rest was added, so a script notices; or when nothing at all was new.
    if report.failures or (report.skipped and not report.added):
        return EXIT_ERROR
    return EXIT_OK


def _ingest_files(ctx: Context, store: ArchiveStore, paths: list[str]):
    from storage.ingest import IngestReport, ingest_paths

    if not paths:
        return IngestReport()
    with _progress_bar() as progress:
        return ingest_paths(store, paths, fmt=ctx.args.format, by=whoami(), progress=progress)


def _ingest_urls(ctx: Context, store: ArchiveStore, urls: list[str]):
    """Fetch pages through the safe fetcher (SSRF checks, size and time limits)."""
    from storage.fetch import ingest_urls

    return asyncio.run(ingest_urls(store, urls, settings=ctx.config.fetch_settings(), by=whoami()))


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

    store = ctx.open_store()
    try:
        action = ctx.args.action
        if action == "list":
            sources = list(store.sources())
            if ctx.args.json:
                ctx.emit_json([render.source_summary_json(s) for s in sources])
            else:
                ctx.out.write(render.render_source_list(sources))
        elif action == "show":
            source = _get_source(store, ctx.args.id)
            if ctx.args.json:
                ctx.emit_json(render.source_detail_json(source))
            else:
                ctx.out.write(render.render_source(source, store.events(source.id)))
        elif action == "remove":
            removed = store.remove(ctx.args.id, by=whoami())
            if removed is None:
                raise CliError(f"no source with id {ctx.args.id!r}")
            update_index_for(ctx, store)
            ctx.out.write(f"Removed {removed.id}: {removed.title or '(untitled)'}\n")
    finally:
        store.close()
    return EXIT_OK


def _get_source(store: ArchiveStore, source_id: str):
    source = store.get(source_id)
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
