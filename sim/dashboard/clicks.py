"""A click on a widget the server has already removed is dropped, not logged as a traceback.

On a live page the view changes under the user's pointer: in a class the facilitator advances a
round or an agent answers, and the button a student clicked is gone (its handlers cleared) by the
time the click reaches the server. ipyvue looks the handler up unguarded
(``ipyvue.VueWidget.Events._fire_event``) and the server logs a ``KeyError: 'click'`` traceback.
That click has nothing left to act on, so it is dropped; every other event is handled as before.
"""

from __future__ import annotations

from ipyvue.VueWidget import Events

_ORIGINAL = Events._fire_event


def _fire_event(self: Events, event: str, data: object = None) -> None:
    if event not in self._event_handlers_map:
        return  # a stale event for a widget that no longer listens for it
    _ORIGINAL(self, event, data)


def drop_stale_clicks() -> None:
    """Install the guard (idempotent): events for handlers a widget no longer has are dropped."""
    Events._fire_event = _fire_event
