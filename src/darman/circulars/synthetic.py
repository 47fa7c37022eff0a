"""A reproducible synthetic corpus of Persian circulars with the truth of which belong
together (pure: no database).

Each *topic* is one rule on one of the platform's subjects (tariffs, referral,
e-prescription, medical documents, procurement, staffing), written as a few sentences
drawn from that subject's templates with values of its own: its centre (a kind of centre in
a named town), its service (by code) and its item (by model) come from a vocabulary four
times the number of topics (``Local``), so a corpus of 100,000 is as varied for its size
as one of 2,000, and unrelated rules do not share wording by chance. A topic is issued once, then
may be followed by paraphrases (synonyms, sentences reordered), near-copies (a reminder
with one value changed), amendments (the rule restated with a changed clause; an
``amends`` effect) and a repeal (restating the rule it ends; a ``repeals`` effect). All
circulars of one topic form one true cluster; a topic issued once stands alone."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import jdatetime

from darman.circulars import similarity, text

SUBJECTS: dict[str, tuple[str, str]] = {
    # key: (subject as titled, issuing unit)
    "tariff": ("تعرفه خدمات", "دفتر تعرفه و ارزشیابی"),
    "referral": ("نظام ارجاع و پزشک خانواده", "دفتر پزشک خانواده"),
    "eprescription": ("نسخه الکترونیک", "اداره کل فناوری اطلاعات سلامت"),
    "documents": ("رسیدگی اسناد پزشکی", "اداره کل اسناد پزشکی"),
    "procurement": ("خرید راهبردی و تدارکات", "اداره کل تدارکات"),
    "staffing": ("نیروی انسانی و انتصابات", "اداره کل منابع انسانی"),
}

PROVINCES = [
    "تهران", "اصفهان", "فارس", "خراسان رضوی", "آذربایجان شرقی", "خوزستان", "مازندران",
    "گیلان", "کرمان", "سیستان و بلوچستان", "کرمانشاه", "همدان", "یزد", "قزوین", "البرز",
    "لرستان", "کردستان", "هرمزگان", "بوشهر", "زنجان", "سمنان", "مرکزی", "گلستان", "اردبیل",
]  # fmt: skip
FACILITIES = [
    "بیمارستان‌های ملکی", "درمانگاه‌های طرف قرارداد", "مراکز جراحی محدود", "داروخانه‌های شبانه‌روزی",
    "آزمایشگاه‌های تشخیص طبی", "مراکز تصویربرداری", "پلی‌کلینیک‌های تخصصی", "مراکز توانبخشی",
]  # fmt: skip
SERVICES = [
    "ویزیت پزشک عمومی", "ویزیت متخصص", "سونوگرافی", "ام آر آی", "سی تی اسکن", "دیالیز",
    "فیزیوتراپی", "آندوسکوپی", "شیمی درمانی", "آزمایش خون", "رادیولوژی ساده", "ماموگرافی",
    "اکوکاردیوگرافی", "تست ورزش", "نوار قلب", "جراحی کاتاراکت",
]  # fmt: skip
ITEMS = [
    "سرنگ یکبار مصرف", "دستکش جراحی", "سوند ادراری", "ست سرم", "استنت قلبی", "پروتز مفصل ران",
    "کاتتر وریدی", "لنز داخل چشمی", "گاز استریل", "ماسک N95", "ست دیالیز", "باند کشی",
]  # fmt: skip
ROLES = [
    "کارشناس رسیدگی", "مدیر درمان استان", "مسئول فنی داروخانه", "پزشک معتمد", "کارشناس خرید",
    "مسئول واحد آمار", "رئیس اداره اسناد", "کارشناس فناوری اطلاعات",
]  # fmt: skip

# {p} province, {f} facility, {s} service, {i} item, {r} role, {n} a number, {d} days,
# {c} percent, {m} rials
TEMPLATES: dict[str, list[str]] = {
    "tariff": [
        "تعرفه {s} در {f} استان {p} از ابتدای سال برابر {m} ریال تعیین می‌شود",
        "سهم بیمه شده در {s} معادل {c} درصد تعرفه دولتی است و مابه التفاوت از بیمار دریافت نمی‌شود",
        "{f} موظفند تعرفه {s} را در محل پذیرش نصب کنند و {r} بر اجرای آن نظارت می‌کند",
        "برای {s} در مناطق محروم استان {p} ضریب {n} دهم به تعرفه پایه افزوده می‌شود",
        "پرداخت هزینه {s} بیش از {n} بار در ماه برای هر بیمه شده نیازمند تأیید {r} است",
        "تعرفه خدمات {f} در ساعات شب تا {c} درصد افزایش می‌یابد",
        "صورتحساب {s} بدون کد ملی بیمه شده و کد رهگیری پذیرفته نمی‌شود و {r} آن را برگشت می‌دهد",
        "اختلاف تعرفه {s} میان {f} و بخش خصوصی تا سقف {m} ریال از محل اعتبارات استانی جبران می‌شود",
    ],
    "referral": [
        "بیماران ساکن استان {p} برای دریافت {s} باید با ارجاع پزشک خانواده به {f} مراجعه کنند",
        "اعتبار برگه ارجاع {d} روز از تاریخ صدور است و پس از آن {r} ارجاع تازه صادر می‌کند",
        "پزشک سطح دوم ظرف {d} روز پسخوراند {s} را در سامانه ثبت می‌کند",
        "بیمه شدگانی که بدون ارجاع به {f} مراجعه کنند {c} درصد هزینه {s} را خود می‌پردازند",
        "جمعیت تحت پوشش هر پزشک خانواده در استان {p} حداکثر {n} هزار نفر است",
        "{r} فهرست {f} سطح دوم را هر {d} روز یک بار به روز می‌کند",
        "ارجاع مستقیم به {s} فقط در موارد اورژانس و با تأیید {r} پذیرفته است",
        "نرخ ارجاع هر پزشک خانواده نباید از {c} درصد ویزیت‌های ماه تجاوز کند",
    ],
    "eprescription": [
        "از تاریخ ابلاغ نسخه {s} در {f} استان {p} فقط به صورت الکترونیک صادر می‌شود",
        "داروخانه‌ها نسخه کاغذی را پس از {d} روز از ابلاغ نمی‌پذیرند مگر با تأیید {r}",
        "کد رهگیری نسخه الکترونیک {n} رقمی است و با کد ملی بیمه شده استعلام می‌شود",
        "قطعی سامانه بیش از {d} ساعت باید به {r} استان {p} گزارش شود",
        "{f} موظفند سامانه نسخه نویسی را تا پایان ماه {n} راه اندازی کنند",
        "سقف اقلام هر نسخه الکترونیک {n} قلم است و اقلام بیشتر نیاز به نسخه جداگانه دارد",
        "پرداخت هزینه {s} بدون نسخه الکترونیک معتبر به {f} انجام نمی‌شود",
        "{r} گزارش تطبیق نسخه‌های صادره و پیچیده شده را هر {d} روز ارسال می‌کند",
    ],
    "documents": [
        "اسناد {s} {f} استان {p} ظرف {d} روز از تاریخ وصول رسیدگی می‌شود",
        "کسورات اسناد {s} بیش از {c} درصد مبلغ صورتحساب باید با دلیل به {f} اعلام شود",
        "{r} نمونه‌ای {c} درصدی از پرونده‌های {s} را به صورت تصادفی بررسی می‌کند",
        "اعتراض {f} به کسورات ظرف {d} روز در کمیسیون استان {p} رسیدگی می‌شود",
        "اسناد ارسالی پس از {d} روز از پایان ماه ارائه خدمت پذیرفته نمی‌شود مگر با تأیید {r}",
        "پرونده‌های {s} با مبلغ بیش از {m} ریال پیش از پرداخت به تأیید {r} می‌رسد",
        "علی الحساب {c} درصد مبلغ اسناد {f} پیش از رسیدگی نهایی پرداخت می‌شود",
        "خدمات تکراری {s} در یک روز برای یک بیمه شده کسر کامل می‌شود و {r} آن را ثبت می‌کند",
    ],
    "procurement": [
        "خرید {i} برای {f} استان {p} از طریق مناقصه سراسری انجام می‌شود",
        "سقف سهم هر تأمین کننده در خرید {i} {c} درصد نیاز سالانه است",
        "{r} موجودی {i} را هر {d} روز در سامانه انبار ثبت می‌کند",
        "حداقل موجودی {i} در {f} معادل مصرف {n} ماه است",
        "پیش پرداخت قرارداد خرید {i} تا {c} درصد مبلغ قرارداد و با ضمانت نامه بانکی مجاز است",
        "خرید {i} از واسطه‌ها بدون مجوز {r} ممنوع است",
        "قیمت پایه {i} در مناقصه امسال {m} ریال برای هر واحد تعیین می‌شود",
        "تحویل {i} به {f} استان {p} حداکثر {d} روز پس از ابلاغ سفارش انجام می‌شود",
    ],
    "staffing": [
        "انتصاب {r} در {f} استان {p} از طریق فراخوان عمومی و ارزیابی شایستگی انجام می‌شود",
        "حداقل سابقه لازم برای تصدی پست {r} {n} سال است",
        "وزن مصاحبه در امتیاز نهایی داوطلبان پست {r} {c} درصد است",
        "{f} موظفند جدول نیروی انسانی مصوب را ظرف {d} روز به {r} اعلام کنند",
        "جابجایی {r} میان استان {p} و سایر استان‌ها با موافقت دو استان مجاز است",
        "ارزیابی عملکرد {r} هر {n} ماه یک بار بر پایه شاخص‌های مصوب انجام می‌شود",
        "اضافه کار ماهانه کارکنان {f} حداکثر {n} ساعت است",
        "فهرست داوطلبان پذیرفته شده پست {r} ظرف {d} روز در پایگاه اطلاع رسانی منتشر می‌شود",
    ],
}

# what a topic's subject line names, after its subject's title
FOCUS: dict[str, str] = {
    "tariff": "تعرفه {s} در {f}",
    "referral": "ارجاع برای {s} به {f}",
    "eprescription": "نسخه الکترونیک {s} در {f}",
    "documents": "رسیدگی اسناد {s} {f}",
    "procurement": "خرید {i} برای {f}",
    "staffing": "انتصاب {r} در {f}",
}

# word swaps a paraphrase makes (either direction)
SYNONYMS: list[tuple[str, str]] = [
    ("انجام می‌شود", "صورت می‌گیرد"), ("موظفند", "مکلفند"), ("حداکثر", "حداکثرِ"),
    ("تعیین می‌شود", "مقرر می‌گردد"), ("بیمه شده", "بیمه‌شده"), ("تأیید", "موافقت"),
    ("ظرف", "در مدت"), ("پذیرفته نمی‌شود", "قابل قبول نیست"), ("اعلام", "ابلاغ"),
    ("ممنوع است", "مجاز نیست"), ("مراجعه کنند", "رجوع کنند"), ("پرداخت", "تأدیه"),
    ("سامانه", "سیستم"), ("ثبت می‌کند", "درج می‌کند"), ("بررسی", "وارسی"),
]  # fmt: skip
OPENINGS = [
    "با سلام و احترام، به استناد مصوبه هیئت مدیره مقرر می‌شود:",
    "با سلام، پیرو هماهنگی‌های انجام شده به اطلاع می‌رساند:",
    "احتراماً، در اجرای سیاست‌های ابلاغی سازمان موارد زیر ابلاغ می‌شود:",
]
CLOSING = "مسئولیت حسن اجرای این بخشنامه با مدیران درمان استان‌ها است."


@dataclass(frozen=True)
class SyntheticEffect:
    kind: str
    target: str
    provisions: str = ""


@dataclass(frozen=True)
class SyntheticCircular:
    number: str
    issued_on: dt.date
    issuer: str
    subject: str
    audience: str
    body: str
    topic: int  # the true cluster
    role: str  # original | paraphrase | near_copy | amendment | repeal
    effects: tuple[SyntheticEffect, ...] = field(default_factory=tuple)


# syllables of the made-up place and model names; three of them make over 60,000 names
SYLLABLES = [
    "با", "ر", "دا", "نه", "کو", "سا", "مه", "لا", "شی", "رو", "ده", "گا", "تو", "زا", "فر",
    "پی", "ما", "نو", "سی", "خا", "جو", "لی", "ور", "کا", "هی", "دو", "سر", "بن", "تا", "مو",
    "نی", "چا", "زر", "گل", "شه", "را", "پر", "ول", "کن", "دی",
]  # fmt: skip


def name(index: int) -> str:
    """The ``index``-th made-up name: distinct indices give distinct names."""
    parts = []
    for _ in range(3):
        index, digit = divmod(index, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    while index:
        index, digit = divmod(index - 1, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts)


@dataclass(frozen=True)
class Local:
    """What one rule is about: its centre (in a town), its service (by code) and its
    item (by model). Drawn from a vocabulary four times the number of rules, so that a
    large corpus does not make unrelated rules share their wording by chance, as a
    national repository names thousands of towns, codes and models."""

    facility: str
    service: str
    item: str

    @classmethod
    def draw(cls, rnd: random.Random, vocabulary: int) -> Local:
        town, model = name(rnd.randrange(vocabulary)), name(rnd.randrange(vocabulary))
        code = 10_000 + rnd.randrange(vocabulary)
        return cls(
            f"{rnd.choice(FACILITIES)} شهرستان {town}",
            f"{rnd.choice(SERVICES)} با کد {code}",
            f"{rnd.choice(ITEMS)} مدل {model}",
        )


def _fill(template: str, rnd: random.Random, local: Local) -> str:
    values = {
        "p": rnd.choice(PROVINCES), "f": local.facility, "s": local.service,
        "i": local.item, "r": rnd.choice(ROLES), "n": str(rnd.randint(2, 60)),
        "d": str(rnd.choice([7, 10, 14, 15, 20, 30, 45, 60, 90])),
        "c": str(rnd.choice([5, 10, 15, 20, 25, 30, 40, 50, 70])),
        "m": f"{rnd.randint(2, 900) * 50_000:,}",
    }  # fmt: skip
    return template.format(**values)


def _paraphrase(sentences: list[str], rnd: random.Random) -> list[str]:
    out = []
    for s in sentences:
        for a, b in SYNONYMS:
            if rnd.random() < 0.5:
                s = s.replace(a, b) if a in s else s.replace(b, a)
        out.append(s)
    rnd.shuffle(out)
    return out


def _body(opening: str, sentences: list[str], extra: str = "") -> str:
    numbered = [f"{i}- {s}." for i, s in enumerate(sentences, start=1)]
    parts = [opening, *numbered]
    if extra:
        parts.append(extra)
    parts.append(CLOSING)
    return "\n".join(parts)


def _day(rnd: random.Random, year: int) -> dt.date:
    return jdatetime.date(year, rnd.randint(1, 12), rnd.randint(1, 29)).togregorian()


SIZES = [1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 10]


def generate(*, topics: int = 460, seed: int = 1405) -> list[SyntheticCircular]:
    """About ``topics`` x 4.2 circulars (1,940 for the default), the same for the same
    seed."""
    rnd = random.Random(seed)
    vocabulary = max(100, 4 * topics)
    out: list[SyntheticCircular] = []
    serial = 0
    subjects = list(SUBJECTS)
    for topic in range(topics):
        key = subjects[topic % len(subjects)]
        title, issuer = SUBJECTS[key]
        pool = TEMPLATES[key]
        local = Local.draw(rnd, vocabulary)
        title = f"{title}: {_fill(FOCUS[key], rnd, local)}"
        sentences = [_fill(t, rnd, local) for t in rnd.sample(pool, rnd.randint(5, 7))]
        original = list(sentences)
        audience = "، ".join(sorted(rnd.sample(PROVINCES, 2)))
        year = rnd.randint(1395, 1399)
        size = rnd.choice(SIZES)
        serial += 1
        base_number = f"{year}/{serial}"
        out.append(
            SyntheticCircular(
                base_number, _day(rnd, year), issuer, title, audience,
                _body(rnd.choice(OPENINGS), sentences), topic, "original",
            )
        )  # fmt: skip
        repealed = False
        for k in range(1, size):
            serial += 1
            year_k = min(1404, year + k)
            number = f"{year_k}/{serial}"
            day = _day(rnd, year_k)
            roll = rnd.random()
            if k == size - 1 and size >= 4 and not repealed and roll < 0.5:
                kept = original[:3]
                body = _body(
                    f"بخشنامه شماره {base_number} با موضوع {title} که مقرر می‌داشت:",
                    kept,
                    f"از تاریخ ابلاغ این بخشنامه، بخشنامه شماره {base_number} نسخ می‌شود.",
                )
                effects: tuple[SyntheticEffect, ...] = (SyntheticEffect("repeals", base_number),)
                role = "repeal"
                repealed = True
            elif roll < 0.35:
                body = _body(rnd.choice(OPENINGS), _paraphrase(sentences, rnd))
                effects, role = (), "paraphrase"
            elif roll < 0.65:
                changed = list(sentences)
                spot = rnd.randrange(len(changed))
                changed[spot] = _fill(rnd.choice(pool), rnd, local)
                body = _body(
                    "پیرو بخشنامه‌های پیشین و با تأکید بر اجرای دقیق آن موارد زیر یادآوری می‌شود:",
                    changed,
                )
                effects, role = (SyntheticEffect("clarifies", base_number),), "near_copy"
            else:
                spot = rnd.randrange(len(sentences))
                sentences = list(sentences)
                sentences[spot] = _fill(rnd.choice(pool), rnd, local)
                body = _body(
                    f"بند {spot + 1} بخشنامه شماره {base_number} به شرح زیر اصلاح می‌شود "
                    "و متن کامل آن چنین است:",
                    sentences,
                )
                effects = (SyntheticEffect("amends", base_number, f"بند {spot + 1}"),)
                role = "amendment"
            out.append(
                SyntheticCircular(number, day, issuer, title, audience, body, topic, role, effects)
            )
    return out


@dataclass(frozen=True)
class Check:
    circulars: int
    topics: int
    clusters: int
    score: similarity.PairScore
    candidates: int
    all_pairs: int


def check(*, topics: int = 460, seed: int = 1405) -> Check:
    """Generate the corpus, cluster it as the workbench does, and score the clusters'
    same-cluster pairs against the corpus's truth."""
    corpus = generate(topics=topics, seed=seed)
    texts = {c.number: text.normalize(c.subject + " " + c.body) for c in corpus}
    found = similarity.cluster(texts)
    score = similarity.pair_score(found.clusters, {c.number: c.topic for c in corpus})
    n = len(corpus)
    return Check(n, topics, len(found.clusters), score, found.candidates, n * (n - 1) // 2)
