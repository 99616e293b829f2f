"""A turn's outcome comes from the metadata of what the assistant sent, never from the intent alone."""

from staff import outcomes as o


def turn(*metas, intent="ask_fee", faq=None):
    return o.of_turn(list(metas), intent, faq)


def test_custom_action_metadata_decides():
    assert turn({"outcome": "answered", "answer": "ask_tracks", "context": True}, intent="out_of_scope") == \
        o.Outcome("answered", None, True, "ask_tracks")
    declined = turn({"outcome": "declined", "reason": "other_institution"},
                    {"utter_action": "utter_decline", "outcome": "declined", "reason": "other_institution"})
    assert declined.declined and declined.reason == "other_institution"
    assert turn({"outcome": "choice"}, intent="nlu_fallback").outcome == "choice"
    assert turn({"outcome": "handoff"}).outcome == "handoff"
    assert turn({"outcome": "declined", "reason": "made_up"}).reason == "not_covered"


def test_domain_responses_are_classified_by_name_and_intent():
    assert turn({"utter_action": "utter_decline"}, intent="out_of_scope") == o.Outcome("declined", "off_topic")
    assert turn({"utter_action": "utter_decline"}, intent="nlu_fallback").reason == "low_confidence"
    assert turn({"utter_action": "utter_decline"}, intent="ask_fee").reason == "not_covered"
    assert turn({"utter_action": "utter_faq/nl_admission"}, intent="faq", faq="faq/nl_admission") == \
        o.Outcome("answered", None, False, "faq/nl_admission")
    assert turn({"utter_action": "utter_greet"}, intent="greet").outcome == "chitchat"
    assert turn(intent="ask_fee").outcome == "no_reply"


def test_the_strongest_outcome_of_a_turn_wins_and_context_is_kept():
    mixed = turn({"outcome": "answered", "answer": "ask_fee", "context": True},
                 {"outcome": "declined", "reason": "low_confidence"})
    assert (mixed.outcome, mixed.reason, mixed.context, mixed.answer) == ("declined", "low_confidence", True, "ask_fee")
    assert turn({"utter_action": "utter_greet"}, {"outcome": "answered", "answer": "ask_fee"}).outcome == "answered"
