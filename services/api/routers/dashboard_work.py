"""The dashboard's posting pages (services/dashboard/work.py), served by the same app."""

from services.dashboard.work import router

__all__ = ["router"]
