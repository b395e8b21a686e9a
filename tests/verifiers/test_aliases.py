"""Alias table: the same concepts from Arabic and English text; moderators extend it."""
import pytest

from verifiers import aliases


@pytest.fixture(autouse=True)
def shipped_table():
    aliases.load_aliases()
    yield
    aliases.load_aliases()


def test_english_and_arabic_share_concepts():
    en = set(aliases.concept_tokens("ISIS withdrew from Deir ez-Zor"))
    ar = set(aliases.concept_tokens("انسحب تنظيم داعش من دير الزور"))
    assert {"§isis", "§deir_ezzor", "§withdraw"} <= en & ar


def test_pdf_kashida_clitics_and_hashtags():
    tokens = aliases.concept_tokens("“جبهــة النصرة” تطــرد “داعــش” من ديــر الزور وللنصرة بالرقة #ديرالزور")
    assert tokens.count("§nusra") == 2
    assert {"§isis", "§expel", "§raqqa"} <= set(tokens)
    assert tokens.count("§deir_ezzor") == 2


def test_long_name_wins_over_its_parts():
    tokens = aliases.concept_tokens("عناصر تنظيم الدولة الإسلامية في العراق والشام")
    assert "§isis" in tokens and "§iraq" not in tokens


def test_short_capitals_only_match_in_capitals():
    assert "§isis" in aliases.concept_tokens("IS fighters left the town")
    assert "§isis" not in aliases.concept_tokens("the town is quiet")


def test_broader_concepts_and_kinds():
    tokens = aliases.concept_tokens("دخول ارتال الجيش الحر على حقل كونيكو")
    assert {"§fsa", "§conoco_field", "§oil_field"} <= set(tokens)
    table = aliases.table()
    assert table.kind_of("§fsa") == "group" and table.kind_of("§mohasan") == "place"
    assert table.opposes("§treachery", "§conspiracy")


def test_mentions_keep_the_written_words():
    found = {m.concept: m.surface for m in aliases.mentions("“جبهــة النصرة” تطــرد “داعــش”")}
    assert found["nusra"] == "جبهــة النصرة"
    assert found["isis"] == "داعــش"


def test_moderator_file_extends_the_table(tmp_path):
    extra = tmp_path / "aliases.toml"
    aliases.add_alias(extra, "deir_ezzor", ["Dair Zor City"])
    aliases.add_alias(extra, "tabqa", ["الطبقة", "Tabqa"], kind="place")
    aliases.add_alias(extra, "deir_ezzor", ["ديرزورنا"])
    assert "§tabqa" not in aliases.concept_tokens("Tabqa dam")  # not loaded yet
    aliases.load_aliases(extra)
    assert "§tabqa" in aliases.concept_tokens("سد الطبقة")
    assert "§deir_ezzor" in aliases.concept_tokens("fighting in Dair Zor City")
    assert "§deir_ezzor" in aliases.concept_tokens("في ديرزورنا")
    assert "§deir_ezzor" in aliases.concept_tokens("Deir ez-Zor")  # shipped names still there


def test_add_alias_refuses_bad_input_and_keeps_the_file(tmp_path):
    extra = tmp_path / "aliases.toml"
    aliases.add_alias(extra, "tabqa", ["Tabqa"], kind="place")
    before = extra.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="kind"):
        aliases.add_alias(extra, "new_place", ["Somewhere"])
    with pytest.raises(ValueError, match="a-z"):
        aliases.add_alias(extra, "Bad Id!", ["x"], kind="place")
    assert extra.read_text(encoding="utf-8") == before


def test_broken_moderator_file_is_a_clear_error(tmp_path):
    extra = tmp_path / "aliases.toml"
    extra.write_text("[oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        aliases.load_aliases(extra)
