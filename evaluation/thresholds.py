"""Chooses the fallback thresholds from the first held-out set (the unseen set is never used).

Parses every single-turn held-out message once through the running model (`/model/parse`),
undoes the fallback's own decision, and prints, for a grid of thresholds, the share of in-scope
questions that would be answered and of off-topic messages that would be declined.

  python -m evaluation.thresholds --rasa-url http://127.0.0.1:5005 --token TOKEN
"""

from __future__ import annotations

import argparse
import itertools
import json
import urllib.request
from typing import Dict, List

from evaluation.heldout import HELDOUT, load_heldout

FALLBACK = "nlu_fallback"


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
    response = selector.get("response", {}).get("confidence") if selector else None
    return {"intent": top["name"], "confidence": top["confidence"], "margin": top["confidence"] - second,
            "response": response}


def declined(p: Dict, intent_threshold: float, ambiguity: float, response_threshold: float) -> bool:
    return (p["intent"] == "out_of_scope" or p["confidence"] < intent_threshold
            or p["margin"] < ambiguity
            or (p["response"] is not None and p["response"] < response_threshold))


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    in_scope, off_topic = load_heldout(HELDOUT)
    answerable = [parse(args.rasa_url, args.token, q["turns"][0]) for q in in_scope if len(q["turns"]) == 1]
    foreign = [parse(args.rasa_url, args.token, m) for m in off_topic]
    answerable, foreign = [raw_prediction(r) for r in answerable], [raw_prediction(r) for r in foreign]
    print("intent  ambiguity  response  answered  declined")
    for ti, amb, tr in itertools.product([0.3, 0.4, 0.5, 0.6], [0.0, 0.05, 0.1], [0.2, 0.3, 0.4, 0.5]):
        answered = sum(not declined(p, ti, amb, tr) for p in answerable) / len(answerable)
        refused = sum(declined(p, ti, amb, tr) for p in foreign) / len(foreign)
        print(f"{ti:6.2f} {amb:9.2f} {tr:9.2f} {answered:9.1%} {refused:9.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
