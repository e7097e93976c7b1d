"""Rebuild the audio fixtures from their scripts (needs the `voice` extra: hibari-tts).

    python audio_fixtures/make_fixtures.py

Each spoken fixture is a script of sentences and pauses. Sentences are synthesised one by one
with hibari-tts (its bundled voice, offline) and joined with exact stretches of silence, so the
pause positions are known. The reference texts, fillers and pauses go to `references.json`.
Deterministic: fixed TTS seeds and a fixed noise seed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from coach.audio import SAMPLE_RATE, decode, encode  # noqa: E402

FILLERS = {"um", "uh", "hmm", "er", "ah", "umm"}
MULTI_FILLERS = ("you know", "i mean", "sort of", "kind of")

# (name, question id, script). A script item is a sentence (str) or a pause in seconds (float).
SPOKEN = [
    (
        "kv_cache_fillers",
        "kv-cache-why-critical-inference",
        [
            "Um, so the KV cache is about not redoing work while the model generates.",
            0.35,
            "Uh, every new token needs the keys and values of all the earlier tokens.",
            0.35,
            "Instead of recomputing them at each step, we keep them in memory and only "
            "compute the keys and values for the newest token.",
            0.35,
            "The catch is, you know, memory.",
            0.35,
            "The cache grows with the sequence length, the number of layers and the batch "
            "size, so at long context it, uh, dominates GPU memory.",
        ],
    ),
    (
        "attention_clean",
        "scaled-dot-product-attention-walkthrough",
        [
            "Scaled dot product attention compares each query with every key, divides the "
            "scores by the square root of the key dimension, and applies a softmax.",
            0.35,
            "The resulting weights average the value vectors, and the scaling keeps the "
            "softmax from saturating when the dimension is large.",
        ],
    ),
    (
        "long_answer_fillers",
        "kv-cache-why-critical-inference",
        [
            "Um, the problem the KV cache solves is that decoding is autoregressive.",
            0.4,
            "Each new token attends to every token before it, so, uh, without a cache we "
            "would recompute the keys and values of the whole prefix at every single step.",
            0.4,
            "That makes generation quadratic in the output length.",
            0.5,
            "So the mechanism is simple. During prefill we compute keys and values for the "
            "prompt and store them per layer and per head.",
            0.4,
            "Then at each decode step we compute the query, key and value for just the new "
            "token, append the new key and value to the cache, and attend over the cached "
            "entries.",
            0.4,
            "Um, the trade-off is memory.",
            1.6,
            "The cache size is two times layers times heads times head dimension times the "
            "sequence length times the batch, so for a big model at long context it can be "
            "larger than the weights.",
            0.4,
            "That is why, uh, people use grouped query attention to share keys and values "
            "across heads, and paged attention to avoid fragmentation.",
            2.6,
            "The limitation is that decoding then becomes memory bandwidth bound rather than "
            "compute bound, because every step has to read the whole cache.",
            0.4,
            "So, you know, the KV cache trades memory for compute, and managing that memory "
            "is most of what modern serving engines do.",
        ],
    ),
]

STEREO = (
    "stereo_44k",
    "batch norm normalizes each feature across the batch, while layer norm normalizes "
    "across the features of one example.",
)


def synthesise(tts, script: list[str | float], seed: int) -> tuple[np.ndarray, list[dict]]:
    """Render a script to 16 kHz audio; return it with the inserted pauses (start, seconds)."""
    from hibari import SAMPLE_RATE as TTS_RATE
    from hibari import write_wav

    tmp = HERE / ".tmp_tts.wav"
    parts: list[np.ndarray] = [np.zeros(int(0.3 * SAMPLE_RATE), np.float32)]
    pauses = []
    for i, item in enumerate(script):
        if isinstance(item, float):
            start = sum(p.size for p in parts) / SAMPLE_RATE
            pauses.append({"start": round(start, 3), "seconds": item})
            parts.append(np.zeros(int(item * SAMPLE_RATE), np.float32))
            continue
        write_wav(str(tmp), tts(item, seed=seed + i), TTS_RATE)
        parts.append(decode(tmp))  # PyAV resamples 24 kHz -> 16 kHz with a proper filter
    tmp.unlink(missing_ok=True)
    parts.append(np.zeros(int(0.3 * SAMPLE_RATE), np.float32))
    return np.concatenate(parts), pauses


def reference(script: list[str | float]) -> dict:
    text = " ".join(s for s in script if isinstance(s, str))
    words = [w.strip(".,?!").lower() for w in text.split()]
    fillers = [w for w in words if w in FILLERS]
    joined = " ".join(words)
    fillers += [m for m in MULTI_FILLERS for _ in range(joined.count(m))]
    return {"text": text, "fillers": sorted(fillers)}


def main() -> None:
    from hibari import Hibari

    tts = Hibari()
    refs: dict[str, dict] = {}
    for n, (name, qid, script) in enumerate(SPOKEN):
        audio, pauses = synthesise(tts, script, seed=100 * n)
        encode(HERE / f"{name}.flac", audio)
        refs[f"{name}.flac"] = {"question_id": qid, **reference(script), "pauses": pauses,
                                "duration_s": round(audio.size / SAMPLE_RATE, 2)}

    name, text = STEREO
    mono, _ = synthesise(tts, [text], seed=7)
    up = np.interp(np.arange(0, mono.size, 16000 / 44100), np.arange(mono.size), mono)
    stereo = np.stack([up, 0.6 * up], axis=1).astype(np.float32)
    encode(HERE / f"{name}.wav", stereo, sample_rate=44100)
    refs[f"{name}.wav"] = {"question_id": None, **reference([text]), "pauses": [],
                           "sample_rate": 44100, "channels": 2}

    rng = np.random.default_rng(0)
    encode(HERE / "silence.wav", (rng.standard_normal(6 * SAMPLE_RATE) * 3e-4).astype(np.float32))
    white = rng.standard_normal(6 * SAMPLE_RATE)
    brown = np.cumsum(white)
    brown = brown - np.convolve(brown, np.ones(400) / 400, mode="same")  # keep it zero-mean
    noise = (0.6 * white / np.abs(white).max() + 0.4 * brown / np.abs(brown).max()) * 0.12
    encode(HERE / "noise.wav", noise.astype(np.float32))
    for n in ("silence.wav", "noise.wav"):
        refs[n] = {"question_id": None, "text": "", "fillers": [], "pauses": [], "no_speech": True}

    (HERE / "references.json").write_text(json.dumps(refs, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(refs)} fixtures to {HERE}")


if __name__ == "__main__":
    main()
