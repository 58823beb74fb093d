"""The headless session (no Textual): :mod:`.session` holds :class:`~.session.Session`, the one
account state and the loops that keep it true; :mod:`.listener` what it tells the UI;
:mod:`.failures` which failures pass; :mod:`.loads` what the start-up and history loads ask for."""
