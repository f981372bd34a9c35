"""Clinic-side enumerations: payment mode, tenant review, menus, reservations, staff, mail."""

from __future__ import annotations

import enum
from typing import Protocol


class PaymentMode(str, enum.Enum):
    DEMO = "demo"  # built-in PAY.JP simulator
    TEST = "test"  # PAY.JP test keys
    LIVE = "live"  # PAY.JP live keys


class ReviewStatus(str, enum.Enum):
    """審査状況 of the clinic's PAY.JP tenant."""

    NOT_APPLIED = "not_applied"  # 未申請
    RECEIVED = "received"  # 依頼受付済み
    IN_REVIEW = "in_review"  # 審査中
    APPROVED = "approved"  # 承認
    DECLINED = "declined"  # 否認


class CareType(str, enum.Enum):
    """診療種別."""

    WITHOUT_INSURANCE = "without_insurance"  # 保険診療含まない
    WITH_INSURANCE = "with_insurance"  # 保険診療含む


class PaymentTiming(str, enum.Enum):
    """決済タイミング."""

    PRE_AND_POST = "pre_and_post"  # 事前決済+後決済
    PRE = "pre"  # 事前決済
    POST = "post"  # 後決済


class _CardPaymentTerms(Protocol):
    @property
    def card_payment(self) -> bool: ...

    @property
    def payment_timing(self) -> PaymentTiming: ...


class MenuPaymentRules:
    """Which requests a menu allows, from its クレジットカード決済 and 決済タイミング.

    Mixed into the menu's row and its read-only view, which both have ``card_payment`` and
    ``payment_timing``.
    """

    @property
    def allows_post_payment(self: _CardPaymentTerms) -> bool:
        """A 後決済請求 may be sent (card payment on, timing 後決済 or 事前決済+後決済)."""
        return self.card_payment and self.payment_timing in (PaymentTiming.POST, PaymentTiming.PRE_AND_POST)

    @property
    def allows_pre_payment(self: _CardPaymentTerms) -> bool:
        """A 事前決済 may be requested (card payment on, timing 事前決済 or 事前決済+後決済)."""
        return self.card_payment and self.payment_timing in (PaymentTiming.PRE, PaymentTiming.PRE_AND_POST)


class ReservationStatus(str, enum.Enum):
    """予約ステータス."""

    RESERVED = "reserved"  # 予約
    VISITED = "visited"  # 来院済み
    CANCELLED = "cancelled"  # キャンセル


class StaffRole(str, enum.Enum):
    STAFF = "staff"  # 受付
    MANAGER = "manager"  # 管理者
    ACCOUNTANT = "accountant"  # 経理


class MailStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanently refused; shown to staff
