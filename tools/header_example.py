#!/usr/bin/env python3
"""Writes a header's usage example as C++ statements, so a test compiles it.

A header opens with a comment saying what it is and how to use it; the usage
example is the first run of comment lines indented by three spaces
("//   code"). Those lines, unindented, go to OUT, to be #included inside a
function whose parameters give the example its context.

Usage: header_example.py HEADER OUT
"""
import sys


def example(lines):
    block = []
    for line in lines:
        if not line.startswith("//"):
            break  # The opening comment ended.
        if line.startswith("//   "):
            block.append(line[len("//   "):])
        elif block:
            break  # The first example ended.
    return block


def main():
    header, out = sys.argv[1], sys.argv[2]
    with open(header, encoding="utf-8") as f:
        block = example(f.read().splitlines())
    if not block:
        sys.exit(f"{header}: no usage example (lines '//   ...') in the opening comment")
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"// Generated from the usage example of {header}.\n")
        f.write(f'#line {1} "{header} (usage example)"\n')
        f.write("\n".join(block) + "\n")


if __name__ == "__main__":
    main()
