"""pip-audit over the pinned dependencies installed in .venv (from pyproject.toml).

Fails (exit 1) on a known vulnerability unless scripts/pip-audit-ignore.txt lists its advisory
id with the reason. When the vulnerability service cannot be reached from this machine (no
dependency could be looked up) it prints a SKIPPED line and passes: nothing was audited.

    .venv/bin/python scripts/audit.py
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def ignored() -> list[str]:
    lines = (ROOT / "scripts" / "pip-audit-ignore.txt").read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")]


def main() -> int:
    command = [str(ROOT / ".venv" / "bin" / "pip-audit"), "--local", "--skip-editable", "--progress-spinner", "off",
               "--format", "json"]
    for vuln in ignored():
        command += ["--ignore-vuln", vuln]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print("pip-audit: SKIPPED - the vulnerability service could not be reached; nothing was audited")
        print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "", file=sys.stderr)
        return 0
    deps = [d for d in report.get("dependencies", []) if "distribution marked as editable" not in d.get("skip_reason", "")]
    audited = [d for d in deps if "skip_reason" not in d]
    if deps and not audited:
        print(f"pip-audit: SKIPPED - the vulnerability service knows none of the {len(deps)} dependencies "
              "(unreachable from this machine); nothing was audited")
        return 0
    found = [(d["name"], d["version"], v["id"], ",".join(v.get("fix_versions", []))) for d in audited
             for v in d.get("vulns", [])]
    for name, version, vuln, fixed in found:
        print(f"pip-audit: {name} {version}: {vuln} (fixed in: {fixed or 'no release yet'})")
    unaudited = [d["name"] for d in deps if "skip_reason" in d]
    if unaudited:
        print(f"pip-audit: not audited (unknown to the service): {', '.join(unaudited)}")
    if found:
        print("pip-audit: known vulnerabilities above: upgrade the pin, or review and list them in "
              "scripts/pip-audit-ignore.txt with the reason")
        return 1
    print(f"pip-audit: {len(audited)} dependencies audited, no known vulnerability")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
