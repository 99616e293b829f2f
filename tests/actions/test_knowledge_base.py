"""The knowledge base: every fact is reachable through an answer, every name the EntityRuler
knows resolves to its entry, and unknown names get a clear answer."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import answers
from actions.knowledge_base import ENTITY_SECTIONS, KnowledgeBase, in_language, knowledge_base
from actions.answers import FACT_BY_INTENT

KB = knowledge_base()
SYNONYMS = list(KB.all_synonyms())


@pytest.mark.parametrize("key", sorted(KB.facts))
def test_every_programme_fact_has_an_answer_with_its_value_and_source(key):
    fact = KB.facts[key]
    answer = answers.programme_fact(KB, key)
    assert in_language(fact, "en").split(",")[0] in answer.text or key == "general_contact"
    title = KB.sources[fact["source"]]["title"]
    assert answer.text.splitlines()[-1].startswith(f"Source: {title}")
    assert ("as of" in answer.text) == KB.is_stale(fact)  # marked stale, or past its review-by day


def test_every_programme_fact_is_reachable_from_an_intent():
    reachable = set(FACT_BY_INTENT.values()) | {"degree_requirement", "general_contact"}
    assert set(KB.facts) == reachable


def test_every_source_key_exists():
    used = {f["source"] for f in KB.facts.values()} | {KB.meta(label)["source"] for label in ENTITY_SECTIONS
                                                      if label != "institution"}
    assert used <= set(KB.sources)


@pytest.mark.parametrize("label, key, synonym", SYNONYMS, ids=[f"{l}:{s}" for l, _, s in SYNONYMS])
def test_every_synonym_resolves_to_its_entry(label, key, synonym):
    assert KB.resolve(label, synonym).key == key


@pytest.mark.parametrize("label", ["destination", "track", "language_test", "document", "component"])
def test_every_entry_is_answerable(label):
    for entry in KB.entries_of(label):
        answer = {
            "destination": lambda: answers.study_abroad(KB, [entry]),
            "track": lambda: answers.tracks(KB, [entry]),
            "language_test": lambda: answers.language_test(KB, [entry]),
            "document": lambda: answers.documents(KB, [entry]),
            "component": lambda: answers.components(KB, [entry]),
        }[label]()
        name = entry.name if label != "destination" else entry.name.replace("the ", "")
        assert name.split(" (")[0].lower() in answer.text.lower()
        assert "\nSource: " in answer.text


def test_overview_answers_list_every_entry():
    for label, overview in [("track", answers.tracks(KB, [])), ("component", answers.components(KB, [])),
                            ("document", answers.documents(KB, [])), ("language_test", answers.language_test(KB, []))]:
        for entry in KB.entries_of(label):
            if entry.key != "own_track":
                assert entry.name in overview.text


def test_typos_are_tolerated_but_unknown_words_are_not():
    assert [e.key for e in KB.find_in_text("destination", "is edinbrough possible")] == ["edinburgh"]
    assert [e.key for e in KB.find_in_text("language_test", "my toelf score")] == ["toefl"]
    assert KB.find_in_text("destination", "can i go to japan") == []


def test_a_typo_is_remembered_for_its_own_kind_of_entry_only():
    """The typo lookup is remembered per kind of entry and phrase: asking again gives the same
    entry, and a phrase misspelling a destination names no language test."""
    for _ in range(2):
        assert [e.key for e in KB.find_in_text("destination", "edinbrough")] == ["edinburgh"]
        assert KB.find_in_text("language_test", "edinbrough") == []
        assert [e.key for e in KB.find_in_text("language_test", "toelf")] == ["toefl"]


def test_unknown_destination_gets_a_clear_answer():
    text = answers.unlisted_destination(KB, "Japan").text
    assert "Japan is not one of the destinations" in text and "Evelien Hack" in text


def test_other_institution_is_declined():
    erasmus = KB.resolve("institution", "erasmus")
    assert answers.other_institution(KB, [KB.resolve("institution", "lumc"), erasmus]) is erasmus
    assert answers.not_our_institution(erasmus).declined


def test_score_verdicts():
    toefl, ielts, cambridge = (KB.resolve("language_test", n) for n in ("toefl", "ielts", "cambridge"))
    assert "meets the minimum of 80" in answers.language_test(KB, [toefl], "I got 95 on the toefl").text
    assert "below the minimum of 20" in answers.language_test(KB, [toefl], "reading section 18").text
    assert "below the minimum of 6" in answers.language_test(KB, [ielts], "ielts 5.5").text
    assert "meets the minimum of 169" in answers.language_test(KB, [cambridge], "CAE 176").text


def test_a_new_entry_needs_only_the_knowledge_base(tmp_path):
    """Adding a destination to knowledge/ makes it resolvable, answerable and an EntityRuler pattern."""
    import shutil

    import yaml

    from spacy_pipeline.build import build

    for path in KB.directory.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    content = yaml.safe_load((tmp_path / "study_abroad.yml").read_text())
    content["destinations"]["oslo"] = {"name": "Oslo", "synonyms": ["oslo", "norway"], "programme": "medicine"}
    (tmp_path / "study_abroad.yml").write_text(yaml.safe_dump(content, allow_unicode=True))
    kb = KnowledgeBase(tmp_path)
    assert kb.resolve("destination", "Norway").key == "oslo"
    assert "Oslo" in answers.study_abroad(kb, [kb.resolve("destination", "oslo")]).text
    nlp = build(tmp_path / "spacy", kb)
    assert [(e.text, e.label_) for e in nlp("could I go to Norway").ents] == [("Norway", "destination")]


@pytest.mark.parametrize("text, topic", [
    ("what is the rent for a room in leiden", "housing"),
    ("Any SCHOLARSHIPS for the research master?", "scholarships"),
    ("We live far away. Is there parking near the hospital?", "campus_life"),
    ("I got a scholarship from my government. When do classes begin?", None),  # context, not the question
    ("what will tuition come to, not counting rent", None),  # ruled out, not asked
    ("what does the tuition cost", None),
    ("do they grant exemptions from the language test", None),  # a verb, not a grant
    ("will they take my PTE Academic result?", "other_tests"),
    ("is de GMAT verplicht?", "other_tests"),
    ("I sat the IELTS last year; what is the minimum?", None),  # a verb, not the SAT
    ("how much are groceries in Edinburgh", "living_costs"),
    ("is het duur om in Bordeaux te wonen?", "living_costs"),  # "duur ... te wonen": words between
    ("wat kost wonen in Edinburgh eigenlijk?", "living_costs"),
    ("I live in India; what does the master cost?", None),  # where the student lives, then the fee
    ("what does the master cost? I want to live in Leiden.", None),
    ("is er een kledingvoorschrift in het lab?", "course_practicalities"),
    ("hoeveel woorden mag de brief zijn?", "course_practicalities"),
    ("what was the total cost of attendance last year", None),  # the fee, not attending lectures
])
def test_a_question_about_an_uncovered_topic_is_recognised_in_the_question_itself(text, topic):
    assert KB.uncovered_topic_asked(text) == topic


@pytest.mark.parametrize("text, programme", [
    ("tuition for the psychology master?", "field:psychology"),
    ("when does the master in computer science start", "field:computer_science"),
    ("wat kost de opleiding rechten", "field:law"),
    ("how much is the bachelor of medicine", "medicine_bachelor"),
    ("I have a biology bachelor, can I apply?", None),  # where the student comes from
    ("does Dutch law allow me to work during the master?", None),  # a field named, no programme
    ("how many years does this master take?", None),
])
def test_another_field_is_a_programme_only_beside_a_word_for_a_programme(text, programme):
    assert KB.other_programme_named(text) == programme


def test_a_field_is_named_as_its_programmes_in_both_languages():
    now = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.timezone.utc)
    assert "the tuition fee for the Law programmes" in answers.not_stated(KB, now, "en", attribute="ask_fee", programme="field:law").text
    assert "collegegeld voor de opleidingen Rechtsgeleerdheid" in answers.not_stated(KB, now, "nl", attribute="ask_fee", programme="field:law").text


def test_an_uncovered_topic_offers_the_contact_of_its_conversation_topic():
    now = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.timezone.utc)
    tests = answers.not_stated(KB, now, "en", uncovered="other_tests")
    assert tests.topic == "language_test"
    assert "Get in touch" in tests.text and "Evelien Hack" not in tests.text
    living = answers.not_stated(KB, now, "en", uncovered="living_costs")  # no topic: every contact
    assert living.topic is None and "Get in touch" in living.text and "Evelien Hack" in living.text


def test_every_uncovered_topic_has_a_name_and_synonyms():
    topics = KB.files["not_covered.yml"]["not_covered_topics"]
    assert topics and all(t["name"] and t["synonyms"] for t in topics.values())


def test_a_topic_the_chosen_answer_speaks_of_is_covered_by_it():
    question = "where can I find student housing?"
    assert KB.uncovered_topic_asked(question) == "housing"
    assert KB.uncovered_topic_asked(question, "The Housing Office helps international students.") is None
    assert KB.uncovered_topic_asked(question, "The tuition fee is 18,016 euros per year.") == "housing"


@pytest.mark.parametrize("text, expected", [
    ("could i spend my half minor in japan?", "Japan"),
    ("kan ik naar denemarken?", "Denemarken"),
    ("can I go to France or Sweden?", None),                    # destinations (Bordeaux, the Karolinska)
    ("i study in the netherlands, can i go abroad?", None),      # where the students are
    ("where can i go abroad?", None),
])
def test_a_country_the_page_does_not_list_is_found_in_either_language(text, expected):
    assert KB.unlisted_country(text) == expected


def test_an_amount_of_money_is_written_in_each_languages_style():
    fee = KB.facts["tuition_fee"]
    assert in_language(fee, "en") == "€18,016" and in_language(fee, "nl") == "€18.016"
    assert "€36.032" in answers.programme_fact(KB, "tuition_fee", "nl").text


@pytest.mark.parametrize("text, expected", [
    ("till when is evelien around on mondays", True), ("wanneer is het inloopuur", True),
    ("who is the internationalisation coordinator", True), ("who do i ask about an exchnage", True),
    ("who helps with studying abraod", True),              # two letters swapped
    ("who do i ask about the fee", False), ("who can change my application", False),
])
def test_a_contact_question_about_studying_abroad_is_known_by_the_contacts_names(text, expected):
    from actions import handoff

    assert (handoff.topic_named(KB, text) == "study_abroad") is expected


@pytest.mark.parametrize("lang, minimum", [("en", "at least"), ("nl", "minstens")])
def test_components_named_together_are_added_up_from_their_own_figures(lang, minimum):
    parts = [KB.entries["component"][key] for key in ("research_internship", "research_proposal", "animal_sciences")]
    assert answers.credits_together(parts, lang) == f"{minimum} 49 EC"
    assert answers.credits_together(parts[1:], lang) == "9 EC"
    # Named together, the answer gives the sum; the electives (no number) add nothing to it.
    assert f"{minimum} 49 EC" in answers.components(KB, parts, lang).text
    assert f"{minimum} 55 EC" in answers.components(KB, [], lang).text
    assert "EC." in answers.components(KB, parts[1:2], lang).text and "9 EC" not in answers.components(KB, parts[1:2], lang).text


@pytest.mark.parametrize("lang, longer", [("en", "You can make it longer"), ("nl", "Je kunt hem langer maken")])
def test_a_component_named_gets_what_the_page_says_about_it_besides_its_size(lang, longer):
    internship, proposal = (KB.entries["component"][key] for key in ("research_internship", "research_proposal"))
    assert longer in answers.components(KB, [internship], lang).text
    # A part the page says nothing more about gets its size alone; the overview lists sizes only.
    assert answers.components(KB, [proposal], lang).text.split(".")[0].endswith("5 EC")
    assert longer not in answers.components(KB, [proposal], lang).text
    assert longer not in answers.components(KB, [], lang).text


@pytest.mark.parametrize("lang, also", [("en", "Also accepted: TOEFL and Cambridge English."),
                                        ("nl", "Ook geaccepteerd: TOEFL en Cambridge English.")])
def test_an_answer_about_one_language_test_names_the_other_accepted_tests(lang, also):
    tests = KB.entries_of("language_test")
    ielts = [t for t in tests if t.key == "ielts"]
    assert also in answers.language_test(KB, ielts, lang=lang).text
    # All of them asked about (or the overview): nothing left to name.
    assert also.split(":")[0] not in answers.language_test(KB, tests, lang=lang).text
    assert also.split(":")[0] not in answers.language_test(KB, [], lang=lang).text
