"""Question understanding: which province is asked about, and which words matter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoidap.answer.answer_types import expected_type, without_counter_ask
from hoidap.answer.spans import named_years
from hoidap.vietnamese import expand_shorthand, expand_texting, find_provinces, fold, fold_asking, has_diacritics, nfc, stopwords_of

_NUMERIC = re.compile(r"bao nhieu|ty le|may |so luong|phan tram|%|muc|chi tieu", re.I)
# "so sánh", "khác nhau", "bên nào trước", "… như Bắc Ninh không", "… còn Hòa Bình thì sao": one line per plan.
# Two plans named side by side ("kh năm 2024 với kh 285", "ở cả 2 kh") ask for both plans' lines too.
_COMPARES = re.compile(r"\b(so sanh|so voi|khac nhau|giong|chenh|ben nao|cai nao|tinh nao|nhung ke hoach nao|"
                       r"ca hai|(?:hai|2) (?:ke hoach|van ban)|(?:moi|tung) (?:tinh|ke hoach|van ban|noi)|cac tinh|"
                       r"nhu \w+( \w+)? khong|con \w+( \w+)? thi sao|"
                       r"(?:ke hoach|van ban)\b[^,:?]{0,30}\b(?:va|voi) (?:ke hoach|van ban))\b")


# "mình làm văn thư ở sở GDĐT Bắc Ninh, …", "hiệu trưởng THPT ở Hòa Bình hỏi: …", "sếp cần số liệu để báo cáo: …",
# "sếp hỏi …": who asks and why, not what.
_CHAT_CONTEXT = re.compile(
    r"^\s*(?:(?:minh|em|toi|to|chi|anh|co|thay)\s+(?:la|lam|dang|day|o|cong tac)\b[^,:?]{0,80}?(?:[,:]|\bcho (?:minh |em |toi )?hoi\b)"
    r"|[^,:?]{0,60}\b(?:hoi|sep|lanh dao|can gap|can so lieu|nho)\b[^:?]{0,60}:|(?:sep|lanh dao|phong|truong)\s+(?:hoi|can gap|can|nho)\b)"
)


# "xã em vùng 3, con em học lớp 5, mai họp dân, cho em hỏi …": who asks and why, said before the ask in
# clauses of their own. Such a clause speaks of the asker (a place or child of theirs, what they are doing),
# greets, or announces a meeting; it asks nothing itself.
_ASKER = re.compile(
    r"\b(?:xa|thon|ban|huyen|truong|lop|nha|phuong|chau|vo|chong|me|bo|so|phong|co quan|don vi)\s+(?:em|toi|minh|tui|to)\b"
    r"|\bcon (?:em|toi|minh|tui)\s+(?:hoc|nam nay|dang|vao|sap|lop|di hoc|o|thi|moi)\b"
    r"|^(?:em|toi|minh|tui|to|chung toi|bon em|anh|chi)\s+(?:la|lam|dang|o|day|co|can|muon|dinh|sap|phai|vua|moi|hoc|cong tac|phu trach)\b"
    r"|\b(?:mai|ngay mai|tuan sau|tuan toi|chieu nay|sang nay|toi nay|hom nay|sap|thang sau|sap toi)\b.*\b(?:hop|bao cao|trinh bay|noi|phat bieu|thuyet trinh)\b"
    r"|\bhop (?:dan|thon|ban|phu huynh|hdnd|hoi dong|chi bo|xa|giao ban|to dan pho)\b"
    r"|^(?:ad|admin|anh chi|moi nguoi|ban oi|chao|xin chao|alo|a lo)\b"
)
# (letters: "kính gửi ban biên tập,", "xin hỏi", "nhờ cháu tra giúp bà:", "làm ơn cho tôi biết")
_ASKER_WORD = r"(?:em|minh|toi|to|tui|chi|anh|chau|ba|ong|bac|chu|con|ban|ad|admin|thay)"
_GREETING = re.compile(r"(?:(?:ad|admin|anh chi|moi nguoi|anh|chi|ban|em)\s+oi|xin chao|chao (?:ad|admin|ban|anh chi)|"
                       r"kinh (?:gui|chao)\b[^,:.!?]{0,40}(?=[,:.!])|xin (?:hoi|phep hoi)|(?:lam on |xin )?cho (?:" + _ASKER_WORD + r"\s+)?biet|"
                       r"nho (?:" + _ASKER_WORD + r"\s+)?(?:tra|xem|coi|hoi|tim)?\s*(?:giup|ho)(?:\s+" + _ASKER_WORD + r")?(?:\s+(?:voi|cai|chut|ti|ty|nhe|nha)\b)*|"
                       r"(?:(?:ad|admin|anh chi|moi nguoi)\s+)?cho (?:" + _ASKER_WORD + r"\s+)?hoi(?:\s+(?:chut|ti|ty|xiu|voi|cai|nhe|nha)\b)*(?:\s+la\b)?)\b\s*[,:.!]?\s*")
_ASKS_SOMETHING = re.compile(r"\b(?:bao nhieu|may|nao|gi|khi nao|bao gio|ai|the nao|thi sao|ra sao|khong|chua|co phai|sao)\b|\?")
_CLAUSE_END = re.compile(r"[,:;.!?](?!\d)")


def ask_start(question: str) -> int:
    """Where the ask of a chat message begins, after clauses that only say who asks and why and a greeting
    ("xã em vùng 3, con em học lớp 5, cho em hỏi | tỷ lệ …"); 0 when there are none or too little is left."""
    folded = fold(question)
    if len(folded) != len(question):
        return 0
    start = 0
    while True:
        start += len(folded[start:]) - len(folded[start:].lstrip())
        greeting = _GREETING.match(folded, start)
        if greeting and greeting.end() > start:
            start = greeting.end()
            continue
        end = _CLAUSE_END.search(folded, start)
        clause = folded[start : end.start() if end else len(folded)].strip()
        if not end or not _ASKER.search(clause) or _ASKS_SOMETHING.search(clause):
            break
        start = end.end()
    rest = question[start:].split()
    topical = [w for w, stop in zip(rest, stopwords_of([w.lower().strip(",.?!:;") for w in rest])) if not stop]
    return start if start and len(topical) >= 2 else 0


def framing_words(text: str) -> frozenset[str]:
    """Folded words that frame a question rather than name its topic: a chat preamble saying who
    asks, minus the words the question proper repeats. (Measured and left out: "làm / việc" of
    "phải làm những việc gì", no change on 1,253 questions.)"""
    folded = fold(text)
    m = _CHAT_CONTEXT.match(folded)
    if not m:
        return frozenset()
    said = nfc(text).lower()  # as typed: "báo" of "báo cáo:" is not the "bao" of "bao nhiêu"
    if len(said) != len(folded):
        said = folded
    repeated = set(_split_words(said[m.end() :]))
    return frozenset(fold(w) for w in _split_words(said[: m.end()]) if w not in repeated)


def _split_words(text: str) -> list[str]:
    return text.replace(",", " ").replace(":", " ").split()


# "UBND huyện phải làm gì", "trường CĐSP có nhiệm vụ gì", "Sở Tài chính được giao những việc gì": the
# answer is the task item under the heading that names that body, which rarely repeats the name.
_TASK = re.compile(r"\b(?:(?:phai|can|se|duoc giao|dam nhan|co) )?(?:lam (?:nhung )?(?:gi|viec gi)|nhung viec gi|"
                   r"(?:nhung )?nhiem vu (?:la )?gi|trach nhiem (?:la )?gi|phu trach (?:viec )?gi)\b")


def task_subject(text: str) -> str:
    """The body a task question asks about: the words before "phải làm gì" ("UBND huyện, thị xã ở"),
    without a chat preamble; "" when the question asks no task."""
    folded = fold(text)
    m = _TASK.search(folded)
    if not m:
        return ""
    preamble = _CHAT_CONTEXT.match(folded)
    start = preamble.end() if preamble and preamble.end() < m.start() else 0
    subject = text[start : m.start()].split()
    cut = next((i for i, w in enumerate(subject) if i and fold(w) in _AFTER_SUBJECT), len(subject))
    return " ".join(subject[:cut]).strip(" ,:")


# Words after which a task question's subject has ended: "trưởng phòng GD huyện | ở Hòa Bình | gặp vấn đề
# phát sinh thì phải làm gì", "trường học | về bảo hiểm y tế".
_AFTER_SUBJECT = frozenset({"o", "tai", "gap", "khi", "neu", "ve", "theo", "trong", "voi"})


# "gv mầm non đạt chuẩn bao nhiêu %, còn THCS thì sao", "… cần đạt mấy %, tốt nghiệp THCS bao nhiêu":
# two asks in one message, each side with its own question word.
_QUESTION_WORD = r"\b(?:bao nhieu|may|nao|gi|khi nao|ai|the nao|thi sao|ra sao)\b"
_TWO_ASKS = re.compile(rf"^(.*?{_QUESTION_WORD}.*?)(?:[,;+]| va | con | voi )\s*(.*{_QUESTION_WORD}.*)$")


_ASK_LEAD = re.compile(r"(?:con|va|voi|nhung)\s+")  # ", còn THCS thì sao": "còn" joins, it names nothing


def asks(text: str) -> list[str]:
    """The asks of a message that asks two things (as typed), or [] for a single question."""
    folded = fold_asking(text)
    m = _TWO_ASKS.match(folded) if len(folded) == len(text) else None
    if not m:
        return []
    second = _ASK_LEAD.match(folded, m.start(2))
    return [text[m.start(1) : m.end(1)], text[second.end() if second else m.start(2) : m.end(2)]]


# "nghe nói …, có đúng không": a figure the message states and asks to have confirmed
_STATED_PERCENT = re.compile(r"(?<![\d,.])\d+(?:[,.]\d+)?\s*(?:%|phần trăm|phan tram)", re.IGNORECASE)
_HEARSAY = re.compile(r"^\s*(?:(?:tôi |toi |em |mình |minh |bà |ba |ông |ong )?(?:nghe|thấy|thay) (?:nói|noi|bảo|bao|đâu|dau|đồn|don)\b"
                      r"|(?:có |co )?(?:người|nguoi|tin) (?:ta )?(?:nói|noi|bảo|bao|đồn|don))(?: (?:là|la|rằng|rang)\b)?\s*,?\s*", re.IGNORECASE)
_CHECK_TAIL = re.compile(r"[,\s]*(?:(?:có|co|vậy|vay|thế|the|đúng|dung|thật|that|phải|phai|là|la)\s+){0,3}"
                         r"(?:không|khong|ko|chăng|chang|hả|ha|hở|ho|à|chứ|chu)(?:\s+(?:ạ|a|vậy|vay|thế|the|nhỉ|nhi))*\W*$", re.IGNORECASE)
_CHECK_HEAD = re.compile(r"^\s*(?:có phải|co phai|phải chăng|phai chang)(?: (?:là|la)\b)?\s*", re.IGNORECASE)


def figure_asked(question: str) -> str | None:
    """The figure question a rumour check stands for ("nghe nói LC phấn đấu 100% trẻ mẫu giáo ra lớp, có
    đúng không" -> "LC phấn đấu bao nhiêu % trẻ mẫu giáo ra lớp"), or None when it checks no percentage."""
    if expected_type(question) != "confirm" or len(_STATED_PERCENT.findall(question)) != 1:
        return None
    text = _CHECK_TAIL.sub("", _CHECK_HEAD.sub("", _HEARSAY.sub("", without_counter_ask(question))))
    return _STATED_PERCENT.sub("bao nhiêu %", text).strip() or None


def stated_figure(question: str) -> str:
    """The percentage a message states, as the plans write it ("90 phần trăm" -> "90%"); "" when none."""
    m = _STATED_PERCENT.search(question)
    return re.sub(r"\s*(?:%|phần trăm|phan tram)$", "%", m.group(0), flags=re.IGNORECASE) if m else ""


def is_check(question: str) -> bool:
    """Whether the message asks yes or no ("… có đúng không", "có phải …"), not which plans state a figure."""
    question = without_counter_ask(question)
    return bool(_CHECK_TAIL.search(question) or _CHECK_HEAD.match(question))


@dataclass
class Query:
    """A question made ready for retrieval."""

    question: str
    text: str  # what is searched: the question without the province names
    provinces: list[str]
    accented: bool
    wants_number: bool
    compares: bool = False  # several provinces or plans, or a comparison cue: answer with each plan's line

    @property
    def search_text(self) -> str:
        """What retrieval reads: the text without a chat preamble's words ("sếp cần số liệu để báo cáo:")."""
        framed = framing_words(self.text)
        if not framed:
            return self.text
        kept = [w for w in self.text.split() if fold(w).strip(",:;.") not in framed]
        return " ".join(kept) or self.text


def understand(question: str, known_provinces: set[str]) -> Query:
    """The ask of a message made ready for retrieval: texting shorthand expanded, a preamble saying who asks
    set aside, scoped to the provinces named anywhere in the message (with or without diacritics)."""
    typed = nfc(question).strip()
    question = expand_texting(typed)  # "có bn trường", "đc miễn ko": the words the shorthand stands for
    message = expand_shorthand(question)
    provinces = find_provinces(message, known_provinces)  # "HB", "LC" name Hòa Bình and Lai Châu too, even in a preamble
    question = question[ask_start(question) :].strip() or question  # the ask, without "xã em vùng 3, cho em hỏi"
    text = expand_shorthand(question)
    cue = bool(_COMPARES.search(fold(text)))  # on the expanded text: "kh 2024 với kh 285"
    for name in provinces:
        text = _remove_name(text, name)
    return Query(
        question=question,
        text=text.strip() or question,
        provinces=provinces,
        accented=has_diacritics(typed),
        wants_number=bool(_NUMERIC.search(fold_asking(question) + " ")),
        # two years named on their own ("năm 2024 ... đến 2030"): two targets to set side by side
        compares=len(provinces) > 1 or cue or len(named_years(question)[0]) > 1,
    )


def _remove_name(text: str, name: str) -> str:
    """Drop "(tỉnh) Sơn La" / "son la" from the text, keeping the rest intact."""
    folded = fold(text)
    key = fold(name)
    pos = folded.find(key)
    while pos >= 0:
        start = pos
        if folded[max(0, pos - 5) : pos] == "tinh ":
            start = pos - 5
        text = text[:start] + text[pos + len(key) :]
        folded = folded[:start] + folded[pos + len(key) :]
        pos = folded.find(key)
    return re.sub(r"\s{2,}", " ", text)
