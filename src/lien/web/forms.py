"""Reading what a browser posts: URL-encoded forms and multipart file uploads.

Uploaded file names come from the user's machine: they are only ever shown (escaped), never
used as a path. Each file is written under a generated name that keeps a safe extension,
since lien detects a .zip archive by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import parse_qs

from ..errors import LienError

SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    # (name as uploaded, where it was written)
    files: list[tuple[str, Path]] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def parse_urlencoded(body: bytes) -> Form:
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return Form({k: v[-1] for k, v in parsed.items()})


def parse_multipart(content_type: str, body: bytes, folder: Path) -> Form:
    """Fields and files of a multipart/form-data body; files are written into `folder`."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise LienError("the form was not sent as multipart/form-data")
    form = Form()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is None:
            form.fields[name] = data.decode("utf-8", errors="replace")
            continue
        if not filename and not data:
            continue  # the file input left empty
        shown = Path(filename.replace("\\", "/")).name or "upload"
        suffix = Path(shown).suffix
        target = (
            folder / f"upload-{len(form.files) + 1}{suffix if SAFE_SUFFIX.match(suffix) else ''}"
        )
        target.write_bytes(data)
        form.files.append((shown, target))
    return form
