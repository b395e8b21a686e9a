"""The report's notes: plain English strings that keep a code for translation."""
import json
import pickle

from verifiers.report import Note


def test_a_note_is_its_english_text_everywhere_a_string_goes():
    note = Note("archived_tweet", "this exact tweet is archived in X, 2014-02-10", article="X", date="2014-02-10")
    assert note == "this exact tweet is archived in X, 2014-02-10"
    assert json.dumps([note]) == json.dumps(["this exact tweet is archived in X, 2014-02-10"])
    assert (note.code, note.params) == ("archived_tweet", {"article": "X", "date": "2014-02-10"})


def test_a_note_survives_the_trip_to_a_batch_worker_and_back():
    note = Note("different_actor", "a different actor: «أ» in the text vs «ب» in the claim", text="«أ»", claim="«ب»")
    copy = pickle.loads(pickle.dumps(note))
    assert copy == note and copy.code == note.code and copy.params == note.params
