"""Recognition quality on the fixtures: word error rate, technical-term recall with and without
key-term biasing, filler recall and precision with and without the filler prompt, and the time
each transcription takes. Says whether the speed settings (greedy beam, int8, VAD windows) cost
accuracy.

    python -m bench.recognition
"""

from __future__ import annotations

import json
import time

from bench.common import FIXTURES, machine, table
from coach.audio import decode
from coach.bank.load import load_bank
from coach.score.fillers import HESITATIONS
from coach.transcribe import TranscribeOptions, Transcriber
from coach.wer import normalise, word_errors

SPOKEN = ["kv_cache_fillers.flac", "attention_clean.flac", "long_answer_fillers.flac",
          "stereo_44k.wav"]


def content(text: str) -> str:
    return " ".join(w for w in normalise(text) if w not in HESITATIONS)


def main() -> None:
    print(f"machine: {machine()}")
    refs = json.loads((FIXTURES / "references.json").read_text())
    bank = load_bank()
    variants = {
        "plain Whisper": (TranscribeOptions(filler_prompt=None), False),
        "filler prompt": (TranscribeOptions(), False),
        "filler prompt + key terms (default)": (TranscribeOptions(), True),
        "same, with timestamp tokens": (TranscribeOptions(timestamp_tokens=True), True),
        "beam 5 + both": (TranscribeOptions(beam_size=5), True),
    }
    rows = [["variant", "file", "seconds", "WER", "terms found", "fillers heard/said",
             "transcribe s"]]
    summary = [["variant", "WER (all words)", "term recall", "filler recall",
                "filler precision", "RTF"]]
    for name, (opts, bias) in variants.items():
        tr = Transcriber(opts)
        tr.load()
        errors = ref_words = terms_found = terms_total = 0
        heard_total = said_total = matched = 0
        audio_s = work_s = 0.0
        for f in SPOKEN:
            ref = refs[f]
            audio = decode(FIXTURES / f)
            q = bank.get(ref["question_id"]) if ref.get("question_id") else None
            hot = q.key_terms() if (q and bias) else []
            t0 = time.perf_counter()
            t = tr.transcribe(audio, hotwords=hot)
            dt = time.perf_counter() - t0
            w = word_errors(content(ref["text"]), content(t.text))
            errors += w.substitutions + w.deletions + w.insertions
            ref_words += w.reference_words
            hyp_norm = " ".join(normalise(t.text))
            terms = [k for k in (q.key_terms() if q else [])
                     if " ".join(normalise(k)) in " ".join(normalise(ref["text"]))]
            found = sum(1 for k in terms if " ".join(normalise(k)) in hyp_norm)
            terms_found += found
            terms_total += len(terms)
            heard = sum(1 for x in normalise(t.text) if x in HESITATIONS)
            said = sum(1 for x in normalise(ref["text"]) if x in HESITATIONS)
            heard_total += heard
            said_total += said
            matched += min(heard, said)
            audio_s += audio.size / 16000
            work_s += dt
            rows.append([name, f, f"{audio.size / 16000:.1f}", f"{w.wer:.3f}",
                         f"{found}/{len(terms)}", f"{heard}/{said}", f"{dt:.2f}"])
        summary.append([name, f"{errors / ref_words:.3f}",
                        f"{terms_found}/{terms_total} = {terms_found / max(1, terms_total):.0%}",
                        f"{matched}/{said_total} = {matched / max(1, said_total):.0%}",
                        f"{matched}/{heard_total} = {matched / max(1, heard_total):.0%}",
                        f"{work_s / audio_s:.3f}"])
        for f in ("silence.wav", "noise.wav"):
            t = tr.transcribe(decode(FIXTURES / f), hotwords=["KV cache", "softmax"])
            rows.append([name, f, "6.0", "no speech" if t.no_speech else f"heard {t.text!r}",
                         "-", "-", "-"])
    print(table(rows))
    print()
    print(table(summary))


if __name__ == "__main__":
    main()
