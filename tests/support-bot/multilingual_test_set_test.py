#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The hand-written multilingual test set (services/support-bot/training/multilingual_test)
and the pure-Python part of evaluate.py's path of a message into English
(services/support-bot/training/to_english.py), without loading any model:
- the set: every line is text<TAB>label with a label of the shipped intent model
  (models/support-bot/2/metadata.json) or "oos"; every language has >= 100 messages,
  every label and >= 15 oos ones; no text occurs twice, within a language or across
  languages; the README's count table is the one counts.py computes;
- the port of the translator server's sentence splitter, span protector and Restore,
  on cases of the C++ tests (tests/translator/text/*_test.cc)."""
import os
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INTENT = os.path.join(REPO, "services", "support-bot", "training")
SET_DIR = os.path.join(INTENT, "multilingual_test")
sys.path.insert(0, INTENT)
sys.path.insert(0, SET_DIR)
import counts  # noqa: E402
from labelled_tsv import check_lines, model_labels, read_raw  # noqa: E402
import to_english  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es")
MIN_PER_LANGUAGE = 100
MIN_OOS_PER_LANGUAGE = 15


def read_test_file(lang):
    return read_raw(os.path.join(SET_DIR, f"{lang}.tsv"))


class MultilingualTestSetTest(unittest.TestCase):
    longMessage = False  # the messages below name the file and line
    @classmethod
    def setUpClass(cls):
        cls.labels = set(model_labels())
        cls.rows = {lang: read_test_file(lang) for lang in LANGUAGES}

    def test_every_line_is_text_tab_label_with_a_known_label(self):
        for lang, rows in self.rows.items():
            check_lines(self, f"{lang}.tsv", rows, self.labels)

    def test_every_language_is_big_enough_and_covers_every_label(self):
        for lang, rows in self.rows.items():
            got = {label for _, _, label, _ in rows}
            self.assertGreaterEqual(len(rows), MIN_PER_LANGUAGE, lang)
            self.assertEqual(self.labels - got, set(), f"{lang}: intents without a message")
            self.assertGreaterEqual(sum(label == "oos" for _, _, label, _ in rows), MIN_OOS_PER_LANGUAGE, lang)

    def test_no_text_twice_within_or_across_languages(self):
        seen = {}
        for lang, rows in self.rows.items():
            for n, text, _, _ in rows:
                key = " ".join(text.casefold().split())
                self.assertFalse(key in seen, f"{lang}.tsv line {n} repeats {seen.get(key)}: {text!r}")
                seen[key] = f"{lang}.tsv line {n}"

    def test_no_line_identical_across_languages(self):
        lines = {lang: {(t, y) for _, t, y, _ in rows} for lang, rows in self.rows.items()}
        for i, a in enumerate(LANGUAGES):
            for b in LANGUAGES[i + 1:]:
                shared = lines[a] & lines[b]
                self.assertFalse(shared, f"{a}.tsv and {b}.tsv share {sorted(shared)}")

    def test_the_parser_reads_what_the_test_reads(self):
        import data
        loaded = data.load_multilingual(SET_DIR)
        for lang in LANGUAGES:
            self.assertEqual(loaded[lang], [(t, y) for _, t, y, _ in self.rows[lang]], lang)

    def test_readme_shows_the_current_counts(self):
        with open(os.path.join(SET_DIR, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertTrue(counts.table(SET_DIR) in readme,
                        "README.md's count table is stale: paste the output of counts.py")


class ToEnglishPortTest(unittest.TestCase):
    """Cases of tests/translator/text/{sentence_splitter,span_protector}_test.cc."""

    @staticmethod
    def sentences(text):
        return [s for is_sentence, s in to_english.split_sentences(text) if is_sentence]

    @staticmethod
    def spans(text):
        return [(to_english.KIND_NAMES[k], s) for k, s in to_english.protect(text)[1]]

    def test_sentence_splitter(self):
        cases = {
            "Hello world. This is great! Is it? Yes… Fine.":
                ["Hello world.", "This is great!", "Is it?", "Yes…", "Fine."],
            "Hola. ¿Qué tal? ¡Bien!": ["Hola.", "¿Qué tal?", "¡Bien!"],
            "Il a dit « Non. » Puis il est parti.": ["Il a dit « Non. »", "Puis il est parti."],
            "Aus Holz, z.B. Eiche bzw. Buche, ca. 5 kg. Artikel Nr. 12 ist neu.":
                ["Aus Holz, z.B. Eiche bzw. Buche, ca. 5 kg.", "Artikel Nr. 12 ist neu."],
            "Item No. 12345 is new. Say no. Then go.": ["Item No. 12345 is new.", "Say no.", "Then go."],
            "Lieferung am 3. Mai. Ab 24. Dezember geschlossen. Größe 42. Neu.":
                ["Lieferung am 3. Mai.", "Ab 24. Dezember geschlossen.", "Größe 42.", "Neu."],
            "A novel by J. R. Tolkien. Read it.": ["A novel by J. R. Tolkien.", "Read it."],
            "See www.Shop.example.com/Item.Html or write to Info@Shop.De. Thanks.":
                ["See www.Shop.example.com/Item.Html or write to Info@Shop.De.", "Thanks."],
            "  Soft Blanket\n\nWarm and light. Machine washable.\r\n- 100% cotton\n":
                ["Soft Blanket", "Warm and light.", "Machine washable.", "- 100% cotton"],
        }
        for text, want in cases.items():
            self.assertEqual(self.sentences(text), want, text)
            self.assertEqual("".join(s for _, s in to_english.split_sentences(text)), text)

    def test_span_protector(self):
        self.assertEqual(self.spans("Write to info@shop-example.com."), [("email", "info@shop-example.com")])
        self.assertEqual(self.spans("See www.example.de."), [("url", "www.example.de")])
        for price in ("€19.99", "19,99 €", "US$ 12.50", "20 EUR", "CHF 10.-", "1.299,00 €"):
            self.assertEqual(self.spans(f"Now only {price}, today."), [("price", price)], price)
        for sku in ("AB-1234", "XJ9000", "B07XYZ1234", "SN_12/ab.3", "4K", "ORD-12345678"):
            self.assertEqual(self.spans(f"Model {sku} is new."), [("sku", sku)], sku)
        for number in ("12", "1.000,50", "50%", "10x20", "42cm", "12:30", "+49 30 1234567"):
            self.assertEqual(self.spans(f"It has {number} parts."), [("number", number)], number)
        self.assertEqual(self.spans("The 1st pick, a 2-pack."), [("number", "2")])
        self.assertEqual(self.spans("Copyright &copy; %1 Magento"), [("markup", "&copy;"), ("format", "%1")])
        self.assertEqual(to_english.protect("USD 20 for AB-1234 at www.x.com, 3 left.")[0],
                         "<ph0> for <ph1> at <ph2>, <ph3> left.")
        protected = to_english.protect("Type <ph3> or <2de> here.")
        self.assertEqual(protected[0], "Type <ph0> or <ph1> here.")
        self.assertEqual(to_english.restore(*protected), "Type <ph3> or <2de> here.")

    def test_restore(self):
        two = [(to_english.PRICE, "€5"), (to_english.SKU, "Acme Profi")]
        self.assertEqual(to_english.restore("Der <ph1> kostet <ph0>.", two), "Der Acme Profi kostet €5.")
        self.assertEqual(to_english.restore("Der Preis ist gut!", two), "Der Preis ist gut €5 Acme Profi!")
        self.assertEqual(to_english.restore("Vraiment <ph1> ?", two), "Vraiment Acme Profi €5 ?")
        self.assertEqual(to_english.restore("Der <ph1> kostet <ph0> <ph0>.", two), "Der Acme Profi kostet €5.")
        self.assertEqual(to_english.restore("<ph7> Der <ph1> kostet <ph9> <ph0> <ph12>.", two),
                         "Der Acme Profi kostet €5.")
        self.assertEqual(to_english.restore("das iPhone<ph0>ist da", [(to_english.NUMBER, "15")]),
                         "das iPhone 15 ist da")
        self.assertFalse(to_english.has_words_to_translate("– <ph0> / ★"))
        self.assertTrue(to_english.has_words_to_translate("Größe"))


if __name__ == "__main__":
    unittest.main()
