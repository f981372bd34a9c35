"""Test accounts: which PAY.JP account a key belongs to, and which objects each account owns.

PAY.JP issues every account a pair of keys; objects made with one account's keys do not exist
for another account. The simulator has one test account per key suffix: ``pk_test_X`` and
``sk_test_X`` belong to account ``X``. Live keys (``pk_live_X`` / ``sk_live_X``, account
``live:X``) are taken only to create and read tokens, which is how the app proves a live key
pair without charging anyone; a live-mode token is made only from a card number outside PAY.JP's
test-card table (``test_card_on_livemode`` otherwise, as PAY.JP answers). A token made with ``pk_test_A`` is "No such token" to
``sk_test_B``, and the 3-D Secure ``back_url`` must be signed with the secret key of the account
whose public key opens the challenge.

Scoped by account: tokens, charges, customers and their cards, tenants, and the 3-D Secure
challenge pages. Not scoped: events and ``three_d_secure_requests`` look-ups (the app does not
read them across accounts).

Ownership is kept in the private ``owners`` collection (object id → account). Objects without an
owner (a state file written before accounts existed, or made through the in-process admin API)
are visible to every account. Operations take ``account=None`` when called in-process, which
sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import not_found

SECRET_PREFIX = "sk_test_"
PUBLIC_PREFIX = "pk_test_"
LIVE_SECRET_PREFIX = "sk_live_"
LIVE_PUBLIC_PREFIX = "pk_live_"
LIVE = "live:"  # the account id of live keys: ``pk_live_X`` / ``sk_live_X`` → ``live:X``
OWNERS = "owners"


def account_of(key: str) -> str | None:
    """The account of a key: ``sk_test_X`` / ``pk_test_X`` → ``X``; ``sk_live_X`` / ``pk_live_X`` →
    ``live:X`` (live mode is another account: a test-mode object is "No such …" to its live keys);
    None for anything else."""
    for prefix, mode in ((SECRET_PREFIX, ""), (PUBLIC_PREFIX, ""), (LIVE_SECRET_PREFIX, LIVE), (LIVE_PUBLIC_PREFIX, LIVE)):
        if key.startswith(prefix) and len(key) > len(prefix):
            return mode + key[len(prefix):]
    return None


def is_live(account: str | None) -> bool:
    """Whether ``account`` is the live mode of a key pair (``live:X``)."""
    return account is not None and account.startswith(LIVE)


def secret_key_of(account: str) -> str:
    """The secret key of ``account`` (what signs its 3-D Secure ``back_url``)."""
    if is_live(account):
        return LIVE_SECRET_PREFIX + account[len(LIVE):]
    return SECRET_PREFIX + account


def claim(data: dict[str, dict[str, Any]], object_id: str, account: str | None) -> None:
    """Record that ``account`` owns ``object_id`` (call inside a transaction)."""
    if account is not None:
        data[OWNERS][object_id] = account


def add(data: dict[str, dict[str, Any]], collection: str, new: dict[str, Any], account: str | None) -> None:
    """Store the new object ``new`` in ``data[collection]``, owned by ``account`` (inside a transaction)."""
    data[collection][new["id"]] = new
    claim(data, new["id"], account)


def visible(data: dict[str, dict[str, Any]], object_id: str, account: str | None) -> bool:
    """Whether ``account`` may see ``object_id`` (None sees everything; unowned objects are shared)."""
    if account is None:
        return True
    owner = data[OWNERS].get(object_id)
    return owner is None or owner == account


def only_visible(
    data: dict[str, dict[str, Any]], objects: Iterable[dict[str, Any]], account: str | None
) -> list[dict[str, Any]]:
    """The objects of ``objects`` that ``account`` may see, in their order."""
    return [item for item in objects if visible(data, str(item["id"]), account)]


def owned(
    data: dict[str, dict[str, Any]],
    collection: str,
    object_id: str,
    account: str | None,
    *,
    kind: str,
    param: str | None = None,
) -> dict[str, Any]:
    """The stored ``data[collection][object_id]`` if ``account`` may see it (call inside a transaction).

    Raises:
        ApiError: ``invalid_id`` "No such <kind>" (404, or 400 naming ``param`` when the id came
            as a parameter of another call), for an unknown id and for another account's object alike.
    """
    found: dict[str, Any] | None = data[collection].get(object_id)
    if found is None or not visible(data, object_id, account):
        raise not_found(kind, object_id, param)
    return found


def remove(data: dict[str, dict[str, Any]], collection: str, object_id: str) -> dict[str, Any]:
    """Delete ``data[collection][object_id]`` and its owner record (call inside a transaction).

    Returns the deletion stub PAY.JP answers: ``{"deleted": True, "id": ..., "livemode": False}``.
    """
    del data[collection][object_id]
    data[OWNERS].pop(object_id, None)
    return {"deleted": True, "id": object_id, "livemode": False}
