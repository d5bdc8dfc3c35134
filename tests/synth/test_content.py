"""No explicit content: chat text is benign small talk and logistics plus three neutral
placeholder tokens. The vocabulary below is the reviewed whitelist; a new word in the
generator's phrases fails this test until someone reviews and adds it here."""

from __future__ import annotations

import re

from tests.synth.conftest import Op
from threadline.synth.names import ALL_NAME_WORDS, strip_diacritics

TOKENS = {"[REQUEST]", "[PRICE]", "[LIVE]"}
_WORDS = """
    a about after again ako all allowance already am ano anytime are arrives as at available
    back bad bahay balikbayan bank bayad before best bigas bill birthday bit bless blue box
    brownout bukas busy bye call calling camera can cargo cash cebuana chat check christmas
    claim claimed code cold colours come confirmed connection dalhin damaged daw days december
    delivery did dito do doing done due dumating dyan eat electric electricity evening every
    expensive extra family fee fees fine first food for free from gastos gcash get gift give god
    good got haha happy have hear hello help here here's hey hi hospital hour how how's i i'll
    i'm id ilan in ingat is it it's item itlog just ka kain kasama kayo kids ko kumain kumusta
    kuryente lag lang last later let list little load long lower magkita mall mama mamaya may
    maybe me medicine medium message minutes miss mlhuillier mo moment money morning mother mtcn
    much my na nabayaran naka-claim nakuha naman name namin nanay nandito nasa nasaan need new
    next nice night no now of off ok on one online only open or order our pa padala palawan
    palengke pamasahe pang pasabay pass pauwi pay pending pesos photo pick pickup pila please pm
    po possible problem raining ready receipt receive received red reference remitly remittance
    rent roof sa sabado salamat same san sardinas sched school see send sending sent share
    shipping shows si sige signal sino sir size snowing start still storm support talk tayo text
    thank thanks the then there think this through time to today tomorrow tonight too traffic
    tuition tulog typhoon ulam ulit union up use utang uuwi uwi via video wait wala way we weak
    weather week western what what's when which will with work yes you your yung
"""
VOCABULARY = set(_WORDS.split())
_NAME_WORDS = {w.lower() for w in ALL_NAME_WORDS} | {
    strip_diacritics(w).lower() for w in ALL_NAME_WORDS
}


def _unknown(text: str, codes: frozenset[str] = frozenset()) -> set[str]:
    for token in re.findall(r"\[[^\]]*\]", text):
        assert token in TOKENS, token
        text = text.replace(token, " ")
    text = " ".join(w for w in text.split(" ") if w not in codes)  # remittance control numbers
    words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'.-]*", text)}
    words = {w.rstrip(".") for w in words}
    # Single letters are initials ("Marcel J."); "Ma." abbreviates Maria.
    return {
        w
        for w in words
        if len(w) > 1 and w not in VOCABULARY and w not in _NAME_WORDS and w != "ma"
    }


def test_chat_text_is_whitelisted(op: Op) -> None:
    codes = frozenset(str(r.fields["transaction_id"]) for _, r in op.good("payments") if r.fields)
    tokens = set()
    for s, r in op.good("messages"):
        assert r.fields is not None
        text = str(r.fields["text"])
        assert not _unknown(text, codes), (s["path"], r.number, text)
        tokens |= set(re.findall(r"\[[A-Z]+\]", text))
    assert tokens == TOKENS


def test_payment_narratives_are_whitelisted(op: Op) -> None:
    for s, r in op.good("payments"):
        assert r.fields is not None
        if r.fields.get("narrative"):
            assert not _unknown(str(r.fields["narrative"])), (s["path"], r.number)


def test_no_placeholder_outside_chat(op: Op) -> None:
    for kind in ("accounts", "payments", "logins", "locations"):
        for _, r in op.good(kind):
            assert r.fields is not None
            assert not any("[" in str(v) for v in r.fields.values() if v), r.fields


def test_names_and_handles_are_benign(op: Op) -> None:
    for _, r in op.good("accounts"):
        assert r.fields is not None
        if r.fields.get("display_name"):
            assert not _unknown(str(r.fields["display_name"])), r.fields["display_name"]
        if r.fields.get("email"):
            assert str(r.fields["email"]).split("@")[1].endswith("example.com") or str(
                r.fields["email"]
            ).split("@")[1] in (
                "example.net",
                "example.org",
            )
