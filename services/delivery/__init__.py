"""Buyer subscriptions (issue 5, BU-1): the feed of derived events, signed webhooks with retries and a
dead-letter record, the `dignity.standing-changes` Kafka topic, and server-sent events for dashboards."""
