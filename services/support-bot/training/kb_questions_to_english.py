#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Translates the German, French and Spanish knowledge-base evaluation questions
(kb/eval_questions.<lang>.jsonl) into English the way the bot would (to_english.py:
the translator server's text preparation around the Python decoder, beam 4), so that
support_bot_kb_eval can measure the English index on them: the baseline of searching
each language's own index (kb/README.md).

  /usr/bin/python3 services/support-bot/training/kb_questions_to_english.py
  for l in de fr es; do build/services/support-bot/support_bot_kb_eval --clinc150= \\
      --questions=build/kb_eval_questions_en_from_$l.jsonl; done
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import REPO_ROOT  # noqa: E402
from to_english import ToEnglish  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--translator_model_dir", default=str(REPO_ROOT / "models" / "translator" / "6"))
    p.add_argument("--out_dir", default=str(REPO_ROOT / "build"))
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    to_en = ToEnglish(args.translator_model_dir, threads=args.threads)
    for lang in ("de", "fr", "es"):
        path = REPO_ROOT / "services" / "support-bot" / "kb" / f"eval_questions.{lang}.jsonl"
        with open(path, encoding="utf-8") as f:
            questions = [json.loads(line) for line in f if line.strip()]
        english = to_en([q["question"] for q in questions], lang)
        out = os.path.join(args.out_dir, f"kb_eval_questions_en_from_{lang}.jsonl")
        with open(out, "w", encoding="utf-8") as f:
            for q, e in zip(questions, english):
                f.write(json.dumps({"question": e, "article_id": q["article_id"]}, ensure_ascii=False) + "\n")
        print(f"{lang}: {len(questions)} questions -> {out}")


if __name__ == "__main__":
    main()
