"""A smaller ICU data library for the Linux build: Japanese, English and root locale data only.

PySide6's Linux wheels ship ``libicudata.so.<N>`` (about 32 MB: every locale of CLDR, ~200
legacy character converters, word-break dictionaries, transliterators). Qt links ICU for
collation, case mapping, time zones and non-Unicode text codecs; ClinicPay shows Japanese and
English only and reads and writes UTF-8. ``trim_icu(src, dest_dir)`` writes a library that keeps
every item of the ICU common data except

* locale bundles of languages other than root, ``en*`` and ``ja*`` (in every tree: main, coll,
  curr, lang, region, unit, zone, brkitr, rbnf);
* converter tables (``*.cnv``) other than the Japanese ones (Shift_JIS, EUC-JP, ISO-2022-JP);
* dictionaries for word breaks (``*.dict``: Thai, Lao, Khmer, Burmese, CJK) and transliterators;

and builds it as a shared object exporting the same symbol (``icudt<N>_dat``) under the same
soname, with the C compiler (``cc``). The common-data layout (a ``CmnD`` table of contents,
items 16-byte aligned, names sorted) is ICU's ``udata`` format, as ``icupkg`` writes it:
https://unicode-org.github.io/icu/userguide/icu_data/#icu-data-file-formats

    python scripts/trim_icu.py PATH/libicudata.so.73 OUT_DIR   # prints the new file and its size

Returns/prints None and leaves the original in place when there is no C compiler, or the
library is not in the expected form (then the build keeps the full data).
"""

from __future__ import annotations

import pathlib
import re
import shutil
import struct
import subprocess
import sys

KEEP_LOCALES = re.compile(r"^(root|en|en_[A-Za-z0-9_]+|ja|ja_[A-Za-z0-9_]+)$")
LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")
NOT_LOCALES = {"res_index"}
JAPANESE_CONVERTERS = re.compile(r"^(ibm-943_|ibm-954_|ibm-33722_|ibm-5050_|euc-jp-|ibm-942_|ibm-932_|iso-2022)")


def keep(name: str) -> bool:
    """Whether the item ``name`` (``icudt73l/coll/ja.res``) stays in the trimmed data."""
    parts = name.split("/")[1:]
    base, _, ext = parts[-1].rpartition(".")
    if parts[0] == "translit":
        return False
    if ext == "dict":
        return False
    if ext == "cnv":
        return bool(JAPANESE_CONVERTERS.match(base))
    if ext == "res" and base not in NOT_LOCALES and LOCALE.match(base):
        return bool(KEEP_LOCALES.match(base))
    return True


def _elf_symbol(lib: bytes) -> tuple[str, int, int] | None:
    """(name, file offset, size) of the one exported ``icudt*_dat`` object of a 64-bit little-endian ELF."""
    if lib[:4] != b"\x7fELF" or lib[4] != 2 or lib[5] != 1:
        return None
    shoff, = struct.unpack_from("<Q", lib, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", lib, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", lib, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strtab = sections[link]
        for i in range(size // entsize):
            st_name, _st_info, _other, shndx, value, st_size = struct.unpack_from("<IBBHQQ", lib, offset + i * entsize)
            end = lib.index(b"\0", strtab[4] + st_name)
            name = lib[strtab[4] + st_name:end].decode()
            if re.fullmatch(r"icudt\d+_dat", name):
                target = sections[shndx]
                return name, target[4] + (value - target[3]), st_size
    return None


def trim_data(data: bytes) -> tuple[bytes, int, int]:
    """The ICU common data ``data`` with only the kept items: (new data, items kept, items in all)."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", data, 0)
    if (magic1, magic2) != (0xDA, 0x27) or data[12:16] != b"CmnD":
        raise ValueError("not ICU common data")
    count, = struct.unpack_from("<I", data, header_size)
    entries = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    items: list[tuple[bytes, bytes]] = []
    for i, (name_offset, data_offset) in enumerate(entries):
        start = header_size + name_offset
        name = data[start:data.index(b"\0", start)]
        end = header_size + (entries[i + 1][1] if i + 1 < count else len(data) - header_size)
        if keep(name.decode("ascii")):
            items.append((name, data[header_size + data_offset:end]))
    # Table of contents: count, then (name offset, data offset) per item, offsets from its start;
    # the names follow it, then the items, each 16-byte aligned (as icupkg lays them out).
    toc_size = 4 + 8 * len(items)
    names = b"".join(name + b"\0" for name, _ in items)
    offset = toc_size + len(names)
    offset += -(header_size + offset) % 16
    toc = struct.pack("<I", len(items))
    body = b""
    name_offset = toc_size
    for name, item in items:
        toc += struct.pack("<II", name_offset, offset + len(body))
        name_offset += len(name) + 1
        body += item + b"\0" * (-len(item) % 16)
    head = toc + names
    head += b"\0" * (offset - len(head))
    return data[:header_size] + head + body, len(items), count


def trim_icu(src: pathlib.Path, dest_dir: pathlib.Path) -> pathlib.Path | None:
    """``dest_dir/<src name>``: ``src`` rebuilt with the trimmed data, or None (see the module text)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    lib = src.read_bytes()
    found = _elf_symbol(lib)
    if cc is None or found is None:
        return None
    symbol, offset, size = found
    data, kept, total = trim_data(lib[offset:offset + size])
    dest_dir.mkdir(parents=True, exist_ok=True)
    (dest_dir / "icudata.bin").write_bytes(data)
    (dest_dir / "icudata.S").write_text(
        f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n{symbol}:\n'
        f'\t.incbin "icudata.bin"\n\t.size {symbol}, . - {symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n', encoding="ascii")
    out = dest_dir / src.name
    subprocess.run([cc, "-shared", "-nostdlib", "-s", f"-Wl,-soname,{src.name}", "-o", str(out), "icudata.S"],
                   cwd=dest_dir, check=True, capture_output=True)
    print(f"ICU data: {kept} of {total} items, {len(lib) / 1e6:.1f} MB -> {out.stat().st_size / 1e6:.1f} MB")
    return out


if __name__ == "__main__":
    made = trim_icu(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
    print(made if made else "not trimmed (no C compiler, or not the expected library)")
