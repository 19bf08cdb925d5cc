#!/usr/bin/env python3
"""Fetch Jane Austen's six novels from Debian's r-cran-janeaustenr and write austen.txt.gz.

Usage (from the repository root, needs apt-get and dpkg-deb, i.e. a Debian/Ubuntu machine):

    python3 assets/corpus/extract_austen.py            # runs apt-get update + apt-get download
    python3 assets/corpus/extract_austen.py --deb FILE  # use an already downloaded .deb

The package keeps each novel as an R character vector (one element per printed line) inside the
lazy-load database data/Rdata.rdb, indexed by data/Rdata.rdx. Both use R's XDR serialisation
format, which this script decodes by hand (standard library only), so no R and no extra Python
packages are needed.

Output: assets/corpus/austen.txt.gz, UTF-8, one paragraph per line group: paragraphs are separated
by one blank line, the line-wrapped lines of a paragraph are joined with single spaces, chapter
headings, each book's title block, end marks and "* * *" ornaments are dropped, and the
underscores that mark italics are removed. The gzip header carries no timestamp or file
name, so a rerun produces a byte-identical file.
"""

import argparse
import gzip
import io
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

PACKAGE = "r-cran-janeaustenr"
DATA_DIR = "usr/lib/R/site-library/janeaustenr/data"
# The order janeaustenr's own austen_books() uses (publication order of the first four, then the
# two published together in 1817).
BOOKS = [
    "sensesensibility",
    "prideprejudice",
    "mansfieldpark",
    "emma",
    "northangerabbey",
    "persuasion",
]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "austen.txt.gz")


class RReader:
    """A minimal reader for R's XDR serialisation format (version 2 or 3)."""

    NILVALUE = 254
    REF = 255
    SYM = 1
    LIST = 2
    CHAR = 9
    LGL = 10
    INT = 13
    REAL = 14
    STR = 16
    VEC = 19

    def __init__(self, data):
        if data[:2] != b"X\n":
            raise ValueError("not an XDR R serialisation stream")
        self.data = data
        self.pos = 2
        self.refs = []
        version = self.int()
        self.int()  # writer R version
        self.int()  # minimal reader R version
        if version == 3:
            n = self.int()
            self.pos += n  # native encoding name
        elif version != 2:
            raise ValueError(f"unsupported serialisation version {version}")

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def item(self):
        flags = self.int()
        kind = flags & 0xFF
        has_attr = flags & (1 << 9)
        has_tag = flags & (1 << 10)
        if kind == self.NILVALUE:
            return None
        if kind == self.REF:
            index = flags >> 8
            if index == 0:
                index = self.int()
            return self.refs[index - 1]
        if kind == self.SYM:
            name = self.item()
            self.refs.append(name)
            return name
        if kind == self.LIST:
            out = {}
            attrs = self.item() if has_attr else None
            del attrs
            tag = self.item() if has_tag else None
            out[tag] = self.item()
            rest = self.item()
            if isinstance(rest, dict):
                out.update(rest)
            return out
        if kind == self.CHAR:
            n = self.int()
            if n == -1:
                return None
            s = self.data[self.pos : self.pos + n].decode("utf-8")
            self.pos += n
            return s
        if kind in (self.LGL, self.INT):
            n = self.int()
            value = list(struct.unpack_from(f">{n}i", self.data, self.pos))
            self.pos += 4 * n
        elif kind == self.REAL:
            n = self.int()
            value = list(struct.unpack_from(f">{n}d", self.data, self.pos))
            self.pos += 8 * n
        elif kind in (self.STR, self.VEC):
            n = self.int()
            value = [self.item() for _ in range(n)]
        else:
            raise ValueError(f"unsupported R object type {kind}")
        if has_attr:
            attrs = self.item()
            names = attrs.get("names") if isinstance(attrs, dict) else None
            if names is not None:
                value = dict(zip(names, value))
        return value


def read_rdb_object(rdb, offset, length):
    """One object of a lazy-load database: 4-byte big-endian length, then a zlib stream."""
    chunk = rdb[offset : offset + length]
    (expected,) = struct.unpack(">I", chunk[:4])
    raw = zlib.decompress(chunk[4:])
    if len(raw) != expected:
        raise ValueError(f"object at {offset}: {len(raw)} bytes, header says {expected}")
    return RReader(raw).item()


HEADING = re.compile(r"^(CHAPTER|Chapter|VOLUME|Volume)\s+[IVXLC0-9]+\.?$")
# End marks and ornamental separators, not prose.
DROP = re.compile(r"^(THE END|Finis|FINIS|[*\s]+)$")


def paragraphs(lines):
    """Blank-line separated paragraphs with wrapped lines joined; headings and front matter dropped."""
    out = []
    current = []
    seen_chapter = False
    for line in lines + [""]:
        line = (line or "").strip()
        if line:
            current.append(line)
            continue
        if current:
            text = " ".join(current)
            current = []
            if HEADING.match(text):
                seen_chapter = True
                continue
            # Underscores only mark italics in these (Project Gutenberg derived) texts.
            text = re.sub(r"\s+", " ", text.replace("_", "")).strip()
            if seen_chapter and text and not DROP.match(text):
                out.append(text)
    return out


def fetch_deb(workdir):
    subprocess.run(["apt-get", "update"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "download", PACKAGE], check=True, cwd=workdir)
    debs = [f for f in os.listdir(workdir) if f.startswith(PACKAGE) and f.endswith(".deb")]
    if len(debs) != 1:
        raise SystemExit(f"expected one {PACKAGE} .deb in {workdir}, found {debs}")
    return os.path.join(workdir, debs[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb", help="an already downloaded r-cran-janeaustenr .deb")
    parser.add_argument("--out", default=OUT, help="output path (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        deb = args.deb or fetch_deb(work)
        version = subprocess.run(
            ["dpkg-deb", "-f", deb, "Version"], check=True, capture_output=True, text=True
        ).stdout.strip()
        tree = os.path.join(work, "tree")
        subprocess.run(["dpkg-deb", "-x", deb, tree], check=True)
        data = os.path.join(tree, DATA_DIR)
        with open(os.path.join(data, "Rdata.rdx"), "rb") as f:
            index = RReader(gzip.decompress(f.read())).item()
        with open(os.path.join(data, "Rdata.rdb"), "rb") as f:
            rdb = f.read()
        variables = index["variables"]
        all_paragraphs = []
        for book in BOOKS:
            offset, length = variables[book]
            lines = read_rdb_object(rdb, offset, length)
            paras = paragraphs(lines)
            words = sum(len(p.split()) for p in paras)
            print(f"{book}: {len(lines)} lines -> {len(paras)} paragraphs, {words} words", file=sys.stderr)
            all_paragraphs.extend(paras)
    text = "\n\n".join(all_paragraphs) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    with open(args.out, "wb") as f:
        f.write(buf.getvalue())
    print(
        f"{PACKAGE} {version}: wrote {len(all_paragraphs)} paragraphs, {len(text)} characters "
        f"to {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
