"""SQLModel tables. No I/O here, and nothing of ours is imported."""

from models.public_script import PublicScript, Script
from models.refs import RefBook, RefData, RefDataContent
from models.system_info import Language, SystemInfo, SystemInfoRefBook, SystemInfoRefData
from models.user import RefreshToken, User, user_key

__all__ = [
    "Language",
    "PublicScript",
    "RefBook",
    "RefData",
    "RefDataContent",
    "RefreshToken",
    "Script",
    "SystemInfo",
    "SystemInfoRefBook",
    "SystemInfoRefData",
    "User",
    "user_key",
]
