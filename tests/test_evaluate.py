"""The evaluation: metric functions against hand-computed values, the gold files, the mutations,
and the figures of the samples (and of the dev laws when the shared corpus is present) against
their guards."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import typer
import yaml
from locations import ROOT, SHARED
from typer.testing import CliRunner

from checker.checklist import load_checklist
from checker.evaluate import (
    AnnotationError,
    EvalCode,
    EvalResult,
    Row,
    annotation_files,
    apply_mutation,
    check_thresholds,
    class_scores,
    cohen_kappa,
    compute_metrics,
    default_roots,
    eval_command,
    evaluate,
    f1_score,
    load_annotation,
    load_mutations,
    load_thresholds,
    macro_f1,
    normalise_provision,
    provisions_match,
    resolve_source,
)

ANNOTATIONS = ROOT / "corpora" / "annotations"
MUTATIONS = ROOT / "corpora" / "mutations"
ROOTS = default_roots(SHARED / "corpora")
CHECKLIST_IDS = [o.id for o in load_checklist("firearms-protocol").obligations]
GOLD_FILES = annotation_files(ANNOTATIONS)
SHARED_PRESENT = (SHARED / "corpora" / "real").is_dir()


# --- metric functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("gold", "tool", "expected"), [
    pytest.param("aaabb", "aabbb", (0.8 - 0.48) / 0.52, id="two-classes"),
    pytest.param("aabb", "aabb", 1.0, id="perfect"),
    pytest.param("ab", "ba", -1.0, id="opposite"),
    pytest.param(["met", "met", "partial", "missing", "missing", "missing"],
                 ["met", "partial", "partial", "missing", "missing", "met"], 0.5,
                 id="three-classes"),
    pytest.param("aaaa", "aaaa", None, id="one-label-undefined"),
    pytest.param("", "", None, id="empty"),
])
def test_cohen_kappa(gold: str | list[str], tool: str | list[str], expected: float | None) -> None:
    value = cohen_kappa(list(zip(gold, tool, strict=True)))
    assert value == pytest.approx(expected) if expected is not None else value is None


@pytest.mark.parametrize(("precision", "recall", "expected"), [
    (0.5, 1.0, 2 / 3), (0.75, 0.75, 0.75), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (None, 1.0, None),
])
def test_f1(precision: float | None, recall: float | None, expected: float | None) -> None:
    value = f1_score(precision, recall)
    assert value == pytest.approx(expected) if expected is not None else value is None


def test_class_scores_and_macro_f1() -> None:
    pairs = list(zip(["met", "met", "partial", "missing", "missing", "missing"],
                     ["met", "partial", "partial", "missing", "missing", "met"], strict=True))
    assert class_scores(pairs, "met") == pytest.approx((0.5, 0.5, 0.5, 2))
    assert class_scores(pairs, "partial") == pytest.approx((0.5, 1.0, 2 / 3, 1))
    assert class_scores(pairs, "missing") == pytest.approx((1.0, 2 / 3, 0.8, 3))
    assert macro_f1(pairs) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    assert macro_f1([]) is None


def row(gold: str, tool: str, hit: bool | None = None) -> Row:
    return Row.model_validate({"document": "d", "language": "en", "obligation": "o",
                               "category": "c", "gold": gold, "tool": tool, "evidence_hit": hit})


def test_compute_metrics_against_hand_computed_values() -> None:
    rows = [
        row("met", "met", True),         # detected, right status, evidence found
        row("met", "partial", False),    # detected, wrong status, evidence elsewhere
        row("partial", "unclear", False),  # missed: unclear counts as negative and as missing
        row("missing", "met"),           # the false met
        row("missing", "missing"),
        row("missing", "unclear"),
        row("partial", "partial"),       # no gold provisions: not in hit@3
    ]
    m = compute_metrics(rows)
    d = m.detection
    assert (d.tp, d.fp, d.fn, d.tn) == (3, 1, 1, 2)
    assert (d.precision, d.recall, d.f1) == pytest.approx((0.75, 0.75, 0.75))
    assert d.kappa == pytest.approx(10 / 24)
    assert m.status.accuracy == pytest.approx(4 / 7)
    assert m.status.kappa == pytest.approx(11 / 32)
    assert m.status.macro_f1 == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)
    assert m.status.per_class["missing"].support == 3
    assert (m.unclear.count, m.unclear.rate) == (2, pytest.approx(2 / 7))
    assert (m.false_met.count, m.false_met.total) == (1, 3)
    assert (m.evidence.hits, m.evidence.total, m.evidence.hit_at_3) == (1, 3, pytest.approx(1 / 3))
    assert (m.evidence.detected_hits, m.evidence.detected_total) == (1, 2)
    assert m.confusion["partial"] == {"met": 0, "partial": 1, "missing": 0, "unclear": 1}


def test_metrics_of_nothing_are_undefined_not_zero() -> None:
    m = compute_metrics([])
    assert m.n == 0 and m.detection.f1 is None and m.status.accuracy is None
    assert m.false_met.rate is None and m.evidence.hit_at_3 is None


# --- provision labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "expected"), [
    ("58.1(1)(b)", "58.1"), ("58.1(1) b)(iv)", "58.1"), ("117, al. 9 l)", "117"),
    ("2(1), al. 9 b)", "2"), ("s. 12.1", "12.1"), ("Sections 5", "5"), ("4.—(1)", "4"),
    ("reg. 4(2)", "4"), ("regulation 11(2)", "11"), ("r. 4(2)", "4"),
    ("Article L313-3, al. 2", "l313-3"), ("L313-3", "l313-3"), ("art. L. 313-3", "l313-3"),
    ("Article L. 101-2, al. 1 1°", "l101-2"), ("Article R. 101-4", "r101-4"),
    ("Article D312-1", "d312-1"), ("Article 1er", "1"), ("Article premier", "1"),
    ("Art. 7 bis", "7bis"), ("7bis", "7bis"), ("7 bis", "7bis"), ("Art. 42 bis", "42bis"),
    ("Art. 7 bis — Serial number", "7bis"), ("Artículo 12 bis", "12bis"),
    ("Artículo 31 bis 1.", "31bis"), ("Art. 189 bis", "189bis"),
    ("Artículo 2° a)", "2"), ("ARTÍCULO 24°.-", "24"), ("Artículo 5°.-", "5"), ("Art. 3° 2°", "3"),
    ("Artículo 18 18.2", "18"), ("Art. 566, ap. 2", "566"), ("Articulo 3", "3"),
    ("§ 921(a)(3)", "921"), ("Sec. 922(g)", "922"), ("§ 16 (1) a)", "16"),
    ("Section 76a(14) b)", "76a"), ("Article 5 1. a)", "5"), ("Article 10 3.", "10"),
    ("Art. 2 1.", "2"), ("n° 5", "5"), ("No. 7", "7"),
    ("Schedule 1, para. 2", "schedule1"), ("PART 4", "part4"), ("Annex", "annex"),
    ("Annex PART ONE 22.", "annex"), ("Annex I, 3.", "annexi"), ("ANEXO ÚNICO", "anexo"),
    ("Art. 2º, I", "2"), ("Art. 10, § 1º", "10"), ("Artigo 5.º 1 -", "5"),
    ("Статья 7 4.", "7"), ("Статья 5.1 2.", "5.1"), ("ст. 6 ч. 1", "6"),
    ("المادة (12) 2-", "12"), ("المادة (1), ج-", "1"), ("المادة ٥", "5"), ("المادة الخامسة", "5"),
    ("第四条（一）", "4"), ("第四条 （一）", "4"), ("第一百零三条", "103"), ("第十二条", "12"),
])
def test_provision_labels_normalise_to_the_top_level_number(label: str, expected: str) -> None:
    assert normalise_provision(label) == expected


def test_labels_without_a_number_never_match_each_other() -> None:
    assert not provisions_match(["附则"], ["总则"])
    assert provisions_match(["第四条"], ["第四条 （一）"])
    assert not provisions_match(["第四条"], ["第五条"])


@pytest.mark.parametrize(("gold", "tool", "match"), [
    (["58.1(1)(b)"], ["58.1"], True),
    (["Article L313-3, al. 2"], ["L313-3"], True),
    (["Art. 7 bis"], ["7bis", "Art. 7"], True),
    (["L. 101-2"], ["Article L. 101-2, al. 1 1°"], True),
    (["2° a)"], ["Artículo 2° a)"], True),
    (["58(1)"], ["58.1(1)"], False),
    (["Art. 7 bis"], ["Art. 7"], False),
    (["L. 101-2"], ["R. 101-2"], False),
    (["10"], [], False),
])
def test_provisions_match(gold: list[str], tool: list[str], match: bool) -> None:
    assert provisions_match(gold, tool) is match


# --- gold files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GOLD_FILES, ids=[p.name for p in GOLD_FILES])
def test_annotation_file_is_valid(path: Path) -> None:
    annotation = load_annotation(path)  # strict schema and known obligation ids
    assert annotation.document == path.stem
    ids = list(annotation.findings)
    assert ids == [i for i in CHECKLIST_IDS if i in annotation.findings], "checklist order"
    if path.parent.name == "samples":
        assert ids == CHECKLIST_IDS, "samples are annotated in full"
    else:
        assert len(ids) >= 40
    source = resolve_source(annotation.source, ROOTS)
    if annotation.source.startswith("repo:"):
        assert source.is_file()
    if source.is_file():
        assert hashlib.sha256(source.read_bytes()).hexdigest() == annotation.sha256
    else:
        pytest.skip(f"{source} not present")


def test_dev_annotations_cover_the_required_laws() -> None:
    dev = {p.stem for p in (ANNOTATIONS / "dev").glob("*.yaml")}
    assert dev >= {"ca-firearms-act-en", "ca-loi-armes-a-feu-fr", "us-18usc-ch44",
                   "fr-csi-armes-legislatif", "pe-ley-30299", "ar-ley-20429",
                   "cz-firearms-act-en", "int-firearms-protocol-en", "int-untoc-en"}


def test_no_held_out_law_is_annotated() -> None:
    index = SHARED / "corpora" / "real" / "INDEX.md"
    if not index.is_file():
        pytest.skip("shared corpus not present")
    held_out = {line.split("|")[1].strip() for line in index.read_text().splitlines()
                if line.rstrip().endswith("| held-out |")}
    assert held_out
    annotated = {load_annotation(p).document for p in GOLD_FILES}
    assert not annotated & held_out


def write_annotation(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load((ANNOTATIONS / "samples" / "en-weak-arms-act.yaml").read_text())
    data.update(changes)
    path = tmp_path / "en-weak-arms-act.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes", [
    pytest.param({"reviewer": "x"}, id="unknown-key"),
    pytest.param({"sha256": "abc"}, id="bad-hash"),
    pytest.param({"source": "/etc/passwd"}, id="bad-source"),
    pytest.param({"findings": {"fp.no-such-obligation": {"status": "met"}}}, id="unknown-id"),
    pytest.param({"findings": {"fp.art7.record-retention-10y": {"status": "unclear"}}},
                 id="unclear-is-not-gold"),
    pytest.param({"findings": {"fp.art7.record-retention-10y": {"status": "missing",
                                                              "provisions": ["6"]}}},
                 id="missing-with-provisions"),
    pytest.param({"findings": {"fp.art7.record-retention-10y": {"status": "met", "x": 1}}},
                 id="unknown-finding-key"),
    pytest.param({"findings": {}}, id="no-findings"),
])
def test_invalid_annotations_are_rejected(tmp_path: Path, changes: dict[str, object]) -> None:
    with pytest.raises(AnnotationError):
        load_annotation(write_annotation(tmp_path, **changes))


# --- mutations ----------------------------------------------------------------------------------


def mutation_cases() -> list[object]:
    cases = []
    for path in sorted(MUTATIONS.glob("*.yaml")):
        for index, mutation in enumerate(load_mutations(path)):
            cases.append(pytest.param(mutation, id=f"{path.stem}-{index}-{mutation.document}"))
    return cases


ANNOTATED = {load_annotation(p).document: load_annotation(p) for p in GOLD_FILES}


def test_there_are_enough_mutations() -> None:
    assert len(mutation_cases()) >= 25


@pytest.mark.parametrize("mutation", mutation_cases())
def test_mutation_edits_one_place_of_an_annotated_text(mutation) -> None:  # type: ignore[no-untyped-def]
    annotation = ANNOTATED[mutation.document]
    assert mutation.obligation in CHECKLIST_IDS
    assert annotation.findings[mutation.obligation].status != "missing", "nothing to lower"
    source = resolve_source(annotation.source, ROOTS)
    if not source.is_file():
        pytest.skip(f"{source} not present")
    text = source.read_text(encoding="utf-8")
    assert text.count(mutation.find) == 1
    assert apply_mutation(text, mutation) != text


def test_apply_mutation_refuses_ambiguous_or_absent_text() -> None:
    mutation = load_mutations(MUTATIONS / "samples.yaml")[0]
    assert apply_mutation(mutation.find * 2, mutation) is None
    assert apply_mutation("nothing here", mutation) is None


# --- evaluations --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples() -> EvalResult:
    return evaluate(ANNOTATIONS / "samples", corpus_roots=ROOTS,
                    mutations=MUTATIONS / "samples.yaml")


def test_samples_meet_their_guards(samples: EvalResult) -> None:
    assert samples.warnings == ()
    files = annotation_files(ANNOTATIONS / "samples")
    assert len(files) == len(list((ROOT / "corpora" / "samples").glob("*/text.md")))
    assert samples.skipped == 0 and samples.overall.n == len(files) * 99
    guards = check_thresholds(samples, load_thresholds(ANNOTATIONS / "thresholds-samples.yaml"))
    failed = [f"{g.path}: {g.value} vs {g.bound} {g.limit}" for g in guards if not g.ok]
    assert not failed, failed


def test_samples_result_is_consistent(samples: EvalResult) -> None:
    assert set(samples.by_language) == {"en", "es", "fr", "pt", "ar", "ru", "zh"}
    assert sum(m.n for m in samples.by_category.values()) == samples.overall.n
    assert samples.mutations is not None and samples.mutations.applied == samples.mutations.total
    data = json.loads(samples.model_dump_json())
    assert data["overall"]["detection"]["f1"] == samples.overall.detection.f1
    for r in samples.rows:
        assert (r.evidence_hit is None) == (r.gold == "missing" or not r.gold_provisions)


def test_changed_file_is_skipped_with_a_coded_warning(tmp_path: Path) -> None:
    law = tmp_path / "corpora" / "samples" / "en-weak-arms-act" / "text.md"
    law.parent.mkdir(parents=True)
    original = (ROOT / "corpora" / "samples" / "en-weak-arms-act" / "text.md").read_text()
    law.write_text(original.replace("five (5) years", "ten (10) years"), encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    write_annotation(gold)
    result = evaluate(gold, corpus_roots={"repo": tmp_path, "shared": tmp_path})
    assert [w.code for w in result.warnings] == [EvalCode.SHA_MISMATCH]
    assert result.skipped == 1 and result.overall.n == 0


def test_missing_source_is_skipped_with_a_coded_warning(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    write_annotation(gold, source="shared:real/nowhere/text.md")
    result = evaluate(gold, corpus_roots={"repo": ROOT, "shared": tmp_path})
    assert [w.code for w in result.warnings] == [EvalCode.SOURCE_MISSING]


def command_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(eval_command)
    return app


def test_eval_command_writes_json_and_fails_a_guard(tmp_path: Path) -> None:
    gold = ANNOTATIONS / "samples" / "en-weak-arms-act.yaml"
    guards = tmp_path / "guards.yaml"
    guards.write_text("min:\n  overall.detection.f1: 0.0\nmax:\n  skipped: 0\n")
    out = tmp_path / "eval.json"
    runner = CliRunner()
    ok = runner.invoke(command_app(), [str(gold), "--json-out", str(out),
                                       "--thresholds", str(guards)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(out.read_text())["overall"]["n"] == 99
    assert "| **overall** | 99 |" in ok.output
    guards.write_text("min:\n  overall.detection.f1: 1.01\n")
    failing = runner.invoke(command_app(), [str(gold), "--thresholds", str(guards)])
    assert failing.exit_code == 1
    guards.write_text("min:\n  overall.no.such.figure: 0.5\n")
    usage = runner.invoke(command_app(), [str(gold), "--thresholds", str(guards)])
    assert usage.exit_code == 2


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_PRESENT, reason="shared corpus not present")
def test_dev_laws_meet_their_guards() -> None:
    result = evaluate(ANNOTATIONS / "dev", corpus_roots=ROOTS, mutations=MUTATIONS / "dev.yaml")
    assert result.warnings == ()
    assert "ca-loi-armes-a-feu-fr" in result.agreement
    guards = check_thresholds(result, load_thresholds(ANNOTATIONS / "thresholds-dev.yaml"))
    failed = [f"{g.path}: {g.value} vs {g.bound} {g.limit}" for g in guards if not g.ok]
    assert not failed, failed
