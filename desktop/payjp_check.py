"""``python -m desktop check-payjp``: the contract cases against PAY.JP test mode, for operators.

Runs the same cases as ``tests/contract`` (which CI runs against the simulator) with the
clinic's テスト secret key from this PC's keyring, and prints one line per case (✓ or ✗ with
PAY.JP's answer). A live key (``sk_live_…``) is refused before anything is sent: the cases
create charges and tenants.

    python -m desktop check-payjp                  PAY.JP test mode, the keyring's テスト key
    python -m desktop check-payjp --simulator      a simulator started for the run (CI)
    python -m desktop check-payjp --api-base URL   another base URL (e.g. a running simulator)

``CLINICPAY_PAYJP_API_BASE`` is read like ``--api-base``. Exit status: 0 all passed, 1 a case
failed, 2 the run could not start (no key, a live key, no contract cases in this install).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

PAYJP_API_BASE = "https://api.pay.jp"


def contract_dir() -> pathlib.Path | None:
    """The contract cases next to the package (a source install); None when not installed."""
    found = pathlib.Path(__file__).resolve().parent.parent / "tests" / "contract"
    return found if (found / "conftest.py").exists() else None


def refuse_key(secret_key: str) -> str | None:
    """Why ``secret_key`` may not run the cases (a message in Japanese and English), or None."""
    if not secret_key:
        return ("テストモードのシークレットキーがこの端末に登録されていません。決済会社設定で登録してください。\n"
                "No test secret key is stored on this PC. Enter it in the payment-company settings.")
    if secret_key.startswith("sk_live_"):
        return ("本番用のシークレットキーでは実行できません（テスト決済とテナントを作成するため）。\n"
                "Refused: this is a live secret key. The cases create charges and tenants; use a test key.")
    if not secret_key.startswith("sk_test_"):
        return ("シークレットキーの形式が正しくありません（sk_test_ で始まるキー）。\n"
                "The secret key is malformed (a test key starts with sk_test_).")
    return None


class _Report:
    """A pytest plugin: one line per case as it finishes."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.failed += 1
            print(f"✗ {report.nodeid}: {str(report.longrepr).strip().splitlines()[-1]}", file=self.out)

    def pytest_runtest_logreport(self, report: Any) -> None:
        name = report.nodeid.split("tests/contract/")[-1]
        if report.when == "call" and report.passed:
            self.passed += 1
            print(f"✓ {name}", file=self.out)
        elif report.failed:
            self.failed += 1
            reason = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
            print(f"✗ {name}: {reason[-1] if reason else report.when}", file=self.out)
        elif report.skipped and report.when in ("setup", "call"):
            self.skipped += 1
            print(f"- {name} (skipped)", file=self.out)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_cases(api_base: str, secret_key: str, out: TextIO = sys.stdout) -> int:
    """Run the contract cases against ``api_base`` with ``secret_key``; print the report; exit status."""
    refusal = refuse_key(secret_key)
    if refusal:
        print(refusal, file=out)
        return 2
    cases = contract_dir()
    if cases is None:
        print("このインストールには契約テストが含まれていません（ソースから実行してください）。\n"
              "This install carries no contract cases (run from a source checkout).", file=out)
        return 2
    try:
        import pytest
    except ImportError:
        print("このインストールには契約テストの実行環境（pytest）がありません（ソースから実行してください）。\n"
              "This install cannot run the contract cases (no pytest; run from a source checkout).", file=out)
        return 2

    report = _Report(out)
    print(f"PAY.JP: {api_base}", file=out)
    with _environment({"PAYJP_TEST_SECRET_KEY": secret_key, "PAYJP_API_BASE": api_base}):
        status = pytest.main([str(cases), "-p", "no:cacheprovider", "-p", "no:terminal", "-o", "addopts=",
                              "-W", "ignore"], plugins=[report])
    print(f"合格 / passed: {report.passed}  失敗 / failed: {report.failed}  対象外 / skipped: {report.skipped}",
          file=out)
    return 0 if status == 0 and report.failed == 0 else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop check-payjp",
                                     description="Run the PAY.JP contract cases in test mode.")
    parser.add_argument("--simulator", action="store_true", help="start a simulator and run against it (CI)")
    parser.add_argument("--api-base", default=os.environ.get("CLINICPAY_PAYJP_API_BASE", ""),
                        help="PAY.JP's API base URL (default https://api.pay.jp)")
    args = parser.parse_args(argv)
    if args.simulator:
        from desktop.simulator.testing import running_simulator

        with running_simulator() as sim:
            return run_cases(sim.base_url, sim.secret_key)
    from desktop.services.secrets import KeyringSecretStore, payjp_secret_name

    key = KeyringSecretStore().get(payjp_secret_name("test")) or ""
    return run_cases(args.api_base or PAYJP_API_BASE, key)
