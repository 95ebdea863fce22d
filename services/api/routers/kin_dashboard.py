"""The dashboard's kin pages (services/dashboard/kin_routes.py), served by the same app."""

from services.dashboard.kin_routes import router

__all__ = ["router"]
