"""Pure helpers of the Telegram channel: splitting under 4 096 characters, keyboards, callback data."""
import random

import pytest

from bot.telegram.formatting import MAX_CALLBACK_BYTES, CallbackPayloads, inline_keyboard, split_text, telegram_length


@pytest.mark.parametrize("text", ["Bonjour", "a" * 4096, "ligne\n" * 10, "  espaces autour  "])
def test_a_text_under_the_limit_is_one_message(text):
    assert split_text(text) == [text]


def test_paragraphs_are_preferred_to_lines():
    first = "Premier paragraphe.\n" + "x" * 50
    second = "Deuxième paragraphe.\n" + "y" * 30
    text = f"{first}\n\n{second}"

    assert split_text(text, limit=90) == [first + "\n\n", second]


def test_a_long_line_is_cut_between_sentences_then_words():
    text = "Une phrase assez longue. " * 5  # 125 characters, no newline
    parts = split_text(text, limit=60)

    assert all(len(part) <= 60 for part in parts) and "".join(parts) == text
    assert all(part.endswith(". ") for part in parts)
    words = split_text("mot " * 40, limit=50)
    assert all(part.endswith(" ") for part in words)


def test_a_text_without_any_space_is_cut_hard():
    assert split_text("x" * 10_000) == ["x" * 4096, "x" * 4096, "x" * 1808]


def test_emoji_count_twice_as_telegram_counts_them():
    text = "🙂" * 3000  # 6 000 UTF-16 code units
    parts = split_text(text)

    assert [telegram_length(part) for part in parts] == [4096, 1904]
    assert "".join(parts) == text


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n"])
def test_nothing_is_sent_for_an_empty_text(text):
    assert split_text(text) == []


def test_any_text_is_split_without_loss():
    rng = random.Random(4)
    alphabet = "abcdéœ .\n🙂"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 600)))
        parts = split_text(text, limit=rng.randint(20, 120))
        kept = "".join(parts)
        assert all(telegram_length(part) <= 120 for part in parts)
        # only whitespace-only parts may be dropped
        assert kept.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_short_payloads_travel_as_they_are():
    payloads = CallbackPayloads()

    assert payloads.encode("/request_human") == "/request_human"
    assert payloads.encode('/inform{"commune":"Paimbœuf"}') == '/inform{"commune":"Paimbœuf"}'
    assert payloads.decode("/request_human") == "/request_human"


def test_long_payloads_travel_as_a_short_key_and_come_back():
    payloads = CallbackPayloads()
    long = '/inform{"commune":"Saint-Brevin-les-Pins","profession":"aide_soignant","contract_type":"cdi"}'

    key = payloads.encode(long)

    assert len(key.encode()) <= MAX_CALLBACK_BYTES and key.startswith("#")
    assert payloads.encode(long) == key  # the same payload, the same key
    assert payloads.decode(key) == long
    assert payloads.decode("#unknown") is None
    assert payloads.decode(payloads.encode("#hashtag")) == "#hashtag"  # never mistaken for a key


def test_only_the_most_recent_long_payloads_are_remembered():
    payloads = CallbackPayloads(capacity=2)
    keys = [payloads.encode("/inform" + "x" * 80 + str(n)) for n in range(3)]

    assert payloads.decode(keys[0]) is None
    assert payloads.decode(keys[2]) == "/inform" + "x" * 80 + "2"


def test_buttons_become_one_inline_button_per_row():
    markup = inline_keyboard([{"title": "Pornic", "payload": '/inform{"commune":"Pornic"}'},
                              {"title": "Site de Côté Soin", "url": "https://cotesoin.exemple.fr"},
                              {"title": "", "payload": ""}], CallbackPayloads())

    assert markup.to_dict() == {"inline_keyboard": [
        [{"text": "Pornic", "callback_data": '/inform{"commune":"Pornic"}'}],
        [{"text": "Site de Côté Soin", "url": "https://cotesoin.exemple.fr"}],
    ]}
    assert inline_keyboard([], CallbackPayloads()) is None
