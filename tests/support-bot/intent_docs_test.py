"""The intent names the API documents (supportbot.proto, message Intent) are exactly the
labels of the shipped intent model, so backend teams can switch on them."""
import json
import pathlib
import re
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]


class IntentDocsTest(unittest.TestCase):
    def test_proto_lists_the_shipped_models_labels(self):
        proto = (ROOT / "protos/shop/supportbot/v1/supportbot.proto").read_text()
        block = proto[proto.index("message Intent {"):proto.index("string name = 1;")]
        # The list runs from "knows these N:" to the first sentence after it.
        listing = block[block.index("knows these"):block.index("Shipping, customs")]
        count = int(re.search(r"knows these (\d+):", listing).group(1))
        listed = set()
        for line in listing.splitlines()[1:]:
            text = re.sub(r"^\s*//\s*([a-z]+:)?", "", line)
            listed.update(n for n in re.split(r"[,\s]+", text) if n)
        self.assertEqual(len(listed), count)
        versions = sorted((ROOT / "models/support-bot").iterdir(), key=lambda p: int(p.name))
        meta = json.loads((versions[-1] / "metadata.json").read_text())
        # A model's out-of-scope class is not an intent: the bot reports "unknown" for it.
        labels = set(meta["labels"]) - {meta.get("oos_label")}
        self.assertEqual(listed, labels)


if __name__ == "__main__":
    unittest.main()
