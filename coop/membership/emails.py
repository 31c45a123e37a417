"""Email addresses in one normal form: the one place sign-up, sign-in, buyer and steward creation
and password resets read an email through.

Two addresses that look the same must be the same account, and an address that only looks like
another must not get in: "ｂｏ@coop.test" (fullwidth), "b\u200bo@coop.test" (zero-width space),
"bо@coop.test" (a Cyrillic о among Latin letters) or "bo\u0338@coop.test" (a combining overlay).
So an email is NFKC-normalised and case-folded (fullwidth and compatibility forms become the
ordinary letters; "é" typed as e + accent becomes "é"), and refused if it still holds an
invisible, control or format character, a combining mark left over by NFKC, or letters from more
than one script in one part (Japanese kana with kanji, or Hangul with hanja, count as one script).
"""

from __future__ import annotations

import re
import unicodedata

from coop.kernel.errors import Refused

_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zs", "Zl", "Zp"}
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "IDEOGRAPHIC": "CJK"}
MAX_LENGTH = 320


def normalise_email(value: str) -> str:
    """The email in the form it is stored and looked up in; Refused (a 400) if refused."""
    email = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", (value or "").strip()).casefold())
    if not _SHAPE.match(email) or len(email) > MAX_LENGTH:
        raise Refused("email must look like name@example.org")
    for char in email:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise Refused(f"email holds an invisible or control character (U+{ord(char):04X}); type it again by hand")
        if unicodedata.combining(char) and unicodedata.name(char, "").startswith("COMBINING"):
            raise Refused(f"email holds a combining mark (U+{ord(char):04X}) over a letter; type it again by hand")
    local, domain = email.rsplit("@", 1)
    for part in (local, *domain.split(".")):
        scripts = {_script(c) for c in part if c.isalpha()}
        if len(scripts) > 1:
            raise Refused(
                f"email mixes letters of different scripts ({', '.join(sorted(scripts)).lower()}) in '{part}'; "
                "such addresses imitate others, so they are refused"
            )
    return email


def _script(char: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER A", "CYRILLIC …", "CJK …")."""
    first = unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return _SCRIPT_GROUPS.get(first, first)
