"""照合 with PAY.JP: how fast ClinicPay compares a clinic's charges, PAY.JP's pacing left out.

    python benchmarks/reconcile.py [--charges 5000]

A SQLite clinic, the PAY.JP simulator holding ``--charges`` charges of the tenant made outside
ClinicPay (the worst case: each one becomes a difference row). One 照合 runs with no pause between
pages. Prints one JSON line: charges, pages,
seconds, ms_per_page, charges_per_second, and ``payjp_test_pace_s`` — the time PAY.JP's test-mode
limit (2 requests/s) alone would take for the same pages. Goal: ms_per_page well below the 500 ms
PAY.JP's pace allows (measured: about 50 ms on a 2-core PC), so a run is bounded by PAY.JP, not by ClinicPay.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from desktop.services.billing import BillingService  # noqa: E402
from desktop.services.billing import payjp_reconciliation as recon  # noqa: E402
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway  # noqa: E402
from desktop.simulator.testing import make_test_token, running_simulator  # noqa: E402
from desktop.storage import migrate  # noqa: E402
from desktop.storage.db import create_db_engine, sqlite_url  # noqa: E402
from desktop.storage.unit_of_work import Database  # noqa: E402
from tests.integration.seed import SEED_TENANT, seed_front_desk  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charges", type=int, default=5000)
    args = parser.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="reconcile-"))
    engine = create_db_engine(sqlite_url(tmp / "clinicpay.db"))
    migrate.upgrade(engine)
    db = Database(engine)
    with running_simulator() as sim:
        gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key, timeout=10.0))
        gateway.create_tenant(tenant_id=SEED_TENANT, name="やまだ内科クリニック", platform_fee_rate="1.00", metadata={})
        front = seed_front_desk(db, public_key=sim.public_key)
        now = dt.datetime.now(dt.timezone.utc)
        billing = BillingService(db, lambda clinic: gateway, clock=lambda: now + dt.timedelta(minutes=2),
                                 page_interval=0)
        model = gateway.create_charge(amount=1000, attempt_id="att_model", request_id=0,
                                      card=make_test_token(sim.base_url, sim.secret_key), tenant=SEED_TENANT)
        with sim.state.transaction() as data:  # copies of one real charge, spread over 180 days
            template = data["charges"][model.id]
            for i in range(args.charges):
                charge = copy.deepcopy(template)
                charge["id"] = f"ch_bench{i:08d}"
                charge["created"] = int(now.timestamp()) - (i * 3000) % (179 * 86400)
                charge["metadata"] = {}
                data["charges"][charge["id"]] = charge
        started = time.perf_counter()
        report = billing.payjp_reconciliation.run(front.manager, front.clinic_id)
        seconds = time.perf_counter() - started
    pages = -(-report.charges // recon.PAGE_SIZE)
    print(json.dumps({
        "benchmark": "reconcile", "charges": report.charges, "pages": pages, "seconds": round(seconds, 2),
        "ms_per_page": round(1000 * seconds / max(pages, 1), 1),
        "charges_per_second": round(report.charges / seconds, 1), "open_differences": report.open_differences,
        "payjp_test_pace_s": round(pages / 2, 1),
    }))
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
