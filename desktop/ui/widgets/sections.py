"""Settings panels whose parts each save on their own (接続設定, 決済会社設定).

A ``FormSection`` is one such part: the inputs under one widget, the fields whose messages stand
under them and how it shows the saved values. ``FormSections.show(view, saved)`` brings a panel
up to date after a read of the saved settings:

- the part just saved (``saved``) shows the saved values again and its messages are cleared;
- every other part keeps what is typed or chosen in it since it last showed the saved values,
  and every message under its fields; a part nobody touched shows the saved values (they may have
  changed elsewhere, e.g. in the setup).

Reads may answer out of order (database reads run in parallel): ``read`` drops an answer that a
newer read or a shown view has overtaken; the part it was read for is shown saved by the next
answer that is shown. A secret (a password-mode line) is
never kept: the state remembers only whether it is empty, and showing saved values empties it.

What a panel derives from the saved settings (stored-secret notes, warnings, enabled states) is
not a part: the panel updates it on every read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget

from desktop.ui import async_ops
from desktop.ui.widgets.common import FieldErrors

V = TypeVar("V")


def typed_state(root: QWidget) -> tuple[object, ...]:
    """What can be typed or chosen in ``root`` and the widgets inside it, in a fixed order: the text
    of every editable line (spin boxes included), whether each checkable button is on, each list's
    choice. Read-only texts (a URL to copy) are left out: they only ever show saved values."""
    state: list[object] = []
    for widget in (root, *root.findChildren(QWidget)):
        if isinstance(widget, QLineEdit) and widget.echoMode() is QLineEdit.EchoMode.Password:
            state.append(bool(widget.text()))  # whether one is typed, never the secret itself
        elif isinstance(widget, QLineEdit) and not widget.isReadOnly():
            state.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            state.append(widget.isChecked())
        elif isinstance(widget, QComboBox):
            state.append(widget.currentIndex())
    return tuple(state)


class FormSection(Generic[V]):
    """One part of a panel that saves on its own.

    Args:
        errors: the panel's error labels.
        root: the widget holding the part's inputs (a group box, or the one input).
        fields: the names of the part's error labels in ``errors``.
        load: shows the saved values of ``view`` in the part's inputs.
    """

    def __init__(self, errors: FieldErrors, root: QWidget, fields: Iterable[str], load: Callable[[V], None]) -> None:
        self.errors = errors
        self.root = root
        self.fields = tuple(fields)
        self._load = load
        self._shown: tuple[object, ...] | None = None  # the inputs as they were when the saved values were shown

    def typed(self) -> bool:
        """True when something was typed or chosen here since the saved values were last shown."""
        return self._shown is not None and typed_state(self.root) != self._shown

    def clear_errors(self) -> None:
        """Hide the messages under this part's fields (before it is saved, and once it is)."""
        for field in self.fields:
            self.errors[field].clear_error()

    def load(self, view: V) -> None:
        """Show the saved values of ``view`` (a secret is never shown: its line is emptied)."""
        self._load(view)
        for edit in (self.root, *self.root.findChildren(QLineEdit)):
            if isinstance(edit, QLineEdit) and edit.echoMode() is QLineEdit.EchoMode.Password:
                edit.clear()
        self._shown = typed_state(self.root)


class FormSections(list[FormSection[V]]):
    """A panel's parts (see the module docstring)."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__()
        self.errors = errors
        self._reads = 0  # reads started and views shown, in order
        self._awaiting: list[FormSection[V]] = []  # parts saved whose saved values are not shown yet

    def read(self, work: Awaitable[V], show: Callable[[V], None], saved: FormSection[V] | None = None,
             name: str = "settings-read") -> None:
        """Run the read ``work`` of the saved settings and ``show`` its answer (the panel's whole view,
        which calls ``FormSections.show``), unless a newer read or a shown view overtook it meanwhile.
        ``saved``: the part just saved; the answer that is shown shows it saved."""
        self._reads += 1
        ticket = self._reads
        if saved is not None:
            self._awaiting.append(saved)

        def answered(view: V) -> None:
            if ticket == self._reads:  # else a newer read shows the settings, ``saved`` included
                show(view)

        async_ops.run_op(work, on_success=answered, name=name)

    def add(self, root: QWidget, fields: Iterable[str], load: Callable[[V], None]) -> FormSection[V]:
        """A new part: the inputs under ``root``, the messages of ``fields``, shown by ``load``."""
        section = FormSection(self.errors, root, fields, load)
        self.append(section)
        return section

    def show(self, view: V, saved: FormSection[V] | None = None) -> None:
        """Show ``view`` as read after ``saved`` was saved (None: a plain read, nothing just saved):
        ``saved`` (and any part saved while older reads were overtaken) and every untouched part show
        its values; the other parts keep their typing and messages; only the saved parts have their
        messages cleared (a message from 接続テスト or the 本番 check stays). Overtakes every read
        started before."""
        self._reads += 1
        just_saved = [*self._awaiting, *([saved] if saved is not None else [])]
        self._awaiting.clear()
        for section in self:
            if any(section is s for s in just_saved):
                section.load(view)
                section.clear_errors()
            elif not section.typed():
                section.load(view)
