"""WMT parallel text as statmt.org ships it: line-parallel files, Moses-escaped text, WMT SGML.

* line-parallel: ``<name>.<src>`` and ``<name>.<tgt>`` (``europarl-v7.fr-en.fr``, ``newstest2014.de``,
  optionally ``.gz``), pair i = line i of each; pairs with an empty side are dropped (Europarl has
  empty alignments) and counted to ``report``; a line-count mismatch is an error.
* Moses-escaped (tokenized corpora): ``&apos; &quot; &amp; &lt; &gt; &#124; &#91; &#93;`` are
  unescaped when a file contains any of them.
* WMT SGML test sets (``newstest2014-deen-src.de.sgm``): one ``<seg id="N"> text </seg>`` a line
  inside ``<doc docid=..>``; source and reference are paired by (docid, seg id), and a segment
  either side lacks is an error. A set whose file name does not carry its ``setid``
  (``<srcset setid="newstest2009">`` in a Moses-style ``test-src.fr.sgm``) is named by the setid, so it
  is still known, and held out, as a test set.
Archives (.tgz/.tar) are unpacked with t2t_mm.readers.archives first.
"""

import gzip
import html
import os
import re

from t2t_mm.errors import UserError
from t2t_mm.readers.walk import walk

MOSES_ESCAPES = (("&apos;", "'"), ("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&#124;", "|"),
                 ("&#91;", "["), ("&#93;", "]"), ("&amp;", "&"))  # &amp; last: "&amp;lt;" is "&lt;"
_ESCAPE_MARK = re.compile(r"&(apos|quot|amp|lt|gt|#124|#91|#93);")
_SEG = re.compile(r"<seg\b([^>]*)>(.*?)</seg>", re.IGNORECASE | re.DOTALL)
_DOC = re.compile(r"<doc\b([^>]*)>", re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SETID = re.compile(r"""<(?:srcset|refset|tstset)\b[^>]*\bsetid\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_DOCID = re.compile(r"""\bdocid\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def unescape_moses(text):
    for escaped, plain in MOSES_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def read_lines(path):
    """Lines of a UTF-8 text file (or .gz), without line ends; a missing final newline is fine.
    Moses escapes are undone when the file uses them."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as err:
        raise UserError("%s is not UTF-8 text (%s); WMT files are UTF-8 -- re-download it." % (path, err))
    except (OSError, EOFError) as err:
        raise UserError("%s cannot be read (%s); it may be truncated -- re-download it." % (path, err))
    if any(_ESCAPE_MARK.search(line) for line in lines):
        lines = [unescape_moses(line) for line in lines]
    return lines


def read_parallel(source_path, target_path, report=None):
    """[(source, target)] from two line-parallel files; ``report(message)`` hears how many pairs with an
    empty side were dropped."""
    src, tgt = read_lines(source_path), read_lines(target_path)
    if len(src) != len(tgt):
        raise UserError("%s has %d lines but %s has %d: the files are not line-parallel (a truncated "
                        "download?)." % (source_path, len(src), target_path, len(tgt)))
    pairs = [(s.strip(), t.strip()) for s, t in zip(src, tgt)]
    return _drop_empty(pairs, source_path, target_path, report)


def _drop_empty(pairs, source_path, target_path, report):
    kept = [(s, t) for s, t in pairs if s and t]
    if report and len(kept) < len(pairs):
        report("%s / %s: dropped %d of %d pairs with an empty side" % (
            source_path, os.path.basename(target_path), len(pairs) - len(kept), len(pairs)))
    return kept


def read_sgml(path):
    """{(docid, seg id): text} of a WMT SGML file, in document order (dicts keep insertion order)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    segments, events = {}, []
    for match in _DOC.finditer(text):
        events.append((match.start(), "doc", match.group(1)))
    for match in _SEG.finditer(text):
        events.append((match.start(), "seg", match))
    docid = ""
    for _, kind, item in sorted(events, key=lambda e: e[0]):
        if kind == "doc":
            found = _DOCID.search(item)
            docid = found.group(1) if found else ""
            continue
        seg_id = _ID.search(item.group(1))
        if not seg_id:
            raise UserError("%s: a <seg> without an id attribute near %r; is this a WMT SGML file?"
                            % (path, item.group(0)[:60]))
        segments[(docid, seg_id.group(1))] = html.unescape(item.group(2)).strip()
    if not segments:
        raise UserError("%s has no <seg id=..> elements; it is not a WMT SGML test set." % path)
    return segments


def read_sgml_parallel(source_path, target_path, report=None):
    """[(source, target)] from a WMT SGML source file and its reference, matched by segment; every
    segment of either file must have its match in the other."""
    src, tgt = read_sgml(source_path), read_sgml(target_path)
    for here, there, a, b in ((src, tgt, source_path, target_path), (tgt, src, target_path, source_path)):
        missing = [key for key in here if key not in there]
        if missing:
            raise UserError("%s has %d segments with no match in %s (first: doc %s seg %s); they are not "
                            "source and reference of one complete test set -- re-download it."
                            % (a, len(missing), b, missing[0][0], missing[0][1]))
    return _drop_empty([(src[k], tgt[k]) for k in src], source_path, target_path, report)


def sgml_setid(path):
    """The ``setid`` of a WMT SGML file (``newstest2009``), or None."""
    with open(path, encoding="utf-8", errors="replace") as f:
        match = _SETID.search(f.read(4096))
    return match.group(1) if match else None


def find_pairs(root, source_lang, target_lang):
    """[(name, source path, target path, kind)] under ``root``: kind 'text' or 'sgml'. The name is the
    corpus file name without the language part (``newstest2014``, ``europarl-v7.fr-en``)."""
    files = {}
    for dirpath, _, names in walk(root):
        for name in names:
            files.setdefault(dirpath, set()).add(name)
    pairs = []
    for dirpath, names in sorted(files.items()):
        for name in sorted(names):
            for suffix in ("", ".gz"):
                stem = _strip(name, "." + source_lang + suffix)
                if stem and stem + "." + target_lang + suffix in names:
                    pairs.append((stem, os.path.join(dirpath, name),
                                  os.path.join(dirpath, stem + "." + target_lang + suffix), "text"))
            match = re.match(r"(.+)-(src|ref)\.%s\.sgm$" % re.escape(source_lang), name)
            if match:
                for role in ("ref", "src"):
                    other = "%s-%s.%s.sgm" % (match.group(1), role, target_lang)
                    if other in names:
                        source_path = os.path.join(dirpath, name)
                        pairs.append((_set_name(match.group(1), source_path), source_path,
                                      os.path.join(dirpath, other), "sgml"))
                        break
    chosen = {}  # one pair per corpus: 2014 ships both -src.en.sgm and -ref.en.sgm; prefer -src
    for pair in pairs:
        key = (os.path.dirname(pair[1]), pair[0], pair[3])
        if key not in chosen or "-src." in os.path.basename(pair[1]):
            chosen[key] = pair
    return sorted(chosen.values())


def _set_name(stem, path):
    """The file's stem when it carries the set's setid (``newstest2014-deen``), else the setid: a
    Moses-style ``test-src.fr.sgm`` of newstest2009 is named newstest2009, and held out as such."""
    setid = sgml_setid(path)
    return stem if not setid or stem.lower().startswith(setid.lower()) else setid


def _strip(name, suffix):
    return name[:-len(suffix)] if name.endswith(suffix) and len(name) > len(suffix) else None


def read_pair(source_path, target_path, kind, report=None):
    read = read_sgml_parallel if kind == "sgml" else read_parallel
    return read(source_path, target_path, report)
