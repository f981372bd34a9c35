"""The サインイン list kept on this PC: what the next start opens サインイン from, before the database."""

from __future__ import annotations

import json
import pathlib

from desktop.config import LocalSettings
from desktop.domain.clinic import StaffRole
from desktop.services import sign_in_list
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.sign_in_list import KeptStaff, SignInList

STAFF = (KeptStaff(1, "院長 桜井", StaffRole.MANAGER, True), KeptStaff(2, "受付 佐々木", StaffRole.STAFF, False))


def test_the_list_shown_is_what_the_next_start_opens_with(tmp_path: pathlib.Path) -> None:
    demo = LocalSettings(workspace="demo")
    sign_in_list.save(tmp_path, demo, SignInList("さくら内科", STAFF, DEMO_ACCOUNTS))
    assert sign_in_list.load(tmp_path, demo) == SignInList("さくら内科", STAFF, DEMO_ACCOUNTS)
    assert sign_in_list.load(tmp_path, LocalSettings(workspace="demo", language="en")) is not None


def test_each_database_has_its_own_list(tmp_path: pathlib.Path) -> None:
    clinic = LocalSettings(workspace="clinic")
    sign_in_list.save(tmp_path, clinic, SignInList("本院", STAFF))
    sign_in_list.save(tmp_path, LocalSettings(workspace="demo"), SignInList("デモ", STAFF))
    assert sign_in_list.load(tmp_path, clinic).clinic_name == "本院"  # type: ignore[union-attr]
    assert sign_in_list.load(tmp_path, LocalSettings(workspace="demo")).clinic_name == "デモ"  # type: ignore[union-attr]
    # the same PC moved to a PostgreSQL server: the SQLite file's list is not shown for it
    server = LocalSettings(workspace="clinic", database_url="postgresql+psycopg://desk:s3cret@db.local/clinic")
    assert sign_in_list.load(tmp_path, server) is None
    sign_in_list.save(tmp_path, server, SignInList("本院", STAFF))
    assert "s3cret" not in (tmp_path / sign_in_list.SIGN_IN_LIST_FILE).read_text(encoding="utf-8")


def test_no_list_on_a_first_run_or_when_nobody_can_sign_in_with_it(tmp_path: pathlib.Path) -> None:
    first_run = LocalSettings(workspace="")
    sign_in_list.save(tmp_path, LocalSettings(workspace="clinic"), SignInList("本院", STAFF))
    assert sign_in_list.load(tmp_path, first_run) is None
    nobody = tuple(KeptStaff(a.id, a.name, a.role, False) for a in STAFF)  # the first password is still to set
    sign_in_list.save(tmp_path, LocalSettings(workspace="clinic"), SignInList("本院", nobody))
    assert sign_in_list.load(tmp_path, LocalSettings(workspace="clinic")) is None


def test_a_damaged_file_is_ignored_and_then_replaced(tmp_path: pathlib.Path) -> None:
    path = tmp_path / sign_in_list.SIGN_IN_LIST_FILE
    clinic = LocalSettings(workspace="clinic")
    for damaged in ("{not json", "[]", json.dumps({sign_in_list.database_key(clinic): {"clinic_name": "本院",
                                                   "accounts": [{"id": "x", "name": "A", "role": "staff"}]}}),
                    json.dumps({sign_in_list.database_key(clinic): {"clinic_name": "本院",
                                "accounts": [{"id": 1, "name": "A", "role": "owner", "has_password": True}]}})):
        path.write_text(damaged, encoding="utf-8")
        assert sign_in_list.load(tmp_path, clinic) is None
        sign_in_list.save(tmp_path, clinic, SignInList("本院", STAFF))
        assert sign_in_list.load(tmp_path, clinic) == SignInList("本院", STAFF)


def test_the_file_holds_no_secret_of_the_clinic(tmp_path: pathlib.Path) -> None:
    sign_in_list.save(tmp_path, LocalSettings(workspace="clinic"), SignInList("本院", STAFF))
    kept = json.loads((tmp_path / sign_in_list.SIGN_IN_LIST_FILE).read_text(encoding="utf-8"))
    (entry,) = kept.values()
    assert entry["demo"] == []
    assert {key for a in entry["accounts"] for key in a} == {"id", "name", "role", "has_password"}


def test_an_unchanged_list_is_not_written_again(tmp_path: pathlib.Path) -> None:
    clinic = LocalSettings(workspace="clinic")
    sign_in_list.save(tmp_path, clinic, SignInList("本院", STAFF))
    path = tmp_path / sign_in_list.SIGN_IN_LIST_FILE
    first = path.stat().st_ino  # a write replaces the file: a new inode
    sign_in_list.save(tmp_path, clinic, SignInList("本院", STAFF))  # the next start shows the same list
    assert path.stat().st_ino == first
    sign_in_list.save(tmp_path, clinic, SignInList("本院（新）", STAFF))
    assert path.stat().st_ino != first
    assert sign_in_list.load(tmp_path, clinic).clinic_name == "本院（新）"  # type: ignore[union-attr]
