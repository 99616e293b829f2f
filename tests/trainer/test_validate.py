"""`make check` step 5 shows Rasa's data validation only when it says something new: a clean project
prints "ok", and a training example Rasa would skip is shown in Rasa's words."""

from __future__ import annotations

from trainer import validate

RASA_OUTPUT = """\
/x/rasa/shared/utils/validation.py:134: DeprecationWarning: pkg_resources is deprecated as an API.
  import pkg_resources
/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `declare_namespace('ruamel')`.
Implementing implicit namespace packages (as specified in PEP 420) is preferred.
  declare_namespace(pkg)
\x1b[93m/x/rasa/shared/utils/io.py:100: UserWarning: The following duplicated intents have been found \
across multiple domain files: faq
  More info at https://rasa.com/docs/rasa/domain
\x1b[0m2026-12-06 01:59:41 INFO     rasa.validator  - Validating intents...
\x1b[93m/x/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_faq' is not used in any story or rule.
\x1b[0m2026-12-06 01:59:41 INFO     rasa.validator  - No story structure conflicts found.
"""


def test_expected_warnings_library_notices_and_progress_are_left_out():
    assert validate.unexpected(RASA_OUTPUT) == []


def test_a_new_warning_is_shown_in_rasas_words():
    output = RASA_OUTPUT + ("/x/rasa/shared/utils/io.py:100: UserWarning: Issue found while processing "
                            "'data/nlu/programme.yml': The item 'ask_fee' contains an example that doesn't "
                            "start with a '-' symbol: # a note\nThis training example will be skipped.\n")
    assert validate.unexpected(output) == [
        "WARNING Issue found while processing 'data/nlu/programme.yml': The item 'ask_fee' contains an "
        "example that doesn't start with a '-' symbol: # a note",
        "This training example will be skipped."]


def test_the_project_validates_quietly_and_a_comment_line_in_examples_is_reported(project_copy, capsys):
    assert validate.main(["--project", str(project_copy)]) == 0
    assert capsys.readouterr().out == "5. Rasa's data validation: ok\n"
    path = project_copy / "data" / "nlu" / "programme.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    - tuition fees at utrecht university\n",
                                 "    # other institutions' fees\n    - tuition fees at utrecht university\n"),
                    encoding="utf-8")
    validate.main(["--project", str(project_copy)])
    out = capsys.readouterr().out
    assert out.startswith("5. Rasa's data validation: problems")
    assert "doesn't start with a '-' symbol: # other institutions' fees" in out
