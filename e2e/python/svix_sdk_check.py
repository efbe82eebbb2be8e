"""Drives hookrelay with the official Svix Python SDK, only `server_url` changed.

Usage: svix_sdk_check.py <base url> <api key>. Every call must succeed and return
the right data; any mismatch raises, and the exit code tells the Rust test.
"""

import sys
from datetime import datetime, timedelta, timezone

from svix.api import (
    ApplicationIn,
    ApplicationListOptions,
    ApplicationPatch,
    EndpointIn,
    EndpointListOptions,
    EndpointPatch,
    EndpointSecretRotateIn,
    EndpointUpsertIn,
    EventTypeIn,
    EventTypePatch,
    EventTypeUpsertIn,
    MessageAttemptListByEndpointOptions,
    MessageAttemptListByMsgOptions,
    MessageGetOptions,
    MessageIn,
    MessageListOptions,
    Svix,
    SvixOptions,
)
from svix.exceptions import HttpError


def check(label, actual, expected):
    if actual != expected:
        raise AssertionError(f"{label}: expected {expected!r}, got {actual!r}")
    print(f"ok  {label}")


def main(base_url: str, token: str) -> None:
    svix = Svix(token, SvixOptions(server_url=base_url))

    # Applications: create, get (by id and uid), upsert, patch, get_or_create, list, delete.
    app = svix.application.create(ApplicationIn(name="Acme Corp", uid="acme", metadata={"plan": "gold"}))
    check("application.create name", app.name, "Acme Corp")
    check("application.create id prefix", app.id.startswith("app_"), True)
    check("application.get by id", svix.application.get(app.id).uid, "acme")
    check("application.get by uid", svix.application.get("acme").id, app.id)
    updated = svix.application.upsert(app.id, ApplicationIn(name="Acme Inc", uid="acme"))
    check("application.upsert (update)", (updated.id, updated.name), (app.id, "Acme Inc"))
    patched = svix.application.patch(app.id, ApplicationPatch(throttle_rate=50))
    check("application.patch", (patched.name, patched.throttle_rate), ("Acme Inc", 50))
    same = svix.application.get_or_create(ApplicationIn(name="ignored", uid="acme"))
    check("application.get_or_create existing", same.id, app.id)
    created = svix.application.upsert("globex", ApplicationIn(name="Globex"))
    check("application.upsert (create by uid)", (created.uid, created.name), ("globex", "Globex"))

    # Paging through more than one page, forwards then back.
    extra = [svix.application.create(ApplicationIn(name=f"Paged {i}")).id for i in range(5)]
    seen, iterator, pages = [], None, 0
    while True:
        page = svix.application.list(ApplicationListOptions(limit=2, iterator=iterator))
        pages += 1
        seen += [a.id for a in page.data]
        if page.done:
            break
        iterator = page.iterator
    check("application.list pages", pages, 4)
    check("application.list sees every app once, newest first", seen, list(reversed(extra)) + [created.id, app.id])
    second = svix.application.list(ApplicationListOptions(limit=2, iterator=seen[1]))
    back = svix.application.list(ApplicationListOptions(limit=2, iterator=second.prev_iterator))
    check("application.list prevIterator", [a.id for a in back.data], seen[0:2])
    for app_id in extra:
        svix.application.delete(app_id)
    try:
        svix.application.get(extra[0])
        raise AssertionError("a deleted application is still there")
    except HttpError as e:
        check("application.delete then get", e.status_code, 404)

    # Event types.
    et = svix.event_type.create(EventTypeIn(name="invoice.paid", description="An invoice was paid"))
    check("event_type.create", (et.name, et.description), ("invoice.paid", "An invoice was paid"))
    check("event_type.get", svix.event_type.get("invoice.paid").description, "An invoice was paid")
    up = svix.event_type.upsert("invoice.voided", EventTypeUpsertIn(description="Voided"))
    check("event_type.upsert (create)", up.name, "invoice.voided")
    check("event_type.patch", svix.event_type.patch("invoice.voided", EventTypePatch(description="Voided!")).description, "Voided!")
    names = sorted(t.name for t in svix.event_type.list().data)
    check("event_type.list", names, ["invoice.paid", "invoice.voided"])
    svix.event_type.delete("invoice.voided")
    check("event_type.delete", sorted(t.name for t in svix.event_type.list().data), ["invoice.paid"])

    # Endpoints, their secret, rotation and stats.
    ep = svix.endpoint.create(app.id, EndpointIn(url="https://example.com/hooks", event_types=["invoice.paid"], uid="main", description="prod"))
    check("endpoint.create", (ep.url, ep.event_types, ep.uid), ("https://example.com/hooks", ["invoice.paid"], "main"))
    check("endpoint.get by uid", svix.endpoint.get(app.id, "main").id, ep.id)
    secret = svix.endpoint.get_secret(app.id, ep.id).key
    check("endpoint.get_secret is whsec_", secret.startswith("whsec_"), True)
    svix.endpoint.rotate_secret(app.id, ep.id, EndpointSecretRotateIn())
    rotated = svix.endpoint.get_secret(app.id, ep.id).key
    check("endpoint.rotate_secret changes the secret", rotated != secret and rotated.startswith("whsec_"), True)
    given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    svix.endpoint.rotate_secret(app.id, ep.id, EndpointSecretRotateIn(key=given))
    check("endpoint.rotate_secret with a given key", svix.endpoint.get_secret(app.id, ep.id).key, given)
    up_ep = svix.endpoint.upsert(app.id, ep.id, EndpointUpsertIn(url="https://example.com/v2", description="prod v2", event_types=["invoice.paid"]))
    check("endpoint.upsert (update)", (up_ep.id, up_ep.url), (ep.id, "https://example.com/v2"))
    check("endpoint.patch", svix.endpoint.patch(app.id, ep.id, EndpointPatch(disabled=True)).disabled, True)
    svix.endpoint.patch(app.id, ep.id, EndpointPatch(disabled=False))
    other = svix.endpoint.create(app.id, EndpointIn(url="https://example.com/other"))
    check("endpoint.list", sorted(e.id for e in svix.endpoint.list(app.id, EndpointListOptions(limit=10)).data), sorted([ep.id, other.id]))
    svix.endpoint.delete(app.id, other.id)
    check("endpoint.delete", [e.id for e in svix.endpoint.list(app.id).data], [ep.id])

    # Messages: create (fan-out creates a pending delivery), list, get; attempts lists.
    msg = svix.message.create(app.id, MessageIn(event_type="invoice.paid", payload={"id": "inv_1", "amount": 1200}, event_id="evt-1"))
    check("message.create", (msg.event_type, msg.payload, msg.event_id), ("invoice.paid", {"id": "inv_1", "amount": 1200}, "evt-1"))
    full = svix.message.get(app.id, msg.id, MessageGetOptions(with_content=True))
    check("message.get with content", full.payload, {"id": "inv_1", "amount": 1200})
    check("message.get without content (the v2 SDK default)", svix.message.get(app.id, msg.id).payload, {})
    check("message.get by eventId", svix.message.get(app.id, "evt-1").id, msg.id)
    svix.message.create(app.id, MessageIn(event_type="invoice.voided", payload={"id": "inv_2"}))
    listed = svix.message.list(app.id, MessageListOptions(event_types=["invoice.paid"]))
    check("message.list filtered by event type", [m.id for m in listed.data], [msg.id])
    recent = svix.message.list(app.id, MessageListOptions(after=datetime.now(timezone.utc) - timedelta(minutes=5)))
    check("message.list after", len(recent.data), 2)
    stats = svix.endpoint.get_stats(app.id, ep.id)
    check("endpoint.get_stats (one pending delivery, the voided one filtered out)", (stats.pending, stats.success, stats.fail), (1, 0, 0))
    by_ep = svix.message_attempt.list_by_endpoint(app.id, ep.id, MessageAttemptListByEndpointOptions(limit=10))
    check("message_attempt.list_by_endpoint", (by_ep.data, by_ep.done), ([], True))
    by_msg = svix.message_attempt.list_by_msg(app.id, msg.id, MessageAttemptListByMsgOptions(limit=10))
    check("message_attempt.list_by_msg", (by_msg.data, by_msg.done), ([], True))

    svix.application.delete(created.id)
    print("svix sdk: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
