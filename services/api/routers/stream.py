"""GET /stream: server-sent events for dashboards (services/delivery/sse.py)."""

from services.delivery.sse import router

__all__ = ["router"]
