"""Table-driven checks of privacy.redaction on messages students really send."""

import pytest

from privacy.redaction import redact

REDACTED = [
    # e-mail
    ("my email is j.de.vries@umail.leidenuniv.nl, please reply",
     "my email is [email], please reply"),
    ("Contact me at Anna+lumc@gmail.com", "Contact me at [email]"),
    ("s1234567@vuw.leidenuniv.nl can't log in", "[email] can't log in"),
    # phone numbers, Dutch and international
    ("Call me on 06-12345678 please", "Call me on [phone] please"),
    ("my number: 06 1234 5678.", "my number: [phone]."),
    ("0612345678", "[phone]"),
    ("Phone 06 - 123 456 78", "Phone [phone]"),
    ("mine 0612345678 0687654321 his", "mine [phone] [phone] his"),
    ("born in 2003 0612345678", "born in [date of birth] [phone]"),
    ("landline 071-5269111", "landline [phone]"),
    ("reach me at +31 6 12345678", "reach me at [phone]"),
    ("+31 (0)6 1234 5678 is my mobile", "[phone] is my mobile"),
    ("whatsapp 0031612345678", "whatsapp [phone]"),
    ("I'm in London, +44 20 7946 0958", "I'm in London, [phone]"),
    ("US number +1 (555) 123-4567", "US number [phone]"),
    # student numbers
    ("my student number is s1234567", "my student number is [student number]"),
    ("S2345678 here, where is my grade?", "[student number] here, where is my grade?"),
    ("student number 1234567, I missed the exam",
     "student number [student number], I missed the exam"),
    ("studentnummer: 2345678", "studentnummer: [student number]"),
    # IBAN
    ("refund to NL91ABNA0417164300 please", "refund to [iban] please"),
    ("IBAN NL91 ABNA 0417 1643 00", "IBAN [iban]"),
    ("my German account DE89 3704 0044 0532 0130 00", "my German account [iban]"),
    ("nl91abna0417164300", "[iban]"),
    # dates of birth
    ("I was born on 12 March 2001", "I was born on [date of birth]"),
    ("born 12-03-2001 in Delft", "born [date of birth] in Delft"),
    ("date of birth: 2001-03-12", "date of birth: [date of birth]"),
    ("My birthday is March 3rd", "My birthday is [date of birth]"),
    ("DOB 12/03/01", "DOB [date of birth]"),
    ("I was born in 2003, can I still apply?", "I was born in [date of birth], can I still apply?"),
    ("my details: 12-03-2001, Dutch nationality", "my details: [date of birth], Dutch nationality"),
    ("12 March 2001 is when I was born", "[date of birth] is when I was born"),
    ("geboortedatum 3 mei 2002", "geboortedatum [date of birth]"),
    # addresses
    ("I live at Breestraat 12a, 2311 CS Leiden",
     "I live at [address]"),
    ("send it to Haarlemmerstraat 114", "send it to [address]"),
    ("my address is Rapenburg 70", "my address is [address]"),
    ("postcode 2311 AB", "postcode [address]"),
    ("Van der Werffstraat 23-2 in Leiden", "[address] in Leiden"),
    ("I live on 221B Baker Street, London", "I live on [address], London"),
    ("LUMC, Albinusdreef 2, 2333 ZA Leiden", "LUMC, [address]"),
    # several at once
    ("I'm s1234567, mail me at x@y.nl or call 0612345678",
     "I'm [student number], mail me at [email] or call [phone]"),
]

KEPT = [
    "Is the bachelor 180 EC and the master 120 EC?",
    "Can I do 40 EC of electives?",
    "The tuition fee is €18,016 per year, right?",
    "I heard it costs 18016 euro for non-EU students",
    "Statutory fee €2,530 in 2024",
    "Where is office V5-28?",
    "Is the desk open from 14:00 to 16:00?",
    "Walk-in hours 14:00h-15:00h on Tuesday",
    "I started in September 2022",
    "I graduated in 2022 and want to start in 2025",
    "academic year 2025-2026",
    "My TOEFL is 80, is that enough?",
    "IELTS 6.0 with no sub-score below 5.5",
    "I scored 169 on the test",
    "Is the deadline 1 April 2026?",
    "The application deadline is 15-01-2027",
    "Lecture in room 1 on 12 March",
    "Is there a numerus fixus of 320 places?",
    "What's the difference between Medicine and Biomedical Sciences?",
    "I have a Dutch VWO diploma with NT2 and an 8.5 for biology",
    "Can I transfer from year 2 of another programme?",
    "how many students are admitted, 320 or 350?",
    "rasa version 3.6.21",
    "",
]


@pytest.mark.parametrize("message,expected", REDACTED)
def test_personal_data_is_replaced(message, expected):
    assert redact(message) == expected


@pytest.mark.parametrize("message", KEPT)
def test_study_information_is_left_alone(message):
    assert redact(message) == message


def test_redaction_is_idempotent():
    once = redact("I'm s1234567, born 12-03-2001, call +31 6 12345678")
    assert redact(once) == once
