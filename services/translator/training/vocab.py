"""The joint SentencePiece vocabulary and the reserved symbols the server relies on.

Ids 0-3 are pad/unk/bos/eos.  Language tags (``<2de>``) and placeholders
(``<ph0>`` .. ``<ph15>``) are user-defined symbols: SentencePiece never splits
them, so the C++ server can protect a span by swapping it for ``<phN>`` before
encoding and swapping it back after decoding.
"""
from typing import List

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
LANG_TAGS = ["<2en>", "<2de>", "<2fr>", "<2es>"]
NUM_PLACEHOLDERS = 16
PLACEHOLDERS = [f"<ph{i}>" for i in range(NUM_PLACEHOLDERS)]


def lang_tag(lang: str) -> str:
    return f"<2{lang}>"


def train_sentencepiece(texts: List[str], model_prefix: str, vocab_size: int, seed_sentences: int = 400000):
    import sentencepiece as spm  # noqa: WPS433 (only the trainer needs it)

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_prefix=model_prefix,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,  # any UTF-8 input round-trips, even scripts unseen in training
        pad_id=PAD_ID, unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID,
        user_defined_symbols=LANG_TAGS + PLACEHOLDERS,
        input_sentence_size=seed_sentences,
        shuffle_input_sentence=True,
        num_threads=2,
        minloglevel=2,
    )
