"""lien: the human side of a destination's social media.

>>> import lien
>>> ws = lien.open("lien.duckdb")
>>> ws.import_paths(["export.csv"])
"""

from .errors import LienError, Reject, SourceError
from .schema import Message
from .workspace import Workspace, open

__all__ = ["LienError", "Message", "Reject", "SourceError", "Workspace", "open"]
__version__ = "0.1.0"
