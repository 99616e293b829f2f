"""Remove students' personal data from a message before Rasa sees or stores it.

The REST channel calls ``redact`` on every incoming message, so the tracker
store, the staff review page and the training inbox only ever hold the
redacted text. Each kind of data becomes a fixed placeholder (``[email]``,
``[phone]``, ...) so that reviewers still see *what* a student shared.

The rules are plain regular expressions, checked in a fixed order (e-mail
first, because an address can hold a student number; addresses last). They
are tuned for what students write to a study-information bot and deliberately
leave alone numbers the bot has to understand: EC counts, fees, room codes
such as V5-28, times, years, test scores and academic years.

Choices worth knowing (see docs/staff.md):
- A full date (day, month and year) counts as a date of birth when its year
  lies at least 15 years back; recent and future dates are deadlines and stay.
  Near "born", "birthday", "date of birth" or "dob", any date or year goes.
- Public addresses, including LUMC's own (Albinusdreef 2, 2333 ZA Leiden), are
  redacted like any other: sparing them would spare a student living on the
  same street, and the bot never needs an address from the user.
- Domestic phone numbers are Dutch (10 digits starting with 0); other
  countries' numbers are recognised when written with + or 00.
"""

from __future__ import annotations

import datetime as _dt
import re

EMAIL = "[email]"
PHONE = "[phone]"
STUDENT_NUMBER = "[student number]"
IBAN = "[iban]"
DATE_OF_BIRTH = "[date of birth]"
ADDRESS = "[address]"

# Years this far back or more in a full date are taken as birth dates.
_MIN_AGE_YEARS = 15

_EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)

# Country code, two check digits, then 11-30 letters/digits, optionally in groups of 4.
_IBAN_RE = re.compile(
    r"\b([A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?)\b"
)
_NL_IBAN_RE = re.compile(r"^NL\d{2}[A-Z]{4}\d{10}$")

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|"
    "november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|"
    "januari|februari|maart|mei|juni|juli|augustus|oktober"
)
_ORD = r"(?:st|nd|rd|th|e|ste|de)?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUM = r"(?:0?[1-9]|1[0-2])"
_YEAR4 = r"(?:19|20)\d{2}"

# Dates that carry a year: 12-03-2001, 12/3/2001, 12.03.2001, 2001-03-12,
# 12 March 2001, 12th of March, 2001, March 12, 2001.
_FULL_DATE_RE = re.compile(
    rf"""
    (?<![\w.:/-])
    (?:
        (?P<d1>{_DAY})[-/.](?P<m1>{_MONTH_NUM})[-/.](?P<y1>{_YEAR4})
      | (?P<y2>{_YEAR4})-(?P<m2>{_MONTH_NUM})-(?P<d2>{_DAY})
      | (?P<d3>{_DAY}){_ORD}\s+(?:of\s+)?(?P<m3>{_MONTHS})\.?,?\s+(?P<y3>{_YEAR4})
      | (?P<m4>{_MONTHS})\.?\s+(?P<d4>{_DAY}){_ORD},?\s+(?P<y4>{_YEAR4})
    )
    (?![\w-])
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Any date-like expression, used only right after a birth keyword.
_ANY_DATE = (
    rf"(?:{_DAY}[-/.]{_MONTH_NUM}(?:[-/.](?:{_YEAR4}|\d{{2}}))?"
    rf"|{_YEAR4}-{_MONTH_NUM}-{_DAY}"
    rf"|{_DAY}{_ORD}\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+{_YEAR4})?"
    rf"|(?:{_MONTHS})\.?\s+{_DAY}{_ORD}(?:,?\s+{_YEAR4})?"
    rf"|(?:{_MONTHS})\s+{_YEAR4}"
    rf"|{_YEAR4})"
)
_BIRTH_RE = re.compile(
    r"(?P<kw>\b(?:born|birthday|birth\s*date|date\s+of\s+birth|d\.?o\.?b\.?|"
    r"geboren|geboortedatum|verjaardag)"
    r"(?:\s*(?:(?:is|was|on|in|at|of|my|the|op)\b|[:=,-])\s*){0,3}\s*)"
    rf"(?P<date>{_ANY_DATE})(?![\w])",
    re.IGNORECASE,
)

# A run of digits with phone-style separators; validated by digit count below.
_PHONE_CAND_RE = re.compile(
    r"(?<![\w@€$£.,:/+-])"
    r"(?:\+\s?|\(\+?)?\d"
    r"(?:\d|[ ]?[.-][ ]?(?=\d)|[ ](?=\d)|\s?\(\d{1,4}\)\s?(?=\d)|\)\s?(?=\d))*"
    r"(?![\w@])"
)

_STUDENT_S_RE = re.compile(r"(?<![\w@])[sS]\d{7}(?!\w)")
_STUDENT_CTX_RE = re.compile(
    r"(?P<kw>\b(?:student\s*(?:number|no\.?|nr\.?|id|nummer|#)|studentnummer|"
    r"student\s+card\s+number)\s*(?:is\s*|:\s*|=\s*|#\s*)?)(?P<num>\d{7})(?!\d)",
    re.IGNORECASE,
)

# Dutch street names end in one of these (Breestraat, Albinusdreef, Rapenburg
# is not covered: it is caught by the "I live at ..." rule).
_STREET_SUFFIX = (
    "straat|weg|laan|plein|gracht|kade|singel|dijk|steeg|hof|dreef|plantsoen|"
    "markt|burgwal|haven|wal|baan|vest|steeg|zijl|hout"
)
_HOUSE_NO = r"\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:[-/]\d{1,3}[a-zA-Z]?)?"
_POSTCODE = r"[1-9]\d{3}\s?(?!EC\b|SA\b|SD\b|SS\b)[A-Z]{2}(?![A-Za-z])|[1-9]\d{3}[a-z]{2}(?![a-z])"
_CITY = r"(?:\s+(?!Is\b|In\b|And\b)[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?)?"
_POSTCODE_TAIL = rf"(?:,?\s*(?:{_POSTCODE}){_CITY})?"

_DUTCH_STREET_RE = re.compile(
    rf"(?<![\w])(?:(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|'t|[Ll]ange|[Oo]ude|"
    rf"[Nn]ieuwe|[Kk]orte|[Hh]oge|[Ll]age|[Gg]root|[Kk]lein)\s+)*"
    rf"[A-Za-z][\w'-]*?(?:{_STREET_SUFFIX})\s+{_HOUSE_NO}(?![\w,.]\d)(?!\s*(?:EC|ec|euro|%))"
    rf"{_POSTCODE_TAIL}"
)
_ENGLISH_STREET_RE = re.compile(
    rf"(?<![\w€$£])\d{{1,4}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}"
    rf"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Way|Close|Court|"
    rf"Place|Square|Crescent|Terrace|Gardens)\b\.?{_POSTCODE_TAIL}"
)
_LIVE_AT_RE = re.compile(
    r"(?P<kw>\b(?:[Ii]\s+live\s+(?:at|on)|[Ll]iving\s+at|[Ll]ive\s+at|"
    r"(?:[Mm]y\s+)?(?:home\s+|postal\s+|street\s+)?address\s*(?:is|:)|"
    r"[Aa]dres\s*(?:is|:)|[Ww]oon\s+(?:op|aan))\s+)"
    rf"(?P<addr>[A-Za-z][\w'.-]*(?:\s+[A-Za-z][\w'.-]*){{0,3}}?\s+{_HOUSE_NO}(?!\d)"
    rf"{_POSTCODE_TAIL})"
)
_POSTCODE_RE = re.compile(rf"(?<![\w€$£.,-])(?:{_POSTCODE}){_CITY}")


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not any(c.isdigit() for c in compact[4:]):
        return False
    if _NL_IBAN_RE.match(compact):
        return True  # Dutch shape: redact even with a typo in the check digits.
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def _replace_iban(match: re.Match) -> str:
    return IBAN if _iban_valid(match.group(1)) else match.group(0)


def _replace_full_date(match: re.Match) -> str:
    year = next(int(match.group(g)) for g in ("y1", "y2", "y3", "y4") if match.group(g))
    if year <= _dt.date.today().year - _MIN_AGE_YEARS:
        return DATE_OF_BIRTH
    return match.group(0)


def _is_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if text.lstrip("(").startswith("+") or digits.startswith("00"):
        if digits.startswith("00"):
            digits = digits[2:]
        return 9 <= len(digits) <= 15
    return digits.startswith("0") and len(digits) == 10


def _replace_phone(match: re.Match) -> str:
    text = match.group(0)
    if _is_phone(text):
        return PHONE
    # Several numbers in one run ("0612345678 0687654321", "2001 0612345678"):
    # take the longest run of space-separated parts that is a phone number.
    parts = re.split(r"( )", text)
    words, seps = parts[0::2], parts[1::2]
    out, i = [], 0
    while i < len(words):
        best = None
        for j in range(i, len(words)):
            chunk = "".join(w + (seps[k] if k < j else "") for k, w in enumerate(words[i:j + 1], i))
            if len(re.sub(r"\D", "", chunk)) > 17:
                break
            if _is_phone(chunk):
                best = j
        end = best if best is not None else i
        out.append(PHONE if best is not None else words[i])
        if end + 1 < len(words):
            out.append(seps[end])
        i = end + 1
    return "".join(out)


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _IBAN_RE.sub(_replace_iban, text)
    text = _BIRTH_RE.sub(lambda m: m.group("kw") + DATE_OF_BIRTH, text)
    text = _FULL_DATE_RE.sub(_replace_full_date, text)
    text = _STUDENT_S_RE.sub(STUDENT_NUMBER, text)
    text = _STUDENT_CTX_RE.sub(lambda m: m.group("kw") + STUDENT_NUMBER, text)
    text = _PHONE_CAND_RE.sub(_replace_phone, text)
    text = _LIVE_AT_RE.sub(lambda m: m.group("kw") + ADDRESS, text)
    text = _DUTCH_STREET_RE.sub(ADDRESS, text)
    text = _ENGLISH_STREET_RE.sub(ADDRESS, text)
    text = _POSTCODE_RE.sub(ADDRESS, text)
    return text
