"""Vietnamese text helpers: normalisation, accent folding, syllable tokens, provinces.

Users type with and without diacritics, and documents mix old and new tone
placement ("Hoà" / "Hòa"); everything that matches text goes through here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[.,/][0-9]+)*", re.UNICODE)
# In NFD, old-style placement is vowel1 + vowel2 + mark at the end of an open
# syllable ("hoà" = h o a + grave); the modern style puts the mark on vowel1. A second mark on
# vowel2 ("luận" = l u a + dot + circumflex) makes vowel2 the main vowel: nothing moves.
_OLD_TONE = re.compile(r"(?<![qQ])([oOuU])([aAeEyY])([\u0300\u0301\u0303\u0309\u0323])(?![^\W\d_]|[\u0300-\u036f])")

# Question words, chat particles and glue: they carry no topic. The keyword index keeps
# them, but coverage (how much of the question a passage answers) ignores them. A word
# typed with accents is compared as typed; an unaccented one by its folded form, except
# folds shared with topic words ("dung" is also "dựng/dụng", "phan" is also "phấn", "de" is also the "đề"
# of "đề án", "chủ đề", "anh" the "Anh" of "tiếng Anh").
_STOP_ACCENTED = frozenset(
    """
    là gì bao nhiêu nào thế sao vậy à ạ hả nhé không có của cho và với các những được ở tại
    trong theo về thì mà đến từ để này đó kia khi như hay hoặc cũng đã sẽ đang bị bởi ra vào
    một mấy ai đâu chưa rồi nữa thôi nhỉ ơi em anh chị mình tôi bạn hỏi xin cảm ơn giúp
    tỉnh năm học kế hoạch bên gồm đấy ấy nay hiện cụ ta chúng hông
    phần trăm muốn giống khác nhau hơn so sánh nhắc dùng trên dưới ngoái biết
    phải chiếm cần khoảng tầm ít nhất cái nói lúc
    """.split()
)
_AMBIGUOUS_FOLDS = frozenset({"cai", "dung", "phan", "dang", "nhac", "hoi", "tren", "so", "khac", "giong", "duoi", "ban", "cho", "ra", "ta",
                              "noi", "luc", "de", "tam", "anh"})


@lru_cache(maxsize=1)
def _stop_folded() -> frozenset[str]:
    return frozenset({fold(w) for w in _STOP_ACCENTED} - _AMBIGUOUS_FOLDS)


def is_stopword(word: str) -> bool:
    """Whether a (lower-cased) question word carries no topic."""
    return word in _STOP_ACCENTED if has_diacritics(word) else word in _stop_folded()


# Unaccented words that ask or frame only before these ("bao nhieu", "bao gio", "luc nao", "so sanh"); elsewhere they are topic
# words typed without accents ("bao cao" = báo cáo, "bao dam" = bảo đảm, "nang luc" = năng lực)
_ASKING_BEFORE = {"bao": frozenset({"nhieu", "gio", "lau"}), "luc": frozenset({"nao"}), "so": frozenset({"sanh", "voi"})}


def stopwords_of(ws: list[str]) -> list[bool]:
    """is_stopword of each word of a question, reading an unaccented "bao" by the word after it."""
    out = []
    for i, w in enumerate(ws):
        after = _ASKING_BEFORE.get(w)
        out.append(is_stopword(w) if after is None else i + 1 < len(ws) and fold(ws[i + 1]) in after)
    return out


# Chat shorthand teachers type, expanded before searching ("gv mn" -> "giáo viên mầm non").
SHORTHAND = {
    "gv": "giáo viên", "hs": "học sinh", "sv": "sinh viên", "gd": "giáo dục", "gdđt": "giáo dục và đào tạo",
    "gddt": "giáo dục và đào tạo", "mn": "mầm non", "kh": "kế hoạch", "qđ": "quyết định", "qd": "quyết định",
    "sgd": "Sở Giáo dục", "csvc": "cơ sở vật chất", "cđ": "cao đẳng", "cbql": "cán bộ quản lý",
    "ptdtnt": "phổ thông dân tộc nội trú", "gdpt": "giáo dục phổ thông", "tp": "thành phố",
    "pc": "phổ cập", "qg": "quốc gia", "sgk": "sách giáo khoa", "cntt": "công nghệ thông tin", "dtts": "dân tộc thiểu số",
    "hk1": "học kỳ I", "hki": "học kỳ I", "hk2": "học kỳ II", "hkii": "học kỳ II", "hkpđ": "Hội khỏe Phù Đổng",
    "hkpd": "Hội khỏe Phù Đổng", "mg": "mẫu giáo", "hb": "Hòa Bình", "lc": "Lai Châu",
    # abbreviations the plans themselves (almost) never use, so only the words can match
    "pcgd": "phổ cập giáo dục", "xmc": "xóa mù chữ", "hsg": "học sinh giỏi", "kđcl": "kiểm định chất lượng",
    "kdcl": "kiểm định chất lượng", "gdmn": "giáo dục mầm non", "gdnn": "giáo dục nghề nghiệp",
    "tbdh": "thiết bị dạy học", "cđs": "chuyển đổi số", "gdqp": "giáo dục quốc phòng", "nckh": "nghiên cứu khoa học",
    "tn": "tốt nghiệp", "bc": "báo cáo", "mttq": "Mặt trận Tổ quốc",
    # the everyday names of the school levels and of continuing education, which the plans never use
    "cấp 1": "cấp tiểu học", "cap 1": "cấp tiểu học", "cấp i": "cấp tiểu học",
    "cấp 2": "cấp trung học cơ sở", "cap 2": "cấp trung học cơ sở", "cấp ii": "cấp trung học cơ sở",
    "cấp 3": "cấp trung học phổ thông", "cap 3": "cấp trung học phổ thông", "cấp iii": "cấp trung học phổ thông",
    "bổ túc văn hóa": "giáo dục thường xuyên", "bo tuc van hoa": "giáo dục thường xuyên",
    "bổ túc": "giáo dục thường xuyên", "bo tuc": "giáo dục thường xuyên",
    # English words staff mix in ("KPI cấp THCS của HB", "các mốc deadline báo cáo"), which no plan uses
    "kpi": "chỉ tiêu", "kpis": "chỉ tiêu", "target": "chỉ tiêu", "targets": "chỉ tiêu", "budget": "ngân sách",
    "deadline": "hạn chót", "deadlines": "hạn chót", "lead": "chủ trì", "focal point": "đầu mối",
    "completion rate": "tỷ lệ hoàn thành", "enrollment": "huy động ra lớp", "enrolment": "huy động ra lớp",
    "literacy": "biết chữ", "dropout": "bỏ học", "universal": "phổ cập", "digital transformation": "chuyển đổi số",
    "theme": "chủ đề", "salary": "lương", "school safety": "an toàn trường học", "cashless": "không dùng tiền mặt",
}
_SHORTHAND_RE = re.compile(r"(?<![\w/-])(" + "|".join(sorted(SHORTHAND, key=len, reverse=True)) + r")(?![\w/-])", re.IGNORECASE)


# "năm học 24-25", "nh 24-25": the plans always write the school year in full ("2024 - 2025")
_SHORT_SCHOOL_YEAR = re.compile(r"(?<!\w)(năm học|nam hoc|nh)\s+(\d{2})\s*[-–/]\s*(\d{2})(?![\d/])", re.IGNORECASE)


# "học kỳ 1", "hoc ki 2": the plans number semesters in Roman numerals ("sơ kết học kỳ I")
_SEMESTER_NUMBER = re.compile(r"(?<!\w)(học k[ỳì]|hoc k[yi])\s*([12])(?![\d/]|[,.]\d)", re.IGNORECASE)


# "SL", "BN" in capitals name Sơn La and Bắc Ninh; typed small they are usually "số lượng", "bao nhiêu".
_PROVINCE_CAPITALS = {"SL": "Sơn La", "BN": "Bắc Ninh"}
_PROVINCE_CAPITALS_RE = re.compile(r"(?<![\w/-])(SL|BN)(?![\w/-])")


# Texting shorthand of chat messages ("có đc hỗ trợ ko", "lớp mấy vs ạ"): words of the question itself,
# expanded before it is read, so "bn" asks a figure and "j" a thing as "bao nhiêu" and "gì" do.
TEXTING = {
    "ko": "không", "k": "không", "hok": "không", "khg": "không", "hem": "không", "dc": "được", "đc": "được",
    "j": "gì", "ntn": "như thế nào", "vs": "với", "cx": "cũng", "nhg": "những", "ng": "người", "bh": "bao giờ",
    "bnhieu": "bao nhiêu", "nhiu": "nhiêu", "bnhiu": "bao nhiêu", "trc": "trước", "ns": "nói", "mk": "mình", "bít": "biết", "bit": "biết",
}
_TEXTING_RE = re.compile(r"(?<![\w/-])(" + "|".join(TEXTING) + r")(?![\w/-])", re.IGNORECASE)
# "tr" is "trường" ("tr tiểu học") but "triệu" after a figure ("5 tr"); small "bn" is "bao nhiêu" where a
# figure is asked ("đạt bn %", "có bn trường"); elsewhere ("bn hạn tổng kết") it may be Bắc Ninh.
_TR = re.compile(r"(?<![\w/-])(\d\s*)?tr(?![\w/-])", re.IGNORECASE)
_BN = re.compile(r"(?<![\w/-])bn(?![\w/-])")
_BN_AFTER = frozenset("la co dat duoc dc chiem tang giam xuong len muc tuyen can con phai them khoang duoi tren mat het".split())
_BN_BEFORE = frozenset("% phan truong tr giao gv hoc hs xa huyen lop nguoi tien sinh sv chi nam thang ngay phong co diem "
                       "tre em ty ti trieu dong a vay the nhi voi".split())


def _bn(m: re.Match[str]) -> str:
    """"bao nhiêu" for a small "bn" standing where a figure is asked (after "đạt", before "%" or a unit)."""
    before = m.string[: m.start()].split()[-1:]
    after = m.string[m.end() :].replace("%", " % ").split()[:1]
    asks = (before and fold(before[0]) in _BN_AFTER) or not after or fold(after[0]).strip("?.!,") in _BN_BEFORE | {""}
    return "bao nhiêu" if asks and m.group() == "bn" else m.group()


def expand_texting(text: str) -> str:
    """Replace the texting shorthand of a chat message by the words it stands for."""
    text = _BN.sub(_bn, text)
    text = _TR.sub(lambda m: f"{m.group(1)}triệu" if m.group(1) else "trường", text)
    return _TEXTING_RE.sub(lambda m: TEXTING[m.group(1).lower()], text)


def expand_shorthand(text: str) -> str:
    """Replace chat abbreviations by the words the plans use."""
    text = _PROVINCE_CAPITALS_RE.sub(lambda m: _PROVINCE_CAPITALS[m.group(1)], text)
    text = _SHORT_SCHOOL_YEAR.sub(_full_school_year, text)
    text = _SEMESTER_NUMBER.sub(lambda m: f"{m.group(1)} {'I' * int(m.group(2))}", text)
    return _SHORTHAND_RE.sub(lambda m: SHORTHAND[m.group(1).lower()], text)


def _full_school_year(m: re.Match[str]) -> str:
    first, second = int(m.group(2)), int(m.group(3))
    if second != first + 1:
        return m.group()
    said = "năm học" if m.group(1).lower() == "nh" else m.group(1)
    return f"{said} 20{first:02d}-20{second:02d}"

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên",
    "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang",
    "Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize_tone_placement(text: str) -> str:
    """Move old-style tone marks ("hoà", "thuỷ") to the modern vowel ("hòa", "thủy")."""
    decomposed = unicodedata.normalize("NFD", text)
    return nfc(_OLD_TONE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed))


def fold(text: str) -> str:
    """Lower-case, strip diacritics and spell i/y one way: "Tỉ lệ Đạt" -> "ty le dat"."""
    return _fold_short(text) if len(text) <= 32 else _fold(text)


# Words that ask, and what they fold to: typed with other accents they are other words ("máy móc" is no
# "mấy", "đầu tư" no "đâu", "nhiều" no "nhiêu").
_ASKING = {"may": "mấy", "nao": "nào", "gi": "gì", "dau": "đâu", "nhieu": "nhiêu"}
LETTER_RUN = re.compile(r"[^\W\d_]+")  # a word of letters only, as typed


def fold_asking(text: str) -> str:
    """fold(), except that a word typed with accents that only folds to an asking word ("máy") no longer
    reads as one: its last letter becomes "_" (the length stays, so offsets still hold)."""
    folded = fold(text)
    if not has_diacritics(text):
        return folded
    for m in LETTER_RUN.finditer(text):
        word = m.group().lower()
        asking = _ASKING.get(folded[m.start() : m.end()])
        if asking is not None and word != asking and has_diacritics(word):
            folded = folded[: m.end() - 1] + "_" + folded[m.end() :]
    return folded


# "tỉ lệ" / "tỷ lệ", "học kì" / "học kỳ", "lí luận" / "lý luận", "kĩ năng" / "kỹ năng": both spellings
# are correct after h, k, l, m, s, t, and the plans (and users) use both. One spelling, y, everywhere
# text is compared, so the keyword index and the answer layer see one word. Length is unchanged, so
# offsets into folded text still point into the original.
_IY_FOLDED = re.compile(r"(?<![^\W\d_])([hklmst])i(?![^\W\d_])")
_IY_MARKED = re.compile(r"(?<![^\W\d_])([hklmst])([iìíỉĩị])(?![^\W\d_])")
_Y_OF_I = str.maketrans("iìíỉĩị", "yỳýỷỹỵ")


def unify_iy(text: str) -> str:
    """Lower-case text with the i/y spelling variants written as y ("tỉ" -> "tỷ", "ki" -> "ky")."""
    return _IY_MARKED.sub(lambda m: m.group(1) + m.group(2).translate(_Y_OF_I), text)


@lru_cache(maxsize=1 << 16)
def _fold_short(text: str) -> str:
    """Words and short phrases come back question after question (selection folds ~800 per question)."""
    return _fold(text)


def _fold(text: str) -> str:
    return _IY_FOLDED.sub(r"\1y", _strip(text))


def _strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks (the user typed with accents)."""
    return _marked_short(text) if len(text) <= 32 else _strip(text) != text.lower()


@lru_cache(maxsize=1 << 14)
def _marked_short(text: str) -> bool:
    """Selection asks this of the same question terms and words for every candidate (~400 per question)."""
    return _strip(text) != text.lower()


_SUPERSCRIPTS = str.maketrans("", "", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def words(text: str) -> list[str]:
    """Lower-cased syllables and numbers ("32,8", "1899/qđ") with tone placement normalised.

    Superscript footnote markers ("2025¹") are dropped so they never glue onto a word.
    """
    clean = normalize_tone_placement(nfc(text)).translate(_SUPERSCRIPTS)
    return [unify_iy(w.lower()) for w in _WORD.findall(clean)]


@lru_cache(maxsize=1)
def _province_keys() -> tuple[tuple[str, str], ...]:
    """Each province's folded words padded with spaces, to find it as whole words."""
    return tuple((" " + " ".join(fold(w) for w in words(name)) + " ", name) for name in PROVINCES)


# "tư tưởng, đạo đức, phong cách Hồ Chí Minh", "Chủ tịch Hồ Chí Minh", "Đoàn TNCS Hồ Chí Minh" name the
# President or the Youth Union, not the city: plans quote them often.
_PERSON_HO_CHI_MINH = re.compile(r" (tu tuong|dao duc|phong cach|chu tich|bac|tncs|cong san|doan|guong|loi day) ho chi minh ")


def find_provinces(text: str, known: set[str] | None = None) -> list[str]:
    """Province names mentioned in the text, with or without diacritics, canonical spelling."""
    folded = _PERSON_HO_CHI_MINH.sub(" ", " " + " ".join(fold(w) for w in words(text)) + " ")
    mentions = []  # (start, end, name): where each name's words stand in the folded text
    for key_words, name in _province_keys():
        start = folded.find(key_words)
        while start >= 0:
            mentions.append((start, start + len(key_words) - 1, name))
            start = folded.find(key_words, start + 1)
    # "Thừa Thiên Huế" holds "Huế" and "Hòa Bình định" (plans to) holds "Bình Định": a mention overlapping one
    # that starts earlier, or as early and runs longer, names nothing
    named = {name for s, e, name in mentions
             if not any((s2, -e2) < (s, -e) and s < e2 and s2 < e for s2, e2, _ in mentions)}
    return [name for _, name in _province_keys() if name in named and (known is None or name in known)]


_ABBREVIATIONS = frozenset({"tp", "kt", "tm", "tl", "ts", "ths", "pgs", "gs", "q", "st", "v.v", "tt"})
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”)]?\s+(?=[\"“(\-–•*+]?\s*[^\W_])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of a paragraph; never cuts "TP. Hà Nội" or "1. Tăng".

    Vietnamese plans write long sentences; a sentence ends at . ! ? followed by a
    capital letter, a digit or a bullet.
    """
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        nxt = text[m.end() : m.end() + 1]
        if nxt.isalpha() and nxt.islower():
            continue
        before = text[start : m.start()].rstrip(".!?…\"”)").split()
        last = before[-1].lower() if before else ""
        if last in _ABBREVIATIONS or (len(before) == 1 and last.isdigit()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text.rstrip())))
    return [(a, b) for a, b in spans if text[a:b].strip()]
