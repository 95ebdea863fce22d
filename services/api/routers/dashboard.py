"""The auditors' dashboard pages (services/dashboard/routes.py), served by the same app."""

from services.dashboard.routes import public_router, router

__all__ = ["public_router", "router"]
