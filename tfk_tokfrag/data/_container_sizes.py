"""Is a video file cut short? What its container's own size fields say.

FFmpeg reads a truncated Matroska, WebM or AVI file to its end without an error (the
clip is just shorter), so before decoding we compare the sizes the container declares
with the file's size: the RIFF chunks of an AVI, the Segment element of a Matroska or
WebM file, the top-level boxes of an MP4, MOV or M4V file. These are byte counts, not
frame counts: a header that states more frames than the file holds is not an error
(what decodes is counted), a declared size past the end of the file is.
"""

from __future__ import annotations

import os
import struct

# Box types an MP4/MOV file may start with (its first box tells the format).
_MP4_TOP_BOXES = frozenset(
    b"ftyp moov mdat free skip wide pnot moof styp uuid meta sidx mfra".split()
)


def truncation(path: str, size: int) -> str | None:
    """What the container's own size fields say is missing, or `None` (nothing found)."""
    with open(path, "rb") as f:
        head = f.read(12)
        if head[:4] == b"RIFF":  # AVI, OpenDML AVIs have several RIFF chunks
            pos = 0
            while pos + 8 <= size:
                f.seek(pos)
                kind, length = struct.unpack("<4sI", f.read(8))
                if kind != b"RIFF" or length in (0, 0xFFFFFFFF):
                    return None
                if pos + 8 + length > size:
                    return _cut(pos + 8 + length, size, "RIFF chunk")
                pos += 8 + length + (length & 1)
            return None
        if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska, WebM
            f.seek(4)
            header_size, _ = _ebml_size(f)
            if header_size is None:
                return None
            f.seek(header_size, os.SEEK_CUR)
            if f.read(4) != b"\x18\x53\x80\x67":  # the Segment element
                return None
            segment_size, unknown = _ebml_size(f)
            if segment_size is None or unknown:
                return None
            if f.tell() + segment_size > size:
                return _cut(f.tell() + segment_size, size, "Matroska segment")
            return None
        if head[4:8] in _MP4_TOP_BOXES:  # ISO media: MP4, MOV, M4V
            pos = 0
            while pos + 8 <= size:
                f.seek(pos)
                length, kind = struct.unpack(">I4s", f.read(8))
                if length == 1:
                    (length,) = struct.unpack(">Q", f.read(8))
                if length == 0 or length < 8 or not kind.isalnum():
                    return None  # "to the end of the file", or not a box we can read
                if pos + length > size:
                    return _cut(pos + length, size, f"'{kind.decode('latin-1')}' box")
                pos += length
    return None


def _cut(declared: int, size: int, what: str) -> str:
    return (
        f"the file is truncated: its {what} ends at byte {declared:,}, but the file has "
        f"{size:,} bytes"
    )


def _ebml_size(f) -> tuple[int | None, bool]:
    """Reads an EBML variable-length size: `(value, unknown)`; `(None, False)` if malformed."""
    first = f.read(1)
    if not first or first[0] == 0:
        return None, False
    length = 8 - first[0].bit_length() + 1
    rest = f.read(length - 1)
    if len(rest) != length - 1:
        return None, False
    value = first[0] & ((1 << (8 - length)) - 1)
    for byte in rest:
        value = (value << 8) | byte
    return value, value == (1 << (7 * length)) - 1
