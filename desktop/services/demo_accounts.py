"""The トレーニング (デモ) staff accounts: one per role, with the password and PIN shown on the sign-in screen."""

from __future__ import annotations

import dataclasses

from desktop.domain.clinic import StaffRole


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    """A トレーニング account, shown with its password and PIN on the sign-in screen of the デモ clinic."""

    name: str
    role: StaffRole
    password: str
    pin: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("院長 桜井", StaffRole.MANAGER, "demo-kanrisha", "1111"),
    DemoAccount("受付 佐々木", StaffRole.STAFF, "demo-uketsuke", "2222"),
    DemoAccount("経理 田村", StaffRole.ACCOUNTANT, "demo-keiri-2026", "3333"),
)
