from darman.circulars import text


def test_arabic_yeh_and_kaf_become_persian():
    assert text.normalize("كارت يارانه") == text.normalize("کارت یارانه") == "کارت یارانه"


def test_persian_arabic_indic_and_ascii_digits_meet():
    assert text.normalize("بخشنامه ۱۴۰۳/۱۲") == "بخشنامه 1403 12"
    assert text.normalize("بخشنامه ١٤٠٣/١٢") == "بخشنامه 1403 12"
    assert text.normalize("بخشنامه 1403/12") == "بخشنامه 1403 12"


def test_diacritics_and_tatweel_are_removed():
    assert text.normalize("دَرمانِ بیمـــار") == "درمان بیمار"
    assert text.normalize("مسئولیّت") == text.normalize("مسئولیت")


def test_the_three_spellings_of_a_verb_with_mi_meet():
    assert text.normalize("می‌شود") == text.normalize("می شود") == text.normalize("میشود")
    assert text.normalize("نمی‌شود") == text.normalize("نمی شود") == "نمیشود"


def test_plural_and_comparative_suffixes_written_apart_join_their_word():
    assert text.normalize("نسخه‌ها") == text.normalize("نسخه ها") == text.normalize("نسخهها")
    assert text.normalize("بیمارستان های دولتی") == "بیمارستانهای دولتی"
    assert text.normalize("کم‌ترین") == text.normalize("کم ترین") == "کمترین"


def test_punctuation_splits_words_and_case_folds():
    assert text.normalize("«ماده ۳»، تبصره-۲: PDF") == "ماده 3 تبصره 2 pdf"


def test_a_passage_marks_every_spelling_of_the_query_in_the_original_text():
    body = "در این بخشنامه نسخه الکترونیک صادر می شود و نسخه‌ها بررسی می‌شود."
    shown, spans = text.passage(body, "میشود")
    assert [shown[s.start : s.end] for s in spans] == ["می شود", "می‌شود"]


def test_a_passage_without_a_match_is_the_start_of_the_text():
    assert text.passage("متن کوتاه", "یارانه") == ("متن کوتاه", [])
