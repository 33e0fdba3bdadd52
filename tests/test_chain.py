"""Tamper evidence (issue 12): each event's link chains it to the one before; a change behind the back is caught."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, service_env
from sqlalchemy import func, select, text, update

from commands.chain import chain


def _events(rt):
    return rt.store.recorder.events_record_cls.__table__


def test_every_append_extends_the_chain(rt, api):
    for n in range(3):
        api.create("manufacturers", {"name": f"M{n}"})
    broken, head = rt.store.chain.verify()
    assert broken is None and len(head) == 64
    with rt.write_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(chain)).scalar() == rt.store.chain.count()
    api.create("manufacturers", {"name": "M3"})
    assert rt.store.chain.verify()[1] != head  # the head moved on


def test_an_event_edited_behind_the_applications_back_is_caught(rt, api):
    pk = api.create("manufacturers", {"name": "Honest"})["id"]
    api.patch(f"/api/manufacturers/{pk}/", {"name": "Honest Ltd"})
    events = _events(rt)
    with rt.write_engine.begin() as conn:
        target = conn.execute(select(events.c.id, events.c.state).where(events.c.topic.like("%Record.Created"))
                              .order_by(events.c.id.desc()).limit(1)).first()
        conn.execute(update(events).where(events.c.id == target.id)
                     .values(state=bytes(target.state).replace(b"Honest", b"Crooked")))
    broken, _head = rt.store.chain.verify()
    assert (broken.position, broken.reason) == (
        target.id, "the event or its link was changed, or an event before it was removed or inserted")
    verify = subprocess.run([sys.executable, "-m", "workers.cli", "audit", "verify", "--quiet"],
                            env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert verify.returncode == 1
    assert verify.stderr.splitlines()[-1] == (
        f"BROKEN at position {target.id}: the event or its link was changed, or an event before it was removed "
        "or inserted")


def test_a_removed_event_and_unlinked_events_are_caught(rt, api):
    for n in range(3):
        api.create("manufacturers", {"name": f"M{n}"})
    events = _events(rt)
    with rt.write_engine.begin() as conn:
        last = conn.execute(select(func.max(events.c.id))).scalar()
        conn.execute(events.delete().where(events.c.id == last))
    assert rt.store.chain.verify()[0].reason == "a linked event is missing (removed from the store)"
    with rt.write_engine.begin() as conn:
        conn.execute(text("DELETE FROM ralph_es_chain"))
    assert rt.store.chain.verify()[0].reason == (
        "the event has no link (stored behind the application's back, or after one that was; ralph-es audit link "
        "vouches for them)")
    assert rt.store.chain.catch_up() == rt.store.chain.count()  # a store from before the chain: linked now
    assert rt.store.chain.verify()[0] is None


def _cli_verify(rt):
    return subprocess.run([sys.executable, "-m", "workers.cli", "audit", "verify", "--quiet"],
                          env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_an_event_inserted_at_the_end_is_not_vouched_for_by_a_restart(rt, api):
    api.create("manufacturers", {"name": "M0"})
    events = _events(rt)
    with rt.write_engine.begin() as conn:
        copy = conn.execute(select(events.c.originator_id, events.c.topic, events.c.state)
                            .order_by(events.c.id.desc()).limit(1)).first()
        conn.execute(events.insert().values(originator_id=copy.originator_id, originator_version=99,
                                            topic=copy.topic, state=copy.state))
        forged = conn.execute(select(func.max(events.c.id))).scalar()
    verify = _cli_verify(rt)  # a new process starts: it must not link the forged event
    assert verify.returncode == 1 and verify.stderr.splitlines()[-1].startswith(
        f"BROKEN at position {forged}: the event has no link")
    api.create("manufacturers", {"name": "M1"})  # appends after it stay unlinked too, and say so
    assert rt.store.chain.verify()[0].position == forged


def test_the_last_event_removed_then_an_append_is_caught(rt, api):
    api.create("manufacturers", {"name": "M0"})
    events = _events(rt)
    with rt.write_engine.begin() as conn:
        last = conn.execute(select(func.max(events.c.id))).scalar()
        conn.execute(events.delete().where(events.c.id == last))
    assert api.post("/api/manufacturers/", {"name": "M1"}).status_code == 201  # writes go on (SQLite reuses the id)
    broken, _head = rt.store.chain.verify()
    assert broken is not None and broken.position == last
