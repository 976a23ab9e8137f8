#!/usr/bin/env python3
"""Writes the deterministic inputs of the third-party program benchmarks into DIR.

    gen_inputs.py DIR

text.txt  about 8 MB of English-like prose (compressor input)
doc.md    about 6 MB of Markdown: headings, paragraphs with emphasis, code and links, lists,
          block quotes, fenced code and tables
data.json about 2 MB: a JSON array of records (strings, numbers, nested arrays and objects)
The same bytes on every run and machine: a fixed-seed xorshift generator, no `random`.
"""
import json
import os
import sys

WORDS = (
    "the of and to in is was that for it with as his on be at by had are but from or have an "
    "they which one you were her all she there would their we him been has when who will more "
    "no if out so said what up its about into than them can only other new some could time "
    "these two may then do first any my now such like our over man me even most made after "
    "also did many before must through back years where much your way well down should because "
    "each just those people how too little state good very make world still own see men work "
    "long get here between both life being under never day same another know while last might "
    "us great old year off come since against go came right used take three runtime module "
    "memory function table global export import instruction interpreter compiler benchmark "
    "stack frame branch register value integer float vector thread signal buffer stream"
).split()


class Rng:
    """xorshift64*: the same sequence everywhere."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        x = self.state
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        self.state = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        return (self.next() >> 11) % n

    def word(self):
        # Skewed towards the front of the list, like word frequencies in prose.
        return WORDS[min(self.below(len(WORDS)), self.below(len(WORDS)))]


def sentence(rng):
    words = [rng.word() for _ in range(4 + rng.below(14))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def text(rng, size):
    out, n = [], 0
    while n < size:
        para = " ".join(sentence(rng) for _ in range(2 + rng.below(6))) + "\n\n"
        out.append(para)
        n += len(para)
    return "".join(out)


def inline(rng):
    words = []
    for _ in range(6 + rng.below(20)):
        w, k = rng.word(), rng.below(20)
        if k == 0:
            w = f"*{w}*"
        elif k == 1:
            w = f"**{w}**"
        elif k == 2:
            w = f"`{w}_{rng.below(100)}`"
        elif k == 3:
            w = f"[{w}](https://example.org/{w}/{rng.below(1000)})"
        elif k == 4:
            w = f"{w}&amp;"
        words.append(w)
    return " ".join(words)


def markdown(rng, size):
    out, n, sec = [], 0, 0
    while n < size:
        k = rng.below(12)
        if k == 0:
            sec += 1
            block = f"{'#' * (1 + rng.below(3))} Section {sec}: {inline(rng)}\n\n"
        elif k in (1, 2):
            block = "".join(f"- {inline(rng)}\n" for _ in range(2 + rng.below(5))) + "\n"
        elif k == 3:
            block = "".join(f"{i + 1}. {inline(rng)}\n" for i in range(2 + rng.below(5))) + "\n"
        elif k == 4:
            block = "> " + inline(rng) + "\n> " + inline(rng) + "\n\n"
        elif k == 5:
            lines = [f"    let {rng.word()}_{i} = {rng.below(1000)};" for i in range(3 + rng.below(6))]
            block = "```rust\n" + "\n".join(l.strip() for l in lines) + "\n```\n\n"
        elif k == 6:
            rows = [f"| {rng.word()} | {rng.below(10000)} | {inline(rng)[:30]} |" for _ in range(2 + rng.below(4))]
            block = "| name | count | note |\n|------|------:|------|\n" + "\n".join(rows) + "\n\n"
        else:
            block = "\n".join(inline(rng) for _ in range(1 + rng.below(4))) + "\n\n"
        out.append(block)
        n += len(block)
    return "".join(out)


def records(rng, size):
    out, n, i = [], 0, 0
    while n < size:
        rec = {
            "id": i,
            "name": f"{rng.word()}-{rng.word()}",
            "group": rng.word(),
            "score": rng.below(100000) / 100,
            "active": rng.below(2) == 1,
            "tags": [rng.word() for _ in range(rng.below(5))],
            "dims": {"w": rng.below(500), "h": rng.below(500), "d": rng.below(50)},
            "history": [rng.below(1000) for _ in range(rng.below(8))],
        }
        s = json.dumps(rec, separators=(",", ":"))
        out.append(s)
        n += len(s) + 1
        i += 1
    return "[" + ",\n".join(out) + "]\n"


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    files = {
        "text.txt": text(Rng(0x9E3779B97F4A7C15), 8 << 20),
        "doc.md": markdown(Rng(0xD1B54A32D192ED03), 6 << 20),
        "data.json": records(Rng(0x94D049BB133111EB), 2 << 20),
    }
    for name, body in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(body)


if __name__ == "__main__":
    main()
