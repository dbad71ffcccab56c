"""Puts a table of figures into docs/performance.md between its two markers, replacing what was
there (or appends the markers and the table when they are not there yet).

usage: python3 bench/write-table.py DOC BEGIN-MARKER END-MARKER HEADER-ROW ROWS
       HEADER-ROW is a Markdown table row ("| what | median |"); its separator row is made here.
"""
import sys

doc, begin, end, header, rows = sys.argv[1:6]
columns = header.count("|") - 1
table = header + "\n" + "|" + "---|" * columns + "\n" + rows.rstrip("\n") + "\n"
text = open(doc).read()
if begin in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + begin + "\n" + table + end + tail
else:
    text += "\n" + begin + "\n" + table + end + "\n"
open(doc, "w").write(text)
