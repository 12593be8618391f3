"""checker for drafters: review one national framework against the UN Firearms Protocol and UNTOC,
check every finding against the text, record your own judgement, and export the report.

Run with `streamlit run app.py` (settings in `.streamlit/config.toml`). The app is a thin layer of
widgets over `checker` and `checker.appsupport`; no analysis happens here.

Document text is only ever shown through `st.text`, `st.code` and `st.dataframe`, never as Markdown
or HTML; short strings that come from files (names, labels) are escaped before any Markdown.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, Literal, cast

import altair as alt
import pandas as pd
import streamlit as st

from checker import decisions
from checker.appsupport import (
    CATEGORY_LABELS,
    FORMAT_LABELS,
    LEVEL_LABELS,
    MIME_TYPES,
    STATUS_COLOURS,
    STATUS_LABELS,
    TABLE_COLUMNS,
    DossierReview,
    ReviewJob,
    ReviewRequest,
    Upload,
    coverage,
    decision_store,
    decisions_fingerprint,
    effective_status,
    element_lists,
    escape_markdown,
    evidence_excerpt,
    export_bytes,
    export_filename,
    export_formats,
    filter_findings,
    finding_rows,
    history_rows,
    is_gap,
    label,
    parameter_rows,
    past_review,
    render_page_png,
    status_counts,
)
from checker.checklist import CATEGORIES, LEVELS, Obligation, available_checklists, load_checklist
from checker.errors import CheckerError
from checker.models import Finding, Report, Status
from checker.report.common import reading_label
from checker.review import STATUSES

st.set_page_config(page_title="checker · firearms law gap review", page_icon="⚖️", layout="wide")

ORDER = ("missing", "partial", "unclear", "met")  # gaps first, everywhere
BADGE_COLOURS: dict[str, Literal["green", "orange", "red", "gray"]] = {
    "met": "green", "partial": "orange", "missing": "red", "unclear": "gray"}
KEPT_RESULTS = 3
EAGER_EXPORTS = {"json", "md", "html", "csv"}  # cheap: rendered with the page; others on click
STAGE_MARKS = {"read": "✔", "analysed": "✔", "done": "✔", "could not be read": "✘",
               "checking the file": "▸", "reading": "▸", "analysing": "▸"}
LANGUAGES = {"": "Detect automatically", "en": "English", "fr": "French", "es": "Spanish"}

state = st.session_state
state.setdefault("results", {})  # review key -> DossierReview (reruns never recompute)
state.setdefault("exports", {})  # (review key, decisions fingerprint, format) -> bytes
state.setdefault("form_round", 0)


# --- dossier form and the background review -----------------------------------------------------


def checklist_title(checklist_id: str) -> str:
    try:
        return load_checklist(checklist_id).title
    except CheckerError:
        return checklist_id


def dossier_form() -> None:
    with st.sidebar:
        st.title("⚖️ checker")
        st.caption("Gap review of national firearms laws against the UN Firearms Protocol and "
                   "the UN Convention against Transnational Organized Crime.")
        with st.form("dossier", border=False):
            files = st.file_uploader(
                "Documents of the dossier", type=["pdf", "docx", "md", "markdown", "txt"],
                accept_multiple_files=True, key="files",
                help="One national framework: an act, its regulations, the criminal code. They "
                     "are reviewed together, so an obligation may be met by any of them. "
                     "PDF, DOCX, Markdown or plain text, up to 50 MB each.")
            country = st.text_input("Country", key="country_input")
            title = st.text_input("Dossier title", key="title_input",
                                  placeholder="e.g. Firearms Act 2024 and Regulations")
            checklists = available_checklists()
            checklist = st.selectbox(
                "Checklist", checklists, format_func=checklist_title, key="checklist",
                help="What the dossier is reviewed against.",
                index=checklists.index("firearms-protocol")
                if "firearms-protocol" in checklists else 0)
            levels = st.multiselect("Levels", LEVELS, key="levels",
                                    format_func=lambda v: label(v, LEVEL_LABELS),
                                    placeholder="All levels")
            categories = st.multiselect("Categories", CATEGORIES, key="categories",
                                        format_func=lambda v: label(v, CATEGORY_LABELS),
                                        placeholder="All categories")
            with st.expander("Language and password"):
                language = st.selectbox("Language of the documents", list(LANGUAGES),
                                        format_func=LANGUAGES.__getitem__, key="language")
                password = st.text_input("PDF password", type="password", key="password",
                                         help="Only for encrypted PDFs; it is never stored.")
            submitted = st.form_submit_button("Review the dossier", type="primary",
                                              width="stretch")
        if "pending_reviewer" in state:
            state["reviewer"] = state.pop("pending_reviewer")
        st.text_input("Your name", key="reviewer",
                      help="Recorded with each of your decisions.")
    if not submitted:
        return
    if not files:
        st.sidebar.warning("Add at least one file.")
        return
    request = ReviewRequest(
        uploads=tuple(Upload.of(f.name, f.getvalue()) for f in files),
        checklist=checklist, levels=tuple(levels), categories=tuple(categories),
        language=language or None, password=password or None)
    state["meta"] = {"country": country.strip(), "title": title.strip()}
    key = request.key()
    state.pop("job_error", None)
    if key in state["results"]:
        state["current"] = key  # same files, same options: nothing to recompute
        return
    job = state.get("job")
    if job is None or job.key != key:
        state["job"] = ReviewJob(request).start()


def collect_finished_job() -> None:
    job: ReviewJob | None = state.get("job")
    if job is None or not job.done:
        return
    del state["job"]
    if job.result is None:
        state["job_error"] = job.error or "The review stopped without a result."
        return
    results: dict[str, DossierReview] = state["results"]
    results[job.key] = job.result
    while len(results) > KEPT_RESULTS:
        results.pop(next(iter(results)))
    state["current"] = job.key
    state["finding"] = None


@st.fragment(run_every=0.5)
def progress_panel() -> None:
    job: ReviewJob | None = state.get("job")
    if job is None:
        return
    if job.done:
        st.rerun()
    view = job.progress.view()
    count = len(view.rows)
    with st.status(f"Reviewing {count} document{'s' if count != 1 else ''}…", expanded=True):
        st.progress(view.fraction, text=f"{escape_markdown(view.message)} · "
                                        f"{job.elapsed:.0f} s")
        st.text("\n".join(f"{STAGE_MARKS.get(stage, '·')}  {name} — {stage}"  # never Markdown
                           for name, stage in view.rows))


# --- overview -----------------------------------------------------------------------------------


def header(result: DossierReview, report: Report) -> None:
    meta = state.get("meta", {})
    st.title(escape_markdown(meta.get("title") or "Untitled dossier"))
    checklist = result.request.checklist
    parts = [meta.get("country") or "", f"{checklist_title(checklist)} "
             f"(version {report.checklist.version})",
             f"{len(report.documents)} document{'s' if len(report.documents) != 1 else ''}",
             f"{len(report.findings)} obligations"]
    st.caption(" · ".join(escape_markdown(p) for p in parts if p))
    readable = ("ok", "partial")
    for info in report.documents:
        if info.status in readable:
            continue
        name = result.labels.get(info.id, info.id)
        details = "; ".join(f"{w.code.value} {w.message}" for w in info.warnings
                            if w.severity == "error") or info.status
        st.error(f"**{escape_markdown(name)}** could not be read and was left out of the "
                 f"review: {escape_markdown(details)}", icon=":material/block:")
    warned = [i for i in report.documents if i.warnings and i.status in readable]
    if warned:
        st.warning(f"{len(warned)} document{'s' if len(warned) != 1 else ''} read with "
                   "warnings (see the Documents tab).", icon=":material/warning:")
    if result.duplicates:
        st.info("Left out as exact copies of another file: "
                + ", ".join(escape_markdown(d) for d in result.duplicates))


def coverage_chart(rows: list[dict[str, Any]]) -> None:
    """Stacked bars of effective statuses per category, met first and missing last."""
    stack = ("met", "partial", "unclear", "missing")
    data = pd.DataFrame(rows).melt(id_vars="name", value_vars=list(stack), var_name="status",
                                   value_name="count")
    data["Status"] = data["status"].map(STATUS_LABELS)
    data["rank"] = data["status"].map(stack.index)
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=[r["name"] for r in rows], title=None,
                axis=alt.Axis(labelLimit=260, labelFontSize=12, labelOverlap=False)),
        x=alt.X("count:Q", stack="zero", title="Obligations", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("Status:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=[STATUS_LABELS[s] for s in stack],
                                        range=[STATUS_COLOURS[s] for s in stack])),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("name:N", title="Category"), "Status:N",
                 alt.Tooltip("count:Q", title="Obligations")],
    )
    st.altair_chart(chart, width="stretch", height=max(240, 32 * len(rows) + 60))


def overview(report: Report, tool: Report) -> None:
    reviewed = status_counts(report.findings)
    own = status_counts(tool.findings, reviewed=False)
    columns = st.columns(5)
    for column, status in zip(columns, ORDER, strict=False):
        change = reviewed[status] - own[status]
        column.metric(STATUS_LABELS[status], reviewed[status], delta=change or None,
                      delta_color="normal" if status == "met" else "inverse", border=True,
                      help=f"After reviewer decisions; the tool's own count is {own[status]}.")
    count = sum(1 for f in report.findings if f.review is not None)
    columns[4].metric("Reviewed", f"{count} / {len(report.findings)}", border=True,
                      help="Findings with a reviewer decision.")
    chart, levels = st.columns([3, 2.2], gap="large")
    with chart:
        st.markdown("**Coverage by category**")
        coverage_chart(coverage(report.findings))
    with levels:
        st.markdown("**By level**")
        table = pd.DataFrame(coverage(report.findings, key="level", short=True))
        table = table.rename(columns={"name": "Level", **STATUS_LABELS})
        counts = {STATUS_LABELS[s]: st.column_config.NumberColumn(width=54) for s in ORDER}
        st.dataframe(table[["Level", *counts]], hide_index=True, width="stretch",
                     column_config={"Level": st.column_config.TextColumn(width=150), **counts})
        st.caption("Counts use the reviewer's status where a decision was recorded.")


def _status_style(value: str) -> str:
    key = next((k for k, v in STATUS_LABELS.items() if v == value), None)
    if key is None:
        return ""
    return f"color: {STATUS_COLOURS[key]}; font-weight: 600"


def select_from_table(ids: list[str]) -> None:
    selection = state.get("table")
    rows = selection.selection.rows if selection is not None else []
    if rows and rows[0] < len(ids):
        state["finding"] = ids[rows[0]]


def gap_table(report: Report) -> list[Finding]:
    status_col, category_col, level_col, search_col = st.columns([2.6, 1.3, 1.3, 1.5])
    counts = status_counts(report.findings)
    statuses = status_col.pills("Status", ORDER, selection_mode="multi", default=list(ORDER),
                                key="f_status",
                                format_func=lambda s: f"{STATUS_LABELS[s]} {counts[s]}")
    present_categories = [c for c in CATEGORIES if any(f.category == c for f in report.findings)]
    categories = category_col.multiselect("Category", present_categories, key="f_category",
                                          format_func=lambda v: label(v, CATEGORY_LABELS),
                                          placeholder="All categories")
    present_levels = [v for v in LEVELS if any(f.level == v for f in report.findings)]
    levels = level_col.multiselect("Level", present_levels, key="f_level",
                                   format_func=lambda v: label(v, LEVEL_LABELS),
                                   placeholder="All levels")
    query = search_col.text_input("Search", key="f_query",
                                  placeholder="words in the obligation, quotes, reasons")
    shown = filter_findings(report.findings, statuses=statuses, categories=categories,
                            levels=levels, query=query)
    st.caption(f"{len(shown)} of {len(report.findings)} findings, gaps first. Select a row to "
               "open the finding below.")
    ids = [f.obligation_id for f in shown]
    frame = pd.DataFrame(finding_rows(shown), columns=list(TABLE_COLUMNS))
    styled = frame.style.map(_status_style, subset=["Status", "Tool"]) if len(frame) else frame
    reviewed = any(f.review is not None for f in report.findings)
    order = [c for c in TABLE_COLUMNS if reviewed or c not in ("Tool", "Reviewed")]
    st.dataframe(
        styled, hide_index=True, width="stretch", key="table", column_order=order,
        on_select=functools.partial(select_from_table, ids), selection_mode="single-row",
        height=min(38 + 35 * max(len(shown), 1), 460),
        column_config={
            "Status": st.column_config.TextColumn(width=75),
            "Tool": st.column_config.TextColumn("Tool said", width=75),
            "Reviewed": st.column_config.TextColumn(width=70),
            "Obligation": st.column_config.TextColumn(width=330),
            "Article": st.column_config.TextColumn(width=80),
            "Category": st.column_config.TextColumn(width=150),
            "Level": st.column_config.TextColumn(width=130),
            "Confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="%.2f", width=90),
            "Evidence": st.column_config.TextColumn("Provisions", width=130),
            "Id": st.column_config.TextColumn("Obligation id", width=220),
        })
    return shown


# --- finding detail -----------------------------------------------------------------------------


def pick_finding(report: Report, shown: list[Finding]) -> Finding | None:
    by_id = {f.obligation_id: f for f in report.findings}
    current = state.get("finding")
    options = [f.obligation_id for f in shown]
    if current in by_id and current not in options and current == state.get("decided"):
        options.insert(0, current)  # a decision just moved it out of the filter: keep it open
    if not options:
        return None
    if current not in options:
        state["finding"] = options[0]
    chosen = st.selectbox(
        "Finding", options, key="finding",
        format_func=lambda i: f"{STATUS_LABELS[effective_status(by_id[i])]} · "
                              f"{by_id[i].article} · {by_id[i].title}")
    return by_id.get(chosen) if chosen else None


def badges(finding: Finding) -> None:
    status = effective_status(finding)
    with st.container(horizontal=True, gap="small"):
        st.badge(STATUS_LABELS[status], color=BADGE_COLOURS[status])
        if finding.review is not None:
            st.badge(f"reviewed · tool said {STATUS_LABELS[finding.status]}", color="violet",
                     icon=":material/rate_review:")
        st.badge(f"confidence {finding.confidence:.0%}", color="gray")
        st.badge(f"Art. {escape_markdown(finding.article)}", color="blue")
        st.badge(label(finding.level, LEVEL_LABELS), color="gray")
        st.badge(label(finding.category, CATEGORY_LABELS), color="gray")


def assessment(finding: Finding, obligation: Obligation | None) -> None:
    st.subheader(escape_markdown(finding.title), anchor=False)
    badges(finding)
    if obligation is not None:
        st.markdown("**What the instrument requires**")
        st.markdown(escape_markdown(obligation.requirement))
    found, missing = element_lists(finding, obligation)
    if found or missing:
        st.markdown("**Elements**")
        lines = [f"✔ {escape_markdown(e)}" for e in found]
        lines += [f"✘ {escape_markdown(e)}" for e in missing]
        st.markdown("  \n".join(lines))
    if finding.reasons:
        st.markdown("**Reasons**")
        st.text("\n".join(f"• {r}" for r in finding.reasons))
    parameters = parameter_rows(finding, obligation)
    if parameters:
        st.markdown("**Parameter checks**")
        st.markdown("  \n".join(
            f"{row['Result']} — {escape_markdown(row['Check'])}  \n"
            f":gray[required: {escape_markdown(row['Required'])} · "
            f"found: {escape_markdown(row['Found'])}]"
            for row in parameters))
    if obligation is not None and is_gap(finding):
        with st.container(border=True):
            st.markdown("**To close the gap**")
            if obligation.model_law_chapter:
                st.markdown(f"UNODC Model Law: {escape_markdown(obligation.model_law_chapter)}")
            if obligation.pitfalls:
                st.markdown("Common pitfalls:  \n" + "  \n".join(
                    f"– {escape_markdown(p)}" for p in obligation.pitfalls))


def evidence_panel(result: DossierReview, finding: Finding) -> None:
    st.markdown("**Evidence in the text**")
    if finding.evidence:
        st.caption("Each quote is shown inside its provision, between ⟦ and ⟧.")
    else:
        st.info("No provision of the dossier was found for this obligation.")
        return
    for number, evidence in enumerate(finding.evidence, start=1):
        excerpt = evidence_excerpt(result.review, evidence)
        with st.container(border=True):
            where = [result.labels.get(evidence.document, evidence.document),
                     f"provision {excerpt.provision}"]
            if excerpt.heading:
                where.append(excerpt.heading)
            if evidence.page is not None:
                where.append(f"page {evidence.page}")
            where.append(f"match {evidence.score:.0%}")
            st.text(f"{number}. " + " · ".join(where))
            st.code(excerpt.text, language=None, wrap_lines=True)
            source = result.sources.get(evidence.document)
            if source is not None and evidence.page is not None and excerpt.source_kind == "pdf":
                with st.expander(f"Page {evidence.page} of the PDF"):
                    png = render_page_png(source, evidence.page,
                                          password=result.request.password)
                    if png is None:
                        st.warning("This page could not be drawn.")
                    else:
                        st.image(png, width="stretch")


def decision_form(result: DossierReview, finding: Finding, dossier: str,
                  entries: tuple[decisions.Decision, ...]) -> None:
    st.markdown("**Your decision**")
    current = effective_status(finding)
    with st.form(f"decide-{finding.obligation_id}-{state['form_round']}"):
        status = st.selectbox("Status you hold", STATUSES, index=STATUSES.index(current),
                              format_func=STATUS_LABELS.__getitem__,
                              help="Keep the status to confirm it, or choose another to "
                                   "override it.")
        reason = st.text_area("Reason (required)", height=90,
                              placeholder="e.g. Section 14(2) requires import marking; the "
                                          "year of import is in the Regulations, r. 6.")
        comment = st.text_input("Comment (optional)")
        reviewer = st.text_input("Reviewer", value=state.get("reviewer", ""))
        submitted = st.form_submit_button("Record decision", type="primary")
    if submitted:
        if not reason.strip():
            st.error("Give a reason: every decision keeps one.")
        else:
            with decision_store() as connection:
                decisions.record(connection, dossier=dossier, obligation_id=finding.obligation_id,
                                 previous_status=current, status=cast(Status, status),
                                 reason=reason,
                                 comment=comment, reviewer=reviewer)
            state["decided"] = finding.obligation_id
            if reviewer.strip():
                state["pending_reviewer"] = reviewer.strip()  # the sidebar field, next run
            state["flash"] = (f"Confirmed: {STATUS_LABELS[status]}." if status == current else
                              f"Overridden: {STATUS_LABELS[current]} → {STATUS_LABELS[status]}.")
            state["form_round"] += 1
            st.rerun()
    if state.get("flash"):
        st.success(state.pop("flash"), icon=":material/check_circle:")
    mine = [d for d in entries if d.obligation_id == finding.obligation_id]
    st.markdown("**History**")
    if mine:
        st.dataframe(pd.DataFrame(history_rows(mine)), hide_index=True, width="stretch")
    else:
        st.caption(f"No decision yet; the tool's status is {STATUS_LABELS[finding.status]}.")


def finding_detail(result: DossierReview, report: Report, shown: list[Finding], dossier: str,
                   entries: tuple[decisions.Decision, ...]) -> None:
    finding = pick_finding(report, shown)
    if finding is None:
        st.info("No finding matches the filters.")
        return
    obligations = {o.id: o for o in load_checklist(result.request.checklist).obligations}
    obligation = obligations.get(finding.obligation_id)
    left, right = st.columns([1, 1.15], gap="large")
    with left:
        assessment(finding, obligation)
        decision_form(result, finding, dossier, entries)
    with right:
        evidence_panel(result, finding)


# --- documents and export -----------------------------------------------------------------------


def documents_tab(result: DossierReview, report: Report) -> None:
    rows = [{"File": result.labels.get(d.id, d.id), "Title": d.title, "Language": d.language,
             "Pages": d.pages, "Read from": reading_label(d), "Status": d.status,
             "Provisions": d.provisions,
             "Definitions": d.definitions, "SHA-256": d.sha256[:16]} for d in report.documents]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    diagnostics = [{"File": result.labels.get(d.id, d.id), "Code": w.code.value,
                    "Severity": w.severity, "Page": w.page, "Message": w.message}
                   for d in report.documents for w in d.warnings]
    if diagnostics:
        st.markdown("**Diagnostics**")
        st.dataframe(pd.DataFrame(diagnostics), hide_index=True, width="stretch")
    for structure in result.review.structures:
        document = structure.document
        if not document.text:
            continue
        name = escape_markdown(result.labels.get(document.id, document.id))
        with st.expander(f"Text as read: {name}"):
            shown = document.text[:100_000]
            st.code(shown, language=None, wrap_lines=True, height=420)
            if len(document.text) > len(shown):
                st.caption(f"First 100,000 of {len(document.text):,} characters.")


def export_tab(result: DossierReview, report: Report,
               entries: tuple[decisions.Decision, ...]) -> None:
    fingerprint = decisions_fingerprint(entries)
    st.markdown("The report carries every reviewer decision: each reviewed finding shows the "
                "reviewer's status, reason and name beside the tool's own status.")
    meta = state.get("meta", {})
    exports: dict[tuple[str, str, str], bytes] = state["exports"]
    with st.container(horizontal=True):
        for fmt in export_formats():
            cache_key = (result.key, fingerprint, fmt)

            def build(fmt: str = fmt, cache_key: tuple[str, str, str] = cache_key) -> bytes:
                if cache_key not in exports:
                    exports[cache_key] = export_bytes(report, fmt)
                return exports[cache_key]

            data: Any = build() if fmt in EAGER_EXPORTS else build
            st.download_button(
                FORMAT_LABELS.get(fmt, fmt.upper()), data=data, key=f"export-{fmt}",
                file_name=export_filename(fmt, country=meta.get("country", ""),
                                          title=meta.get("title", "")),
                mime=MIME_TYPES.get(fmt, "application/octet-stream"), on_click="ignore",
                icon=":material/download:")
    for stale in [k for k in exports if k[0] != result.key or k[1] != fingerprint]:
        del exports[stale]
    st.markdown("**Decision log of this dossier**")
    if entries:
        st.dataframe(pd.DataFrame(history_rows(entries, obligation=True)), hide_index=True,
                     width="stretch")
    else:
        st.caption("No decision recorded yet.")


# --- page ---------------------------------------------------------------------------------------


def welcome() -> None:
    st.title("Firearms law gap review")
    st.markdown(
        "Review one national framework at a time against the UN Firearms Protocol and the "
        "provisions of UNTOC that apply to its offences.\n\n"
        "1. **Add the documents** of the dossier in the sidebar: the firearms act, its "
        "regulations, the criminal code.\n"
        "2. **See the gaps** at a glance: every obligation is met, partial, missing or unclear, "
        "with the provisions that implement it.\n"
        "3. **Check each finding** against the quoted text and the page of the PDF.\n"
        "4. **Record your judgement** with a reason; reopen the same files later and your "
        "decisions are still there.\n"
        "5. **Export** the report with your decisions for your colleagues.")
    st.caption("Files are read in memory on this machine and never written to disk; decisions "
               "are kept in a local database.")


def results(result: DossierReview) -> None:
    tool_report = result.report
    dossier = result.dossier
    with decision_store() as connection:
        entries = decisions.history(connection, dossier)
        report = decisions.apply_decisions(tool_report, decisions.latest(connection, dossier))
    header(result, report)
    opened: dict[str, str] = state.setdefault("opened", {})
    since = opened.setdefault(dossier, datetime.now(UTC).isoformat(timespec="seconds"))
    past = past_review([d for d in entries if d.at <= since])  # decisions of earlier sessions
    if past is not None:
        who = f" by {', '.join(past.reviewers)}" if past.reviewers else ""
        st.info(f"These documents were reviewed before: {past.decisions} decision"
                f"{'s' if past.decisions != 1 else ''} on {past.findings} finding"
                f"{'s' if past.findings != 1 else ''}, the latest on {past.last_at}"
                f"{escape_markdown(who)}. They are applied below, beside the tool's own status.",
                icon=":material/history:")
    overview(report, tool_report)
    findings_tab, documents, export = st.tabs(["Findings", "Documents", "Export"])
    with findings_tab:
        shown = gap_table(report)
        st.divider()
        finding_detail(result, report, shown, dossier, entries)
    with documents:
        documents_tab(result, report)
    with export:
        export_tab(result, report, entries)


def main() -> None:
    dossier_form()
    collect_finished_job()
    if state.get("job_error"):
        st.error(f"The review failed: {escape_markdown(state['job_error'])}")
    if state.get("job") is not None:
        progress_panel()
        return
    result: DossierReview | None = state["results"].get(state.get("current", ""))
    if result is None:
        welcome()
        return
    with st.container(key="results"):
        results(result)


main()
