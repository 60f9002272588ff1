"""A live class: tables of students playing the model's actors from their own browsers, a facilitator
console and a projector view (``ceasefire-sim classroom``). :mod:`sim.classroom.session` is the game
engine, with no web code; ``app.py`` serves it with Solara."""
