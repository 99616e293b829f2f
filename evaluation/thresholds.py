"""The fallback thresholds' trade-off: in-scope accuracy against off-topic decline rate.

Parses every single-turn question and every off-topic message of an evaluation set once through the
running model (`/model/parse`), undoes the fallback's own decision, and prints, for a grid of
thresholds (the FallbackClassifier's intent threshold and ambiguity threshold, and the
ResponseConfidenceFallback's answer threshold), the share of questions that would get a right
answer and the share of off-topic messages that would be declined. A question counts as right when
the intent (or FAQ answer) the NLU picked is one whose answer satisfies its expected patterns
(evaluation/answer_labels.py). The chosen values are in config.yml; the curve is in
docs/benchmarks.md.

  python -m evaluation.thresholds --rasa-url http://127.0.0.1:5005 --token TOKEN [--set shared]
  python -m evaluation.thresholds                 # starts its own servers
"""

from __future__ import annotations

import argparse
import itertools
import json
import urllib.request
from typing import Dict, List, Tuple

from evaluation.answer_labels import expected_answers
from evaluation.heldout import EVAL_SETS, load_set

FALLBACK = "nlu_fallback"
DECLINING_INTENTS = {"out_of_scope", "not_covered"}
INTENT_THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]
AMBIGUITY_THRESHOLDS = [0.0, 0.05, 0.1]
RESPONSE_THRESHOLDS = [0.2, 0.3, 0.4, 0.5]


def parse(rasa_url: str, token: str, text: str) -> Dict:
    request = urllib.request.Request(
        f"{rasa_url}/model/parse?token={token}", data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def raw_prediction(result: Dict) -> Dict:
    """Intent ranking and answer confidence as they were before any fallback."""
    ranking = [r for r in result.get("intent_ranking", []) if r["name"] != FALLBACK]
    top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    selector = result.get("response_selector", {}).get(top["name"] or "", {})
    response = selector.get("response", {}) if selector else {}
    label = response.get("intent_response_key") or top["name"]
    return {"intent": top["name"], "label": label, "confidence": top["confidence"],
            "margin": top["confidence"] - second, "response": response.get("confidence")}


def declined(p: Dict, intent_threshold: float, ambiguity: float, response_threshold: float) -> bool:
    return (p["intent"] in DECLINING_INTENTS or p["confidence"] < intent_threshold
            or p["margin"] < ambiguity
            or (p["response"] is not None and p["response"] < response_threshold))


def right(p: Dict, expected: Tuple[str, ...]) -> bool:
    return any(label.split(":", 1)[0] == p["label"] for label in expected)


def curve(questions: List[Tuple[Dict, Tuple[str, ...]]], foreign: List[Dict]) -> List[Tuple[float, ...]]:
    rows = []
    for ti, amb, tr in itertools.product(INTENT_THRESHOLDS, AMBIGUITY_THRESHOLDS, RESPONSE_THRESHOLDS):
        accuracy = sum(not declined(p, ti, amb, tr) and right(p, e) for p, e in questions) / len(questions)
        refused = sum(declined(p, ti, amb, tr) for p in foreign) / len(foreign)
        rows.append((ti, amb, tr, accuracy, refused))
    return rows


def measure(rasa_url: str, token: str, name: str) -> List[Tuple[float, ...]]:
    in_scope, off_topic = load_set(EVAL_SETS[name])
    questions = [(raw_prediction(parse(rasa_url, token, q["turns"][0])), expected_answers(q["expect"]))
                 for q in in_scope if len(q["turns"]) == 1]
    foreign = [raw_prediction(parse(rasa_url, token, m)) for m in off_topic]
    return curve(questions, foreign)


def measured_on_servers(argv: List[str] | None, description: str, measure) -> List[Tuple]:
    """`measure(rasa_url, token, set name)` on the servers at --rasa-url, or on servers started for it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rasa-url")
    parser.add_argument("--token", default="")
    parser.add_argument("--set", default="shared", choices=list(EVAL_SETS))
    args = parser.parse_args(argv)
    if args.rasa_url:
        return measure(args.rasa_url, args.token, args.set)
    from serving.launcher import Servers, free_port

    servers = Servers(rasa_port=free_port(), action_port=free_port()).start()
    try:
        return measure(servers.rasa_url, servers.token, args.set)
    finally:
        servers.stop()


def main(argv: List[str] | None = None) -> int:
    rows = measured_on_servers(argv, __doc__.splitlines()[0], measure)
    print("| intent | ambiguity | answer | right answers (single-turn) | off-topic declined |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for ti, amb, tr, accuracy, refused in rows:
        print(f"| {ti:.2f} | {amb:.2f} | {tr:.2f} | {accuracy:.1%} | {refused:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
