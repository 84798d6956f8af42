"""CV files: the type read from the first bytes, the size limit, the single-use token."""
import io
import zipfile
from datetime import datetime, timedelta

import pytest

from knowledge.coordination import cv_files


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COTESOIN_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def zipped(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_BYTES = zipped([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")])
ODT_BYTES = zipped([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<office/>")])


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.5\n...", cv_files.PDF),
    (b"\x89PNG\r\n\x1a\n....", cv_files.PNG),
    (b"\xff\xd8\xff\xe0....", cv_files.JPEG),
    (DOCX_BYTES, cv_files.DOCX),
    (ODT_BYTES, cv_files.ODT),
])
def test_accepted_types_are_read_from_the_content(data, expected):
    assert cv_files.check(data) == expected


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00 an executable renamed cv.pdf",
    b"<html>not a cv</html>",
    zipped([("evil.exe", "MZ")]),  # a zip that is neither DOCX nor ODT
])
def test_other_content_is_refused_whatever_its_name(data):
    with pytest.raises(cv_files.Refused, match="ni un PDF"):
        cv_files.check(data)


def test_too_large_file_is_refused():
    with pytest.raises(cv_files.Refused, match="5 Mo"):
        cv_files.check(b"%PDF-" + b"0" * cv_files.MAX_BYTES)


def test_token_is_single_use_and_the_name_gets_the_real_extension(database_url, var_dir):
    token = cv_files.issue_token("candidate-42")
    stored = cv_files.save(token, "cv.exe.pdf", b"\x89PNG\r\n\x1a\nimage")
    assert stored.filename == "cv.exe.png"
    assert stored.content_type == "image/png"
    assert stored.path.startswith(str(var_dir / "cv"))
    with pytest.raises(cv_files.Refused, match="plus valable"):
        cv_files.save(token, "other.pdf", b"%PDF-1.4")
    assert cv_files.uploaded(token, "candidate-42").filename == "cv.exe.png"
    assert cv_files.uploaded(token, "someone-else") is None


def test_refused_file_does_not_use_the_token(database_url, var_dir):
    token = cv_files.issue_token("candidate-42")
    with pytest.raises(cv_files.Refused):
        cv_files.save(token, "cv.pdf", b"not a pdf")
    assert cv_files.save(token, "cv.pdf", b"%PDF-1.4").path


def test_unknown_or_expired_token_is_refused(database_url, var_dir):
    with pytest.raises(cv_files.Refused):
        cv_files.save("made-up", "cv.pdf", b"%PDF-1.4")
    token = cv_files.issue_token("candidate-42")
    with pytest.raises(cv_files.Refused):
        cv_files.save(token, "cv.pdf", b"%PDF-1.4", now=datetime.utcnow() + timedelta(hours=3))
