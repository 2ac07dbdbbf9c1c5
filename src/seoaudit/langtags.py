"""Language tags as Google reads them in hreflang: ``language[-Script][-REGION]`` or
``x-default``.

Owns: the code lists (ISO 639-1 languages, ISO 15924 scripts, ISO 3166-1 alpha-2 regions)
and ``parse_hreflang``, the one place that decides whether an hreflang value is usable and,
when it is not, why (with the likely intended code for the usual mistakes). Pure data and
string work: no I/O, nothing to install.

Google supports ISO 639-1 language codes, optionally followed by an ISO 15924 script and/or
an ISO 3166-1 alpha-2 region, case-insensitively, plus ``x-default``; a region alone, UN M.49
regions such as ``es-419`` and made-up regions such as ``en-UK`` or ``en-EU`` are not
supported (Google Search Central, "Tell Google about localized versions of your page").

The lists were generated once (2026) from the ISO databases shipped in the ``pycountry``
26.2.16 wheel on PyPI (``pycountry/databases/iso639-3.json`` entries with an ``alpha_2``,
``iso15924.json`` ``alpha_4``, ``iso3166-1.json`` ``alpha_2``), which come from Debian's
``iso-codes``. They change a few times a decade; to refresh them, print the same fields from
a newer pycountry wheel. Shipping 660 short strings beats a runtime dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 639-1: 184 two-letter language codes.
ISO639_1 = _codes(
    """
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku
kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn
no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl
sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
vi vo wa wo xh yi yo za zh zu
"""
)

# Codes withdrawn from ISO 639-1 that browsers and Google still understand (Google's own
# interface uses "iw" for Hebrew). Not flagged: nothing says Google ignores them.
DEPRECATED_639_1 = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}

# ISO 3166-1 alpha-2: the 249 officially assigned country codes. Exceptionally reserved
# codes (UK, EU, UN...) are not included: Google names en-UK as a mistake.
ISO3166_1 = _codes(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
)
# Kosovo's user-assigned code, used by CLDR, browsers and most sites for Kosovo. Accepted:
# flagging it would be a guess about Google we cannot back with a source.
USER_ASSIGNED_REGIONS = frozenset({"XK"})

# ISO 15924: 226 four-letter script codes (title case as written in the standard).
ISO15924 = _codes(
    """
Adlm Afak Aghb Ahom Arab Aran Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Blis
Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher Chis Chrs Cirt Copt Cpmn Cprt Cyrl
Cyrs Deva Diak Dogr Dsrt Dupl Egyd Egyh Egyp Elba Elym Ethi Gara Geok Geor Glag Gong
Gonm Goth Gran Grek Gujr Gukh Guru Hanb Hang Hani Hano Hans Hant Hatr Hebr Hira Hluw
Hmng Hmnp Hntl Hrkt Hung Inds Ital Jamo Java Jpan Jurc Kali Kana Kawi Khar Khmr Khoj
Kitl Kits Knda Kore Kpel Krai Kthi Lana Laoo Latf Latg Latn Leke Lepc Limb Lina Linb
Lisu Loma Lyci Lydi Mahj Maka Mand Mani Marc Maya Medf Mend Merc Mero Mlym Modi Mong
Moon Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkdb Nkgb Nkoo Nshu Ogam Olck Onao
Orkh Orya Osge Osma Ougr Palm Pauc Pcun Pelm Perm Phag Phli Phlp Phlv Phnx Piqd Plrd
Prti Psin Qaaa Qabx Ranj Rjng Rohg Roro Runr Samr Sara Sarb Saur Seal Sgnw Shaw Shrd
Shui Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Syre Syrj Syrn Tagb
Takr Tale Talu Taml Tang Tavt Tayo Telu Teng Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr
Tols Toto Tutg Ugar Vaii Visp Vith Wara Wcho Wole Xpeo Xsux Yezi Yiii Zanb Zinh Zmth
Zsye Zsym Zxxx Zyyy Zzzz
"""
)
_SCRIPTS_LOWER = frozenset(s.lower() for s in ISO15924)

# The usual mistakes, with the code that was meant (Google's list of common mistakes and
# the rules knowledge base, HRF-001/002). Keys are lower-case.
LANGUAGE_HINTS = {
    "jp": "ja",
    "cz": "cs",
    "gr": "el",
    "dk": "da",
    "cn": "zh",
    "ua": "uk",
    "us": "en",
    "eng": "en",
    "ger": "de",
    "deu": "de",
    "fra": "fr",
    "fre": "fr",
    "spa": "es",
    "esp": "es",
    "ita": "it",
    "english": "en",
    "german": "de",
    "french": "fr",
    "spanish": "es",
}
REGION_HINTS = {"UK": "GB", "EN": "GB or US", "EU": "a country code", "LA": "a country code"}

Problem = Literal["language", "region"]


@dataclass(frozen=True, slots=True)
class LangTag:
    """An hreflang value, parsed. ``problem`` says which standard it breaks (None: valid)."""

    value: str  # as written
    language: str | None = None  # lower-case primary language, "x-default" for the fallback
    script: str | None = None
    region: str | None = None  # upper-case
    problem: Problem | None = None
    reason: str = ""  # why it is invalid, in a sentence
    hint: str | None = None  # the code that was probably meant
    extra: bool = False  # valid start, but subtags beyond language-Script-REGION follow

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def key(self) -> str:
        """Case-insensitive identity, for comparing codes across pages and methods."""
        return self.value.strip().lower()


def _bad_language(value: str, reason: str, hint: str | None = None) -> LangTag:
    return LangTag(value, problem="language", reason=reason, hint=hint)


def parse_hreflang(value: str) -> LangTag:
    """Parse an hreflang value as Google reads it (case-insensitive, hyphen-separated)."""
    text = value.strip()
    if not text:
        return _bad_language(value, "empty hreflang value")
    if text.lower() == "x-default":
        return LangTag(value, language="x-default")
    if "_" in text:
        fixed = text.replace("_", "-")
        return _bad_language(value, "subtags separated by '_' instead of '-'", fixed)
    parts = text.split("-")
    lang = parts[0].lower()
    if lang not in ISO639_1 and lang not in DEPRECATED_639_1:
        hint = LANGUAGE_HINTS.get(lang)
        if hint is None and len(lang) == 2 and lang.upper() in ISO3166_1:
            reason = f"'{parts[0]}' is not an ISO 639-1 language (a region alone is not enough)"
        elif len(lang) == 3 and lang.isalpha():
            reason = f"'{parts[0]}' is a three-letter code; hreflang needs ISO 639-1 (2 letters)"
        else:
            reason = f"'{parts[0]}' is not an ISO 639-1 language code"
        return _bad_language(value, reason, hint)
    script: str | None = None
    region: str | None = None
    rest = parts[1:]
    if rest and len(rest[0]) == 4 and rest[0].isalpha():
        if rest[0].lower() not in _SCRIPTS_LOWER:
            return _bad_language(value, f"'{rest[0]}' is not an ISO 15924 script code")
        script = rest[0].title()
        rest = rest[1:]
    if rest:
        sub = rest[0]
        upper = sub.upper()
        if len(sub) == 2 and sub.isalpha():
            if upper not in ISO3166_1 and upper not in USER_ASSIGNED_REGIONS:
                return LangTag(
                    value,
                    language=lang,
                    script=script,
                    problem="region",
                    reason=f"'{sub}' is not an ISO 3166-1 alpha-2 region code",
                    hint=REGION_HINTS.get(upper),
                )
        elif sub.isdigit() and len(sub) == 3:
            return LangTag(
                value,
                language=lang,
                script=script,
                problem="region",
                reason=f"'{sub}' is a UN M.49 region: Google supports ISO 3166-1 alpha-2 only",
            )
        else:
            return _bad_language(value, f"'{sub}' is neither a script nor a region subtag")
        region = upper
        rest = rest[1:]
    return LangTag(value, language=lang, script=script, region=region, extra=bool(rest))
