"""Render resources/icons/clinicpay.svg into the icon files a build needs (build.spec calls it).

    python scripts/make_icons.py OUT_DIR     -> OUT_DIR/clinicpay.ico, .icns, clinicpay-256.png

The SVG is the only committed source; the bitmaps are made at build time so they never drift
from it. Qt's SVG renderer draws each size (the SVG has shapes only, no text, so no fonts are
involved) and Pillow (already installed: fpdf2 depends on it) writes the Windows ``.ico`` and
the macOS ``.icns`` containers.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "clinicpay.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render_png(size: int, svg: Path = SVG) -> bytes:
    """The SVG drawn at ``size``×``size`` pixels, as PNG bytes (needs a QGuiApplication)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def make_icons(out_dir: Path, svg: Path = SVG) -> dict[str, Path]:
    """Write ``clinicpay.ico``, ``clinicpay.icns`` and ``clinicpay-256.png`` into ``out_dir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 - kept alive
    out_dir.mkdir(parents=True, exist_ok=True)
    images = {size: Image.open(io.BytesIO(render_png(size, svg))).convert("RGBA")
              for size in sorted(set(ICO_SIZES) | set(ICNS_SIZES))}
    made = {"png": out_dir / "clinicpay-256.png", "ico": out_dir / "clinicpay.ico",
            "icns": out_dir / "clinicpay.icns"}
    images[256].save(made["png"])
    images[256].save(made["ico"], sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != 256])
    images[1024].save(made["icns"], append_images=[images[s] for s in ICNS_SIZES if s != 1024])
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    for kind, path in make_icons(target).items():
        print(f"{kind}: {path}")
