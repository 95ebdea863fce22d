"""The event contract (SPEC §2): envelope, catalogue, codec, upcasters."""
