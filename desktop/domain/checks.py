"""One line of a checklist the app evaluates: an item, passed or not and why.

Shared by 接続チェック (``desktop.domain.live_check.Step``) and the conditions of 本番モード
(``desktop.services.go_live.Condition``), whose dialogs show each line as ✓ or its reason.
"""

from __future__ import annotations

import dataclasses
from typing import Generic, TypeVar

from desktop.domain.errors import UserError

K = TypeVar("K")


@dataclasses.dataclass(frozen=True)
class CheckResult(Generic[K]):
    """``item`` passed (``reason`` None) or did not: ``reason`` says why and what to do.

    ``reason`` is rendered in the reader's language (``UserError.message(lang)``).
    """

    item: K
    reason: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None
