"""Command line: a thin layer over the `checker` API.

Exit codes: 0 all documents read and reviewed; 1 report written but some documents could not be
read; 2 usage error; 3 no document could be read; 4 checklist error.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from checker.batch import batch_command
from checker.checklist import (
    CATEGORIES,
    LEVELS,
    Checklist,
    available_checklists,
    load_checklist,
)
from checker.errors import CheckerError, Code
from checker.evaluate import eval_command
from checker.report import BINARY_FORMATS, FORMATS, ReportMeta, render, write
from checker.review import run_review

EXIT_PARTIAL, EXIT_UNREADABLE, EXIT_CHECKLIST = 1, 3, 4
EXPORT_FORMATS = ("json", "csv", "md")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Review national firearms laws against the UN Firearms Protocol.")
checklist_app = typer.Typer(no_args_is_help=True, help="List, validate and export checklists.")
app.add_typer(checklist_app, name="checklist")
err = Console(stderr=True)


def _fail(exc: CheckerError) -> typer.Exit:
    err.print(f"[red]error[/red] {exc.code.value}: {exc.message}")
    code = EXIT_CHECKLIST if exc.code.name.startswith("CHECKLIST") else 2
    return typer.Exit(code)


def _check_choices(values: list[str], allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise CheckerError(Code.OPTION_INVALID,
                           f"{option}: unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
    return tuple(values)


@app.command()
def review(
    paths: Annotated[list[Path], typer.Argument(help="Files of one dossier (PDF, MD, TXT, DOCX).")],
    checklist: Annotated[list[str] | None, typer.Option(
        help="Checklist id or YAML path; repeat to review against several together "
             "(default firearms-protocol).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", "-f",
        help=f"{', '.join(FORMATS)}; {', '.join(BINARY_FORMATS)} need --output.")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write here instead of stdout.")] = None,
    country: Annotated[str | None, typer.Option(
        help="Country named on the report's title page.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    level: Annotated[list[str] | None, typer.Option(help="Keep only these levels.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Keep only these categories.")] = None,
    language: Annotated[str | None, typer.Option(help="Force the document language.")] = None,
    password: Annotated[str | None, typer.Option(help="Password of encrypted PDFs.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Review one or more files as one dossier and write the gap report."""
    try:
        if fmt not in FORMATS:
            raise CheckerError(Code.OPTION_INVALID,
                               f"--format: unknown {fmt!r} (known: {', '.join(FORMATS)})")
        if fmt in BINARY_FORMATS and output is None:
            raise CheckerError(Code.OPTION_INVALID,
                               f"--format {fmt} writes a file: give its path with --output")
        levels = _check_choices(level or [], LEVELS, "--level")
        categories = _check_choices(category or [], CATEGORIES, "--category")

        def progress(subject: str, stage: str) -> None:
            if not quiet:
                err.print(f"[dim]{stage:>8}[/dim] {subject}")

        result = run_review(paths, checklist=checklist or ["firearms-protocol"], levels=levels,
                            categories=categories,
                            language=language, password=password, on_stage=progress)
    except CheckerError as exc:
        raise _fail(exc) from exc
    meta = ReportMeta(country=country, title=title)
    if output:
        write(result.report, fmt, output, meta)
    else:
        typer.echo(render(result.report, fmt, meta))
    documents = result.report.documents
    for document in documents:
        for diagnostic in document.warnings:
            colour = "red" if diagnostic.severity == "error" else "yellow"
            err.print(f"[{colour}]{diagnostic.code.value}[/{colour}] {document.id}: "
                      f"{diagnostic.message}")
    counts = result.report.summary.by_status
    if not quiet:
        err.print(" ".join(f"{k}={v}" for k, v in counts.items())
                  + (f" -> {output}" if output else ""))
    unreadable = [d for d in documents if d.status not in ("ok", "partial")]
    if unreadable and len(unreadable) == len(documents):
        raise typer.Exit(EXIT_UNREADABLE)
    if unreadable:
        raise typer.Exit(EXIT_PARTIAL)


@checklist_app.command("list")
def checklist_list() -> None:
    """The checklists that ship with the tool."""
    for name in available_checklists():
        loaded = load_checklist(name)
        typer.echo(f"{name}\t{loaded.version}\t{len(loaded.obligations)} obligations\t"
                   f"{loaded.title}\t{_coverage(loaded)}")


def _coverage(loaded: Checklist) -> str:
    total = len(loaded.obligations)
    return "languages: " + ", ".join(
        lang if found == total else f"{lang} ({found}/{total})"
        for lang, found in loaded.coverage().items())


@checklist_app.command("validate")
def checklist_validate(
    name: Annotated[str, typer.Argument(help="Checklist id or YAML path.")] = "firearms-protocol",
) -> None:
    """Validate a checklist against its schema and the parameter checkers."""
    from checker.params import CHECKERS

    try:
        loaded = load_checklist(name)
    except CheckerError as exc:
        raise _fail(exc) from exc
    unknown = sorted({p.check for o in loaded.obligations for p in o.parameters} - set(CHECKERS))
    if unknown:
        err.print(f"[red]error[/red] {Code.CHECKLIST_INVALID.value}: unknown checks {unknown}")
        raise typer.Exit(EXIT_CHECKLIST)
    typer.echo(f"{loaded.id} {loaded.version}: {len(loaded.obligations)} obligations, valid; "
               f"{_coverage(loaded)}")


@checklist_app.command("export")
def checklist_export(
    name: Annotated[str, typer.Argument(help="Checklist id or YAML path.")] = "firearms-protocol",
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv or md.")] = "json",
) -> None:
    """Every obligation with id, instrument, article, category and level."""
    try:
        if fmt not in EXPORT_FORMATS:
            raise CheckerError(Code.OPTION_INVALID,
                               f"--format: unknown {fmt!r} ({', '.join(EXPORT_FORMATS)})")
        loaded = load_checklist(name)
    except CheckerError as exc:
        raise _fail(exc) from exc
    rows = [{"id": o.id, "instrument": o.instrument, "article": o.article,
             "category": o.category, "level": o.level, "title": o.title,
             "elements": len(o.elements), "parameters": len(o.parameters),
             "model_law_chapter": o.model_law_chapter or ""}
            for o in loaded.obligations]
    if fmt == "json":
        typer.echo(json.dumps({"id": loaded.id, "version": loaded.version, "obligations": rows},
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue().rstrip("\n"))
    else:
        typer.echo(_checklist_markdown(loaded))


def _cite(article: str) -> str:
    return article if not article[:1].isdigit() else f"art. {article}"


def _checklist_markdown(loaded: Checklist) -> str:
    """The checklist as a readable document: per obligation, the requirement and its elements."""
    lines = [f"# {loaded.title}", "", f"Checklist `{loaded.id}`, version {loaded.version}, "
             f"{len(loaded.obligations)} obligations.", ""]
    for category in CATEGORIES:
        chosen = [o for o in loaded.obligations if o.category == category]
        if not chosen:
            continue
        lines += [f"## {category}", ""]
        for o in chosen:
            lines += [f"### {o.id}: {o.title}", "",
                      f"{o.instrument} {_cite(o.article)}, level {o.level}.", "", o.requirement,
                      ""]
            lines += [f"- {'**core** ' if e.core else ''}{e.description}" for e in o.elements]
            lines += [f"- parameter `{p.name}` ({p.check}): {p.description}"
                      for p in o.parameters]
            if o.model_law_chapter:
                lines.append(f"- Model Law: {o.model_law_chapter}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


app.command("eval")(eval_command)
app.command("batch")(batch_command)


def main() -> None:
    # pdfminer logs every recoverable oddity of a damaged PDF; the report's diagnostics say what
    # matters, so its chatter stays off the terminal.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    app()


if __name__ == "__main__":
    main()
