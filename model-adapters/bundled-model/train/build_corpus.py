#!/usr/bin/env python3
"""Collect the training corpus for the Moat bundled tiny model.

English: reST sources of the Python 3.11 documentation (Debian python3.11-doc, PSF license).
Java:    *.java files from Apache-2.0 -sources.jar files fetched from Maven Central (fetch_jars.sh).

Writes scratch/corpus/{english,java}_{train,val}.jsonl, one {"name", "text"} document per line.
About 2% of documents of each language are held out, chosen by a seeded hash of the file name.
"""
import glob
import hashlib
import json
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "scratch")
OUT = os.path.join(WORK, "corpus")
DOC_ROOT = "/usr/share/doc/python3.11/html/_sources"
JAR_DIR = os.path.join(WORK, "jars")
SEED = "moat-tiny-1234"
VAL_PERCENT = 2


def is_val(name: str) -> bool:
    h = hashlib.sha256((SEED + ":" + name).encode("utf-8")).digest()
    return int.from_bytes(h[:4], "big") % 100 < VAL_PERCENT


# ---------------------------------------------------------------- English (reST)
ROLE_RE = re.compile(r":[a-zA-Z0-9:_+-]+:`~?!?([^`<]*?)(?:\s*<[^>]*>)?`")
LINK_RE = re.compile(r"`([^`<]+?)\s*<[^>]*>`_{1,2}")
REF_RE = re.compile(r"`([^`]+)`_{1,2}")
LITERAL_RE = re.compile(r"``([^`]+)``")
EMPH_RE = re.compile(r"\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*")
HEADING_RE = re.compile(r"^\s*([=\-~^\"'`#*+<>:._])\1{3,}\s*$")
DROP_DIRECTIVES = ("index", "toctree", "highlight", "moduleauthor", "sectionauthor",
                   "currentmodule", "testsetup", "testcleanup", "only", "raw",
                   "include", "literalinclude", "image", "figure", "tabularcolumns",
                   "csv-table", "audit-event", "availability", "impl-detail",
                   "contents", "rubric", "productionlist")


def clean_rst(text: str) -> str:
    out = []
    skipping = False
    skip_indent = 0
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if skipping:
            if stripped == "" or indent > skip_indent:
                continue
            skipping = False
        if stripped.startswith(".. _") and stripped.endswith(":"):
            continue  # label
        m = re.match(r"\.\.\s+([a-zA-Z0-9:-]+)::\s*(.*)$", stripped)
        if m:
            name = m.group(1).split(":")[-1]
            arg = m.group(2)
            if name in DROP_DIRECTIVES:
                skipping, skip_indent = True, indent
                continue
            if name in ("note", "warning", "seealso", "versionadded", "versionchanged",
                        "deprecated", "deprecated-removed", "tip", "important", "caution"):
                label = {"note": "Note:", "warning": "Warning:", "seealso": "See also:",
                         "versionadded": "New in version", "versionchanged": "Changed in version",
                         "deprecated": "Deprecated since version",
                         "deprecated-removed": "Deprecated since version"}.get(name, name.capitalize() + ":")
                line = " " * indent + (label + " " + arg).rstrip()
            elif name in ("code-block", "sourcecode", "doctest", "testcode", "testoutput"):
                continue
            elif arg:
                # function / class / module / attribute descriptions: keep the signature
                line = " " * indent + arg
            else:
                continue
        elif stripped.startswith(".. ") or stripped == "..":
            skipping, skip_indent = True, indent  # comment / substitution
            continue
        elif stripped.startswith(":") and re.match(r"^:[a-zA-Z -]+:", stripped) and indent > 0:
            continue  # directive options such as :noindex:
        if HEADING_RE.match(line):
            continue
        line = LINK_RE.sub(r"\1", line)
        line = ROLE_RE.sub(r"\1", line)
        line = LITERAL_RE.sub(r"\1", line)
        line = REF_RE.sub(r"\1", line)
        line = EMPH_RE.sub(lambda mm: mm.group(1) or mm.group(2), line)
        if line.rstrip().endswith("::"):
            line = line.rstrip()[:-1]
        out.append(line.rstrip())
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def english_docs():
    files = sorted(glob.glob(os.path.join(DOC_ROOT, "**", "*.rst.txt"), recursive=True))
    for path in files:
        rel = os.path.relpath(path, DOC_ROOT)
        if rel.startswith("whatsnew/changelog"):
            continue  # huge list of bug numbers
        with open(path, encoding="utf-8", errors="replace") as f:
            text = clean_rst(f.read())
        if len(text) > 200:
            yield "python-doc/" + rel, text


# ---------------------------------------------------------------- Java
HEADER_RE = re.compile(r"\A\s*/\*.*?\*/\s*", re.S)


def clean_java(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    m = HEADER_RE.match(text)
    if m and re.search(r"Licen[cs]e|Copyright", m.group(0)):
        text = text[m.end():]
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def java_docs():
    for jar in sorted(glob.glob(os.path.join(JAR_DIR, "*-sources.jar"))):
        base = os.path.basename(jar)
        with zipfile.ZipFile(jar) as z:
            for name in sorted(z.namelist()):
                if not name.endswith(".java") or name.endswith("package-info.java") \
                        or name.endswith("module-info.java"):
                    continue
                text = clean_java(z.read(name).decode("utf-8", errors="replace"))
                if len(text) > 200:
                    yield base + "/" + name, text


def main():
    os.makedirs(OUT, exist_ok=True)
    for lang, gen in (("english", english_docs), ("java", java_docs)):
        counts = {"train": [0, 0], "val": [0, 0]}
        fs = {s: open(os.path.join(OUT, f"{lang}_{s}.jsonl"), "w", encoding="utf-8") for s in counts}
        for name, text in gen():
            split = "val" if is_val(name) else "train"
            fs[split].write(json.dumps({"name": name, "text": text}, ensure_ascii=False) + "\n")
            counts[split][0] += 1
            counts[split][1] += len(text)
        for f in fs.values():
            f.close()
        print(lang, {k: {"docs": v[0], "chars": v[1]} for k, v in counts.items()}, file=sys.stderr)


if __name__ == "__main__":
    main()
