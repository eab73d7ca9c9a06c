"""Which encoding a text file is in: declared by its descriptor, or detected; and probable mojibake.

Detection (no `encoding` key): a byte order mark says UTF-8 or UTF-16; otherwise a file whose
bytes are all UTF-8 is UTF-8; a file mostly in UTF-8 with a few other bytes is a *mixed* file
(read as UTF-8, the rows holding the other bytes are rejected, see read.py); any other file is
given to charset-normalizer, restricted to the single-byte encodings French lists come in, and
its guess must decode the whole file. The file is read in blocks, never whole.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Single-byte encodings that detection chooses among (any Python codec can be declared).
DETECTED_SINGLE_BYTE = ("cp1252", "mac_roman", "cp850", "iso8859_15")
NAMES = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252 (Latin-1)", "iso8859-1": "Latin-1 (ISO-8859-1)", "iso8859-15": "Latin-9 (ISO-8859-15)",
    "mac-roman": "Mac Roman", "cp850": "DOS (cp850)",
}
BLOCK = 1 << 20
SAMPLE_BYTES = 256 * 1024


class EncodingError(ValueError):
    """The file cannot be decoded; the message names the file and the fix."""


@dataclass(frozen=True)
class Encoding:
    codec: str                  # what Python opens the file with
    declared: bool = False      # from the descriptor (True) or detected (False)
    mixed_bytes: int = 0        # bytes that are not UTF-8 in a file otherwise UTF-8
    mixed_example: str = ""     # where the first one is

    @property
    def errors(self) -> str:
        """How undecodable bytes are read: kept as lone surrogates in a mixed file (their rows are rejected)."""
        return "surrogateescape" if self.mixed_bytes else "strict"

    @property
    def name(self) -> str:
        """The codec's canonical name (utf-8, utf-8-sig, cp1252, mac-roman…)."""
        return codecs.lookup(self.codec).name

    @property
    def label(self) -> str:
        """In French, for reports: « Windows-1252 (Latin-1), détecté »."""
        text = f"{NAMES.get(self.name, self.name)}, {'déclaré' if self.declared else 'détecté'}"
        if self.mixed_bytes:
            text += (f" ; encodage mixte : {self.mixed_bytes} octet(s) d'un autre encodage ({self.mixed_example}), "
                     "lignes rejetées")
        return text


def _line_of(data: bytes, offset: int, lines_before: int) -> int:
    return lines_before + data.count(b"\n", 0, offset) + 1


def _blocks(f):
    return iter(lambda: f.read(BLOCK), b"")


def check_decodes(f, codec: str, name: str, declared: bool) -> None:
    """Decode the whole (binary, rewound) file with `codec`; EncodingError at the first bad byte."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset, lines = 0, 0
    for block in _blocks(f):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as e:
            at = max(0, e.start)
            where = f"octet 0x{block[at]:02X} à la ligne {_line_of(block, at, lines)}" if at < len(block) else "fin du fichier"
            if declared:
                raise EncodingError(
                    f"{name} : le fichier n'est pas encodé en {codec} ({where}). Indiquez le bon encodage "
                    "(clé « encoding » du descripteur : utf-8, cp1252 pour Windows/Latin-1, mac_roman…) ou retirez "
                    "la clé pour qu'il soit détecté.") from e
            raise
        offset += len(block)
        lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        if declared:
            raise EncodingError(f"{name} : le fichier n'est pas encodé en {codec} (il se termine au milieu d'un "
                                "caractère). Indiquez le bon encodage (clé « encoding » du descripteur).") from e
        raise


def looks_like_utf16_without_bom(head: bytes) -> bool:
    """Text in UTF-16 without its byte order mark: every other byte is NUL."""
    sample = head[:4096]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)


def _utf8_scan(f, name: str):
    """(valid non-ASCII characters, invalid bytes, where the first invalid byte is, sample of non-ASCII lines)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    valid = invalid = lines = 0
    first, sample = "", []
    sample_size = 0
    for block in _blocks(f):
        if b"\x00" in block:
            raise EncodingError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier texte "
                                "(CSV, JSON). Exportez-le en CSV UTF-8.")
        text = decoder.decode(block)
        bad = len(re.findall("[\udc80-\udcff]", text))
        if bad and not first:
            at = next(i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff")
            line = lines + text.count("\n", 0, at) + 1
            start = text.rfind("\n", 0, at) + 1
            context = text[max(start, at - 30):at + 10].split("\n")[0]
            shown = re.sub("[\udc80-\udcff]", lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", "replace"), context)
            first = f"ligne {line} : octet 0x{ord(text[at]) - 0xDC00:02X} dans « {shown.strip()} »"
        invalid += bad
        valid += len(re.findall("[^\x00-\x7f\udc80-\udcff]", text))
        lines += text.count("\n")
        if sample_size < SAMPLE_BYTES and re.search(b"[\x80-\xff]", block):
            for line_bytes in block.split(b"\n"):
                if sample_size >= SAMPLE_BYTES:
                    break
                if re.search(b"[\x80-\xff]", line_bytes):
                    sample.append(line_bytes)
                    sample_size += len(line_bytes) + 1
    invalid += len(re.findall("[\udc80-\udcff]", decoder.decode(b"", final=True)))
    return valid, invalid, first, b"\n".join(sample)


def detect(f, declared: str | None, name: str) -> Encoding:
    """The encoding of a file opened in binary mode (left rewound); EncodingError if none reads it."""
    f.seek(0)
    head = f.read(4)
    f.seek(0)
    utf16_bom = head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00")
    if declared and not (utf16_bom and "16" not in declared):  # a UTF-16 byte order mark overrides a declared encoding
        try:
            codecs.lookup(declared)
        except LookupError as e:
            raise EncodingError(f"{name} : encodage « {declared} » inconnu. Indiquez un encodage connu de Python "
                                "(utf-8, cp1252, latin-1, mac_roman, utf-16…).") from e
        f.seek(0)
        bom = f.read(3) == codecs.BOM_UTF8
        utf8 = codecs.lookup(declared).name == "utf-8"
        codec = ("utf-8-sig" if bom else "utf-8") if utf8 else declared  # a BOM is not data
        f.seek(0)
        if utf8:  # a few bytes of another encoding in a UTF-8 file: a mixed file, its rows with them rejected
            valid, invalid, first, _ = _utf8_scan(f, name)
            f.seek(0)
            if invalid and valid >= invalid:
                return Encoding(codec, declared=True, mixed_bytes=invalid, mixed_example=first)
        check_decodes(f, codec, name, declared=True)
        f.seek(0)
        return Encoding(codec, declared=True)
    if utf16_bom:
        try:
            check_decodes(f, "utf-16", name, declared=False)
        except UnicodeDecodeError as e:
            raise EncodingError(f"{name} : le fichier commence comme un texte UTF-16 mais n'en est pas un. "
                                "Enregistrez-le en CSV UTF-8.") from e
        f.seek(0)
        return Encoding("utf-16")
    valid, invalid, first, sample = _utf8_scan(f, name)
    f.seek(0)
    utf8 = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if not invalid:
        return Encoding(utf8)
    if valid >= invalid:
        return Encoding(utf8, mixed_bytes=invalid, mixed_example=first)
    from charset_normalizer import from_bytes

    guesses = [m.encoding for m in from_bytes(sample, cp_isolation=list(DETECTED_SINGLE_BYTE))]
    for codec in dict.fromkeys(guesses + ["cp1252", "latin_1"]):
        try:
            check_decodes(f, codec, name, declared=False)
        except UnicodeDecodeError:
            continue
        finally:
            f.seek(0)
        return Encoding(codec)
    raise EncodingError(f"{name} : encodage inconnu. Enregistrez le fichier en UTF-8.")  # pragma: no cover (latin-1 reads any byte)


# Probable mojibake: text decoded with the wrong encoding somewhere upstream.
_C1 = "\u0080-\u009f"
_CP1252_HIGH = "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_LOWER = "a-zß-öø-ÿ"
MOJIBAKE = re.compile(
    f"Ã[{_C1}\u00a0-\u00bf{_CP1252_HIGH}]"       # UTF-8 read as Windows-1252/Latin-1: Ã© Ã¨ Ã§ Ã
    "|â€|Â[\u00a0-\u00bf]"                        # ’ as â€™, a no-break space as Â
    "|√[^\\s\\d]"                                  # UTF-8 read as Mac Roman: √© √®
    f"|(?<=[{_LOWER}])[À-ÖØ-Þ](?=[{_LOWER}])"
    f"|(?<=[A-Z{_LOWER}])[\u0152\u0160\u0178\u017d\u017e\u0192\u02c6\u02d8\u02da\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2122](?=[{_LOWER}])"
    # an uppercase accented letter or a sign inside a lowercase word: Mac Roman read as Windows-1252
    # (MŽdiath, ‰ for â) or Windows-1252 read as Mac Roman (MÈdiathËque)
    f"|[{_C1}\ufffd]"                             # control characters of Latin-1, replacement character
)


def mojibake(text: str) -> str | None:
    """The suspicious part of `text` if it looks wrongly decoded ("MÃ©diathÃ¨que", "MŽdiath"), else None."""
    m = MOJIBAKE.search(text)
    if not m:
        return None
    return text[max(0, m.start() - 15):m.end() + 15].replace("\n", " ")
