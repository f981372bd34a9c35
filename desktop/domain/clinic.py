"""Clinic-side enumerations: payment mode, tenant review, menus, reservations, staff, mail."""

from __future__ import annotations

import enum


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
