"""The one exception type users see: a message that says what is wrong and what to do."""

from __future__ import annotations


class CoachError(Exception):
    """A user-facing error. The CLI prints ``str(err)`` as one line and exits non-zero.

    >>> str(CoachError("no such file: a.wav", hint="check the path"))
    'no such file: a.wav (check the path)'
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class NoSpeech(CoachError):
    """The audio holds no speech. `coach transcribe` still prints its (empty) transcript, so
    this exits 1 ("nothing heard"), not 2 ("could not run")."""

    exit_code = 1
