"""One module per concept; each exposes `router`, which `services.api.app.create_app` includes."""
