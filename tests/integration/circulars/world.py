"""A handful of hand-written circulars whose search answers are worked out by hand."""

from __future__ import annotations

from darman.circulars import service
from darman.circulars.schemas import CircularCreate
from darman.security.principal import SYSTEM

TEXTS = [
    # number, Jalali date, issuer, subject, body
    ("100/1", "1402/01/15", "معاونت درمان", "نسخه الکترونیک",
     "از تاریخ ابلاغ، نسخه‌ها فقط به صورت الکترونیک صادر می‌شود و داروخانه‌ها نسخه کاغذی نمی‌پذیرند."),
    ("100/2", "1402/03/01", "معاونت درمان", "تعرفه خدمات سرپایی",
     "تعرفه ویزیت پزشکان عمومی در سال ۱۴۰۲ برابر ۱۲۰۰۰۰۰ ریال تعیین می شود."),
    ("100/3", "1402/05/10", "اداره کل اسناد پزشکی", "رسیدگی اسناد",
     "اسناد بيمارستان هاي طرف قرارداد ظرف ٤٥ روز رسيدگي ميشود و كسورات اعلام مي‌گردد."),
    ("100/4", "1403/01/20", "معاونت درمان", "ارجاع",
     "بیماران پس از ویزیت پزشک خانواده به سطح دوم ارجاع داده مـــی‌شوند؛ مَدارک ضمیمه است."),
    ("100/5", "1403/02/01", "اداره کل تدارکات", "خرید تجهیزات",
     "خرید تجهیزات پزشکی از طریق مناقصه‌ی سراسری انجام می‌گیرد."),
]  # fmt: skip


def load(session) -> None:
    service.create_many(
        session,
        SYSTEM,
        [
            CircularCreate(number=n, issued_on=d, issuer=i, subject=s, body=b)
            for n, d, i, s, b in TEXTS
        ],
    )
