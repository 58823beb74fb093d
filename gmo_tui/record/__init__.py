"""Market recordings: the file format, the writer, the reader and the recording stream.

* :mod:`~gmo_tui.record.format`: the on-disk layout (magic, record kinds, header).
* :mod:`~gmo_tui.record.writer`: :class:`RecordingWriter`, append-only, one zlib sync flush per
  frame, rotation by size or time, files private to the user.
* :mod:`~gmo_tui.record.reader`: reads a file (or a rotated set) up to its last complete frame.
* :mod:`~gmo_tui.record.stream`: :class:`RecordingPublicStream` (a public stream that writes
  every frame as received) and :func:`record` (``gmo-tui record``).
"""
