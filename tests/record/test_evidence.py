"""Evidence packages, through the CLI: ``vigil evidence REF --matter … -o DIR`` writes a BagIt bag the ``bagit``
library validates, sealed and anchored to a checkpoint; ``vigil evidence verify DIR`` passes on it and fails, naming
the file, once any byte of any file changes; the parties' personal data leaves only with the flag, for members; every
export is in the audit log and the package's custody log."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from sqlalchemy import select

from incidents import timeline
from incidents.context import Domain
from incidents.enums import Tier
from incidents.models import Action, AuditEvent
from incidents.parties.models import PartyRole
from incidents.parties.service import add_party
from incidents.queries import incident_to_show
from incidents.record.evidence import check
from incidents.record.merkle import inclusion_paths, leaf_hash, root_of
from incidents.reviews import ReviewFields, update_review
from incidents.timesource import ManualTime
from tests.helpers import declared_ref
from tests.record.conftest import Run, incident_with_history

MATTER = "Doe v. Platform"
PERSONAL = ("Jane Doe", "jane@example.org", "@janedoe")


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("vigil: ") and "Traceback" not in err


def with_a_party(domain: Domain, ref: str) -> None:
    """A reporter, named in a note and in the review, and an action tracked in Jira."""
    with domain.unit() as ctx:
        add_party(ctx, ref, actor="U_ALICE", role=PartyRole.REPORTER, name="Jane Doe", contact="jane@example.org",
                  handle="janedoe")  # fmt: skip
        timeline.add_note(ctx, ref, actor="U_ALICE", text="Jane Doe called again from jane@example.org (@janedoe).")
        update_review(ctx, ref, ReviewFields(executive_summary="Jane Doe reported the threat first."), actor="U_ALICE")
        ctx.session.add(
            Action(
                incident=incident_to_show(ctx, ref),
                title="Route threat reports to the priority queue",
                description="",
                priority="medium",
                category="prevent",
                status="open",
                created_by="U_ALICE",
                created_at=ctx.now(),
                updated_at=ctx.now(),
                tracker_key="SAFE-1042",
                tracker_url="https://jira.example.com/browse/SAFE-1042",
                sync_state="synced",
            )
        )


def exported(vigil: Run, ref: str, to: Path, *options: str, actor: str = "U_ALICE") -> str:
    code, out, err = vigil("--as", actor, "evidence", ref, "--matter", MATTER, "-o", str(to), *options)
    assert (code, err) == (0, ""), err
    return out


def files_of(package: Path) -> list[str]:
    return sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())


def text_of(package: Path) -> str:
    return "\n".join((package / path).read_text(encoding="utf-8") for path in files_of(package))


@pytest.fixture
def package(domain: Domain, time_source: ManualTime, vigil: Run, tmp_path: Path) -> Path:
    ref = incident_with_history(domain, time_source)
    with_a_party(domain, ref)
    code, _out, err = vigil("clock", "satisfy", ref, "--regime", "eu_dsa_art18", "--reference", "EUROPOL-2026-114")
    assert code == 0, err
    out = exported(vigil, ref, tmp_path / "package")
    assert out.startswith(f"Wrote the evidence package of {ref} for {MATTER} to {tmp_path / 'package'}: ")
    assert "without the parties' personal data" in out and "vigil evidence verify" in out
    return tmp_path / "package"


def test_the_package_is_a_valid_bag_that_verifies_with_nothing_but_itself(package: Path, vigil: Run) -> None:
    assert bagit.Bag(str(package)).validate()
    assert files_of(package) == [
        "README.txt",
        "bag-info.txt",
        "bagit.txt",
        "data/actions.json",
        "data/audit.json",
        "data/chain-of-custody.txt",
        "data/clocks.json",
        "data/incident.json",
        "data/people.json",
        "data/record/checkpoint.json",
        "data/record/checkpoint.sig",
        "data/record/leaves.jsonl",
        "data/record/proofs.json",
        "data/record/public-key.pem",
        "data/record/verification.txt",
        "data/reviews/leadership.html",
        "data/reviews/leadership.md",
        "data/reviews/team.html",
        "data/reviews/team.md",
        "data/timeline.json",
        "manifest-sha256.txt",
        "seal.json",
        "seal.sig",
        "tagmanifest-sha256.txt",
    ]
    code, out, _err = vigil("evidence", "verify", str(package))
    assert code == 0, out
    summary, trust = out.splitlines()
    assert summary.startswith("Package verified: 24 files as sealed and as listed; ")
    assert " record entries of INC-" in summary and ", signed by key " in summary
    assert trust.startswith("Trust it once key ")

    data = package / "data"
    assert [(a["jira_key"], a["jira_url"]) for a in json.loads((data / "actions.json").read_text())] == [
        ("SAFE-1042", "https://jira.example.com/browse/SAFE-1042")
    ]
    clocks = json.loads((data / "clocks.json").read_text())
    assert {(c["regime"], c["reference_id"]) for c in clocks} >= {("eu_dsa_art18", "EUROPOL-2026-114")}
    notes = [e["text"] for e in json.loads((data / "timeline.json").read_text()) if e["kind"] == "note"]
    assert "Police informed, case 4471." in notes
    assert (data / "record" / "verification.txt").read_text().startswith("Record verified at checkpoint #")
    assert "Jane Doe reported" not in (data / "reviews" / "team.md").read_text()
    assert "Reporter reported the threat first." in (data / "reviews" / "team.md").read_text()


def test_the_checker_runs_alone_on_the_standard_library_and_cryptography(package: Path, tmp_path: Path) -> None:
    tree = ast.parse(Path(check.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]  # type: ignore[union-attr]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - sys.stdlib_module_names == {"cryptography"}
    alone = tmp_path / "alone" / "check.py"
    alone.parent.mkdir()
    shutil.copy(check.__file__, alone)
    done = subprocess.run(
        [sys.executable, "-I", str(alone), str(package)], cwd=alone.parent, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert done.stdout.startswith("Package verified: ")


def test_the_checker_hashes_trees_and_proofs_as_the_record_does() -> None:
    for size in range(1, 70):
        hashed = [leaf_hash(str(n).encode()) for n in range(size)]
        root, paths = inclusion_paths(hashed)
        assert root == root_of(hashed) == check.merkle_root(hashed)
        assert all(check.root_from_proof(i, size, hashed[i], path) == root for i, path in enumerate(paths))
        assert size == 1 or check.root_from_proof(1, size, hashed[0], paths[0]) != root


def _readme_steps(package: Path) -> str:
    """The README's verification steps, as one script."""
    readme = (package / "README.txt").read_text().split("HOW TO VERIFY IT WITHOUT VIGIL", 1)[1]
    return "\n".join(line[4:] for line in readme.splitlines() if line.startswith("    "))


def test_the_readme_steps_verify_the_package_without_vigil(package: Path) -> None:
    steps = _readme_steps(package)
    assert "import incidents" not in steps and "vigil" not in steps
    done = subprocess.run([sys.executable, "-I", "-c", steps], cwd=package, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    leaves = package / "data" / "record" / "leaves.jsonl"
    leaves.write_bytes(leaves.read_bytes().replace(b'"op":"put"', b'"op":"del"', 1))
    done = subprocess.run([sys.executable, "-I", "-c", steps], cwd=package, capture_output=True, text=True)
    assert done.returncode == 1 and "AssertionError: data/record/leaves.jsonl" in done.stderr


def _one_byte_changed(path: Path) -> None:
    """One byte in the middle of the file changed to another printable one (a hex digit stays a hex digit)."""
    data = bytearray(path.read_bytes())
    at = next(i for i in range(len(data) // 2, len(data)) if chr(data[i]).isalnum())
    data[at] = ord("1") if data[at] != ord("1") else ord("2")
    path.write_bytes(bytes(data))


def test_one_changed_byte_in_any_file_fails_verification_naming_the_file(
    package: Path, vigil: Run, tmp_path: Path
) -> None:
    kinds = {Path(path).suffix or path for path in files_of(package)}
    assert kinds == {".txt", ".json", ".jsonl", ".sig", ".pem", ".html", ".md"}
    for path in files_of(package):
        altered = tmp_path / "altered"
        shutil.copytree(package, altered)
        _one_byte_changed(altered / path)
        code, out, _err = vigil("evidence", "verify", str(altered))
        named = [line for line in out.splitlines() if path in line.split(": ", 1)[0].split(", ")]
        assert code == 1 and named, (path, out)
        assert out.splitlines()[-1].startswith("Package NOT verified: "), out
        shutil.rmtree(altered)


def test_a_package_rewritten_with_fresh_manifests_still_fails_on_its_seal(package: Path, vigil: Run) -> None:
    timeline_json = package / "data" / "timeline.json"
    timeline_json.write_text(timeline_json.read_text().replace("Police informed, case 4471.", "Nobody was told."))
    bag = bagit.Bag(str(package))
    bag.save(manifests=True)
    assert bag.validate()
    code, out, _err = vigil("evidence", "verify", str(package))
    assert code == 1
    assert out.splitlines()[:-1] == [
        "bag-info.txt: altered since Vigil sealed the package (its SHA-256 is not the sealed one).",
        "data/timeline.json: altered since Vigil sealed the package (its SHA-256 is not the sealed one).",
        "manifest-sha256.txt: altered since Vigil sealed the package (its SHA-256 is not the sealed one).",
        "tagmanifest-sha256.txt: altered since Vigil sealed the package (its SHA-256 is not the sealed one).",
    ]


def test_a_restricted_incident_leaves_without_personal_data_unless_a_member_asks(
    domain: Domain, vigil: Run, tmp_path: Path
) -> None:
    ref = declared_ref(domain, tier=Tier.RESTRICTED)
    with_a_party(domain, ref)

    exported(vigil, ref, tmp_path / "member")
    shown = text_of(tmp_path / "member")
    assert not [found for found in PERSONAL if found.casefold() in shown.casefold()]
    assert "Reporter called again from Reporter (Reporter)." in shown
    assert not (tmp_path / "member" / "data" / "parties.json").exists()

    exported(vigil, ref, tmp_path / "operator", actor="U_OTHER")
    assert not [found for found in PERSONAL if found.casefold() in text_of(tmp_path / "operator").casefold()]
    assert [p for p in files_of(tmp_path / "operator") if "/reviews/" in p] == [
        "data/reviews/leadership.html",
        "data/reviews/leadership.md",
    ]
    code, _out, err = vigil(
        "--as", "U_OTHER", "evidence", ref, "--matter", MATTER, "-o", str(tmp_path / "no"), "--include-personal-data"
    )
    assert code == 1 and one_line(err) and "Only members of" in err
    assert not (tmp_path / "no").exists()

    exported(vigil, ref, tmp_path / "full", "--include-personal-data")
    parties = json.loads((tmp_path / "full" / "data" / "parties.json").read_text())
    assert [(p["token"], p["name"], p["contact"], p["handle"]) for p in parties] == [
        ("Reporter", "Jane Doe", "jane@example.org", "janedoe")
    ]
    assert "Jane Doe called again from jane@example.org" in (tmp_path / "full" / "data" / "timeline.json").read_text()
    code, out, _err = vigil("evidence", "verify", str(tmp_path / "full"))
    assert code == 0, out


def test_every_export_is_audited_and_in_the_custody_log(domain: Domain, vigil: Run, tmp_path: Path) -> None:
    ref = declared_ref(domain)
    with_a_party(domain, ref)
    exported(vigil, ref, tmp_path / "first")
    exported(vigil, ref, tmp_path / "second", "--include-personal-data", actor="U_ALICE")
    with domain.unit() as ctx:
        events = ctx.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["evidence.export", "party.view"])).order_by(AuditEvent.id)
        ).all()
        both = ["team", "leadership"]
        assert [(e.action, e.actor, e.details) for e in events] == [
            ("evidence.export", "U_ALICE", {"matter": MATTER, "personal_data": False, "reviews": both}),
            ("party.view", "U_ALICE", {"parties": 1}),
            ("evidence.export", "U_ALICE", {"matter": MATTER, "personal_data": True, "reviews": both}),
        ]
    custody = (tmp_path / "second" / "data" / "chain-of-custody.txt").read_text().splitlines()
    assert [line.split(": ", 1)[1] for line in custody[2:]] == [
        f"exported by U_ALICE (U_ALICE) for the matter {MATTER!r}; reviews: team, leadership; without the parties' "
        "personal data.",
        f"exported by U_ALICE (U_ALICE) for the matter {MATTER!r}; reviews: team, leadership; with the parties' "
        "personal data.",
    ]
    audit = json.loads((tmp_path / "second" / "data" / "audit.json").read_text())
    assert [e["action"] for e in audit].count("evidence.export") == 2
    code, out, _err = vigil("verify", ref)
    assert code == 0, out


def test_mistakes_are_one_line(domain: Domain, vigil: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = declared_ref(domain)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    cases = {
        ("evidence", "INC-2020-0999", "--matter", MATTER, "-o", str(tmp_path / "a")): "No incident 'INC-2020-0999'",
        ("evidence", ref, "--matter", MATTER, "-o", str(tmp_path / "full")): "exists and is not empty",
        ("evidence", ref, "-o", str(tmp_path / "a")): "for which matter",
        ("evidence", "verify", str(tmp_path / "nothing")): "No evidence package at",
    }
    for argv, said in cases.items():
        code, out, err = vigil(*argv)
        assert (code, out) == (1, "") and one_line(err) and said in err, (argv, err)
    monkeypatch.delenv("VIGIL_RECORD_SIGNING_KEY")
    code, _out, err = vigil("evidence", ref, "--matter", MATTER, "-o", str(tmp_path / "a"))
    assert code == 1 and one_line(err) and "VIGIL_RECORD_SIGNING_KEY_FILE" in err
    assert not (tmp_path / "a").exists()
