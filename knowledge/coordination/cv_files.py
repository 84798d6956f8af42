"""CV files of the apply form: the single-use upload token, the type read from the file's first
bytes (never from its name), and storage under the var folder with a random name."""
import io
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from knowledge import db, settings
from knowledge.coordination.models import CvUpload
from knowledge.texts import text

MAX_BYTES = 5 * 1024 * 1024
# A token not used within this delay is refused (the form asks again).
TOKEN_LIFETIME = timedelta(hours=2)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class Refused(ValueError):
    """The file cannot be taken; the message is the French reason shown to the person."""


@dataclass(frozen=True)
class CvType:
    mime: str
    extension: str


PDF = CvType("application/pdf", "pdf")
DOCX = CvType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
ODT = CvType("application/vnd.oasis.opendocument.text", "odt")
JPEG = CvType("image/jpeg", "jpg")
PNG = CvType("image/png", "png")


def _zip_document(data: bytes) -> Optional[CvType]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return ODT
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                return DOCX
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def detect_type(data: bytes) -> Optional[CvType]:
    """PDF, DOCX, ODT, JPEG or PNG from the content; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_document(data)
    return None


TOO_LARGE = text("cv.too_large")


def check(data: bytes) -> CvType:
    """The file's type, or `Refused` with the reason in French."""
    if len(data) > MAX_BYTES:
        raise Refused(TOO_LARGE)
    if not data:
        raise Refused(text("cv.empty"))
    found = detect_type(data)
    if found is None:
        raise Refused(text("cv.unknown_type"))
    return found


def folder() -> Path:
    return settings.var_dir() / "cv"


def issue_token(sender_id: str) -> str:
    """A new single-use token allowing this conversation to upload one CV."""
    token = secrets.token_urlsafe(32)
    with db.session_scope() as session:
        session.add(CvUpload(token=token, sender_id=sender_id))
    return token


def save(token: str, filename: str, data: bytes, now: Optional[datetime] = None) -> CvUpload:
    """Check and store the file sent with `token`; `Refused` when the token or the file is not valid.

    The token is used up by a file that is taken, not by a refused one (the person may try again).
    """
    now = now or datetime.utcnow()
    kind = check(data)
    with db.session_scope() as session:
        upload = session.get(CvUpload, token or "")
        if upload is None or upload.path is not None or upload.created_at < now - TOKEN_LIFETIME:
            raise Refused(text("cv.link_expired"))
        target = folder() / f"{secrets.token_hex(16)}.{kind.extension}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        upload.path, upload.content_type, upload.size, upload.uploaded_at = str(target), kind.mime, len(data), now
        upload.filename = _display_name(filename, kind)
        session.flush()
        session.expunge(upload)
        return upload


def _display_name(filename: str, kind: CvType) -> str:
    """The name shown to the recipient: the person's name kept, the extension of the real type."""
    stem = Path((filename or "cv").replace("\\", "/")).name.rsplit(".", 1)[0][:80] or "cv"
    return f"{stem}.{kind.extension}"


def open_token(sender_id: str, now: Optional[datetime] = None) -> Optional[str]:
    """The conversation's latest token still waiting for a file (the form is asking for a CV)."""
    now = now or datetime.utcnow()
    with db.session_scope() as session:
        return session.scalars(
            select(CvUpload.token)
            .where(CvUpload.sender_id == sender_id, CvUpload.path.is_(None),
                   CvUpload.created_at >= now - TOKEN_LIFETIME)
            .order_by(CvUpload.created_at.desc())).first()


def uploaded(token: str, sender_id: str) -> Optional[CvUpload]:
    """The file uploaded with `token` by this conversation, None when there is none."""
    with db.session_scope() as session:
        upload = session.get(CvUpload, token or "")
        if upload is None or upload.sender_id != sender_id or upload.path is None:
            return None
        session.expunge(upload)
        return upload


def discard(sender_id: str) -> int:
    """Forget this conversation's tokens and files not attached to an application (form cancelled)."""
    with db.session_scope() as session:
        uploads = list(session.scalars(select(CvUpload).where(CvUpload.sender_id == sender_id)))
        for upload in uploads:
            if upload.path:
                Path(upload.path).unlink(missing_ok=True)
            session.delete(upload)
        return len(uploads)
