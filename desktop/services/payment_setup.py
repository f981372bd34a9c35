"""Which PAY.JP to talk to: the built-in simulator (デモ), PAY.JP test mode or live mode.

Only ``api_base`` and the keys differ between the three; the code path is the same. In テスト
and 本番 every gateway is bound to the clinic's PAY.JP tenant and refuses a money call without
one; デモ binds the tenant when the clinic registered one on the simulator, and does not require it.
"""

from __future__ import annotations

import threading
from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import ServiceUnavailableError
from desktop.services.payjp_gateway import LIVE_API_BASE, LIVE_SCRIPT_URL, PayjpConfig, PayjpGateway
from desktop.services.secrets import SecretStore, payjp_secret_name
from desktop.storage.orm import Clinic

DEMO_SECRET_KEY = "sk_test_clinicpaydemo000000000000"
DEMO_PUBLIC_KEY = "pk_test_clinicpaydemo000000000000"
SIMULATOR_SCRIPT_PATH = "/payjs/v2/pay.js"


class GatewayProvider:
    """Builds (and caches) the gateway for a clinic's payment mode and PAY.JP tenant.

    Args:
        secrets: where this PC keeps PAY.JP secret keys.
        demo_api_base: the running simulator's base URL (None until it has started).
        timeout: seconds before an unanswered PAY.JP call counts as lost.
        demo_only: the トレーニング (demo) database: every clinic talks to the simulator, whatever
            its ``payment_mode`` says, and no secret key is ever read.
    """

    def __init__(
        self,
        secrets: SecretStore,
        demo_api_base: str | None = None,
        *,
        timeout: float = 30.0,
        live_api_base: str = LIVE_API_BASE,
        demo_only: bool = False,
    ) -> None:
        self._secrets = secrets
        self.demo_only = demo_only
        self.demo_api_base = demo_api_base
        self._timeout = timeout
        self._live_api_base = live_api_base
        self._cache: dict[tuple[str, str, str, str | None, bool], PayjpGateway] = {}
        self._lock = threading.Lock()

    def simulated(self, clinic: Clinic) -> bool:
        """Whether ``clinic``'s calls go to the simulator (デモ, or any clinic of the トレーニング database)."""
        return self.demo_only or clinic.payment_mode is PaymentMode.DEMO

    @property
    def live_api_base(self) -> str:
        """PAY.JP's API base of テスト and 本番 (tests point it at the simulator)."""
        return self._live_api_base

    def live_script(self) -> tuple[str, str]:
        """``(script_url, api_origin)`` of payjp.js for テスト / 本番 keys (the simulator's stand-in
        when tests point PAY.JP at the simulator)."""
        if self._live_api_base == LIVE_API_BASE:
            return LIVE_SCRIPT_URL, LIVE_API_BASE
        return self._live_api_base + SIMULATOR_SCRIPT_PATH, self._live_api_base

    def config_for(self, clinic: Clinic) -> PayjpConfig:
        if self.simulated(clinic):
            base = self.demo_api_base
            if not base:
                raise ServiceUnavailableError("payjp_unavailable")
            return PayjpConfig(api_base=base, secret_key=DEMO_SECRET_KEY, public_key=DEMO_PUBLIC_KEY,
                               script_url=base + SIMULATOR_SCRIPT_PATH, timeout=self._timeout)
        secret = self._secrets.get(payjp_secret_name(clinic.payment_mode.value)) or ""
        if not secret:
            raise ServiceUnavailableError("secret_key_missing")
        return PayjpConfig(api_base=self._live_api_base, secret_key=secret, public_key=clinic.payjp_public_key,
                           script_url=LIVE_SCRIPT_URL, timeout=self._timeout)

    def __call__(self, clinic: Clinic) -> PayjpGateway:
        """The gateway for ``clinic``, bound to its ``payjp_tenant_id``.

        Raises ``ServiceUnavailableError`` when the simulator is not running (デモ) or no secret
        key is stored (テスト / 本番). The gateway raises ``TenantRequiredError`` on a money call
        in テスト / 本番 while the clinic has no tenant.
        """
        config = self.config_for(clinic)
        tenant = clinic.payjp_tenant_id or None
        required = not self.simulated(clinic)
        key = (config.api_base, config.secret_key, config.public_key, tenant, required)
        with self._lock:
            gateway = self._cache.get(key)
            if gateway is None:
                gateway = self._cache[key] = PayjpGateway(config, tenant=tenant, require_tenant=required)
            return gateway

    def public_key_for(self, clinic: Clinic) -> str:
        return DEMO_PUBLIC_KEY if self.simulated(clinic) else clinic.payjp_public_key

    def script_url_for(self, clinic: Clinic) -> str:
        if self.simulated(clinic):
            base = self.demo_api_base
            return (base or "") + SIMULATOR_SCRIPT_PATH
        return LIVE_SCRIPT_URL
