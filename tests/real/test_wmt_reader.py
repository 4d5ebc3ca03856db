"""WMT text: real newstest2014 and Moses-escaped OpenNMT files, SGML and archive fixtures, bad archives."""

import io
import os
import shutil
import tarfile

import pytest

from t2t_mm.errors import UserError
from t2t_mm.readers import archives, wmt


def test_real_newstest2014_line_pair_survives_the_round_trip(real, tmp_path):
    folder = real("wmt", "newstest", "en-de")
    pairs = wmt.read_parallel(os.path.join(folder, "newstest2014.en"), os.path.join(folder, "newstest2014.de"))
    assert len(pairs) == 3003
    assert pairs[0] == ("Gutach: Increased safety for pedestrians", "Gutach: Noch mehr Sicherheit für Fußgänger")
    # packed into a .tgz and found again by the corpus walk: same pair, same text
    archive = tmp_path / "dev.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(os.path.join(folder, "newstest2014.en"), "dev/newstest2014.en")
        tar.add(os.path.join(folder, "newstest2014.de"), "dev/newstest2014.de")
    with tarfile.open(tmp_path / "ILSVRC2012_img_val.tar", "w") as tar:  # not a WMT archive
        tar.add(os.path.join(folder, "newstest2014.en"), "x.en")
    archives.extract_all(str(tmp_path), ("dev.t*",))
    assert os.listdir(tmp_path / "_extracted") == ["dev.tgz"]
    found = wmt.find_pairs(str(tmp_path), "de", "en")
    assert [(name, kind) for name, _, _, kind in found] == [("newstest2014", "text")]
    again = wmt.read_pair(*found[0][1:])
    assert again[2] == (pairs[2][1], pairs[2][0])
    assert again == [(d, e) for e, d in pairs]


def test_real_enfr_and_defr_test_sets(real):
    enfr = wmt.find_pairs(real("wmt", "newstest", "en-fr"), "fr", "en")
    defr = wmt.find_pairs(real("wmt", "newstest", "de-fr"), "de", "fr")
    assert len(wmt.read_pair(*enfr[0][1:])) == 3003 and len(wmt.read_pair(*defr[0][1:])) == 1701
    assert wmt.read_pair(*enfr[0][1:])[0] == ('Spectaculaire saut en "wingsuit" au-dessus de Bogota',
                                              "Spectacular Wingsuit Jump Over Bogota")


def test_real_moses_escaped_text_is_unescaped(real):
    folder = real("wmt", "opennmt_py_ende", "data")
    pairs = wmt.read_parallel(os.path.join(folder, "src-train.txt"), os.path.join(folder, "tgt-train.txt"))
    assert len(pairs) == 9999  # line 5 has an empty English side: that pair is dropped
    assert "Parliament 's legislative prerogative" in pairs[0][0]
    assert not any("&apos;" in s or "&quot;" in s or "&amp;" in s for pair in pairs for s in pair)


def test_moses_unescape_table():
    assert wmt.unescape_moses("a &apos;b&apos; &quot;c&quot; &amp;lt; &#124; &#91;x&#93; &lt;&gt;") == \
        "a 'b' \"c\" &lt; | [x] <>"


SRC = """<srcset setid="newstest2014" srclang="any">
<doc sysid="ref" docid="doc-1" genre="news" origlang="de">
<p>
<seg id="1"> Guten Morgen &amp; willkommen </seg>
<seg id="2"> Zweiter Satz. </seg>
</p>
</doc>
<doc sysid="ref" docid="doc-2" genre="news" origlang="de">
<seg id="1">Dritter</seg>
</doc>
</srcset>
"""
REF = SRC.replace("Guten Morgen &amp; willkommen", "Good morning &amp; welcome").replace(
    "Zweiter Satz.", "Second sentence.").replace("Dritter", "Third").replace("srcset", "refset")


def test_sgml_test_sets_pair_by_document_and_segment(tmp_path):
    (tmp_path / "newstest2014-deen-src.de.sgm").write_text(SRC, encoding="utf-8")
    # the reference lists its documents in another order: pairing is by (docid, seg id), not position
    docs = REF.split("<doc ")
    (tmp_path / "newstest2014-deen-ref.en.sgm").write_text(docs[0] + "<doc " + docs[2].replace("</refset>\n", "")
                                                           + "<doc " + docs[1] + "</refset>\n", encoding="utf-8")
    found = wmt.find_pairs(str(tmp_path), "de", "en")
    assert [(n, k) for n, _, _, k in found] == [("newstest2014-deen", "sgml")]
    assert wmt.read_pair(*found[0][1:]) == [("Guten Morgen & willkommen", "Good morning & welcome"),
                                            ("Zweiter Satz.", "Second sentence."), ("Dritter", "Third")]
    reverse = wmt.find_pairs(str(tmp_path), "en", "de")
    assert wmt.read_pair(*reverse[0][1:])[0] == ("Third", "Dritter")  # the reference's document order


def test_line_parallel_mismatch_and_empty_alignments(tmp_path):
    (tmp_path / "c.en").write_text("a\n\nc")  # no final newline; an empty alignment
    (tmp_path / "c.fr").write_text("A\nB\nC\n")
    assert wmt.read_parallel(str(tmp_path / "c.en"), str(tmp_path / "c.fr")) == [("a", "A"), ("c", "C")]
    (tmp_path / "c.fr").write_text("A\nB\n")
    with pytest.raises(UserError, match="not line-parallel"):
        wmt.read_parallel(str(tmp_path / "c.en"), str(tmp_path / "c.fr"))
    (tmp_path / "bad.sgm").write_text("<seg>no id</seg>")
    with pytest.raises(UserError, match="without an id"):
        wmt.read_sgml(str(tmp_path / "bad.sgm"))


def _tar_with(path, member, data=b"x", link=None, kind=tarfile.REGTYPE):
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(member)
        info.type = kind
        if link is not None:
            info.linkname = link
            tar.addfile(info)
        else:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("member, link, kind, message", [
    ("../evil.txt", None, tarfile.REGTYPE, "climbs out"),
    ("ok/../../evil.txt", None, tarfile.REGTYPE, "climbs out"),
    ("/tmp/evil.txt", None, tarfile.REGTYPE, "absolute path"),
    ("link", "../../etc/passwd", tarfile.SYMTYPE, "outside"),
    ("link", "/etc/passwd", tarfile.SYMTYPE, "outside"),
    ("hard", "../x", tarfile.LNKTYPE, "outside"),
    ("dev", "", tarfile.CHRTYPE, "device"),
])
def test_malicious_archive_members_are_refused_by_name(tmp_path, member, link, kind, message):
    archive = tmp_path / "evil.tar"
    if kind == tarfile.CHRTYPE:
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo(member)
            info.type = kind
            tar.addfile(info)
    else:
        _tar_with(archive, member, link=link if link else None, kind=kind)
    target = tmp_path / "out"
    with pytest.raises(archives.UnsafeArchiveError, match=message) as err:
        archives.extract(str(archive), str(target))
    assert repr(member) in str(err.value) and "evil.tar" in str(err.value)
    assert not (tmp_path / "evil.txt").exists() and not target.exists()


def test_safe_archive_with_inner_link_and_truncated_archive(tmp_path):
    archive = tmp_path / "good.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("corpus/a.en")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
        link = tarfile.TarInfo("corpus/b.en")
        link.type, link.linkname = tarfile.SYMTYPE, "a.en"
        tar.addfile(link)
    out = archives.extract(str(archive), str(tmp_path / "x"))
    assert open(os.path.join(out, "corpus", "b.en")).read() == "hello\n"
    assert archives.extract(str(archive), str(tmp_path / "x")) == out  # idempotent
    data = archive.read_bytes()
    cut = tmp_path / "cut.tgz"
    with open(cut, "wb") as f:
        import gzip
        f.write(gzip.compress(data)[:40])
    with pytest.raises(UserError, match="cut.tgz.*re-download"):
        archives.extract(str(cut), str(tmp_path / "y"))
    shutil.rmtree(tmp_path / "x")
