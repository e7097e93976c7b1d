"""coach: an offline, voice-driven coach for spoken answers in ML / LLM interviews.

Importing the package is cheap: models and audio libraries load only where used.
"""

__version__ = "0.1.0"
