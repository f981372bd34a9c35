"""PAY.JP v1 simulator: the stand-in PAY.JP used by デモ mode and by the tests.

Entry points:
    ``SimulatorState`` (store.py): the data and the in-process admin/fault API.
    ``create_app`` (app.py): the Starlette application.
    ``SimulatorServer`` / ``embedded_simulator`` (server.py): run it in a thread or in a running loop.
    ``cli.main`` (cli.py): ``python -m desktop simulator --port PORT``.
"""

from .app import create_app
from .server import SimulatorServer, embedded_simulator
from .store import SimulatorState

__all__ = ["SimulatorServer", "SimulatorState", "create_app", "embedded_simulator"]
