"""Repair damaged Chinese news text: ``normalise(text) -> NormaliseResult``.

The passes, in the order they run (``PASSES``), and why in that order:

1. ``clean_up_text`` — BOM, zero-width and control characters, CRLF, Sogou's paragraph mark,
   trailing spaces, blank-line runs, NFC. First, so every later regex sees one form of each
   character (a tone mark typed as a combining accent becomes the precomposed letter the pinyin
   pattern knows).
2. ``recover_lost_characters`` — ``日?(bào)`` -> 日报. Before pinyin stripping, which would
   otherwise throw the reading away.
3. ``strip_pinyin`` — ``精準(zhǔn)`` -> 精準. Before widening (its brackets would turn into
   （zhǔn）) and before script conversion (OpenCC converts by phrase, and an annotation inside a
   word breaks the phrase match).

4. ``repair_mojibake`` — ``冷链?称贩揽?`` -> ``冷链食品防?``: GBK byte-shift mojibake re-read
   one byte earlier where that is confident. After stripping (the annotations glued to the
   span are not part of its bytes) and before conversion and folding (which would change its
   characters and so its bytes: shifted GBK is full of full-width forms, ``?Ｖ泄?`` for 中国).
   The spans it cannot repair are found again (``mojibake.find_mojibake``), reported, and kept
   out of the remaining passes, which would otherwise widen their ``?`` and convert their
   characters, destroying the bytes a later repair needs.
5. ``convert_script`` — OpenCC t2s (default), s2t, or nothing with ``script="keep"``. After
   recovery, so recovered characters are converted too, and after stripping, so conversion
   sees whole words. The t2s form computed to detect the input script is reused here, which
   is why conversion comes before the punctuation passes (they touch no Han character).
6. ``fold_fullwidth_alnum`` — １９９８ -> 1998. Before punctuation work, so ``１,２００`` is seen
   as the number context it is and its comma stays ASCII.
7. ``collapse_spurious_commas`` — ``会议,,传达`` -> ``会议,传达``. Before widening, which would
   otherwise turn the spurious comma into a full-width one.
8. ``widen_cjk_punctuation`` — ``会议,传达`` -> ``会议，传达``.

Every pass is a pure total ``str -> str`` function in ``passes`` (``convert_script`` is
``script.to_simplified`` or ``script.to_traditional``); each has a keyword switch of the same
name. Clean simplified text goes through unchanged.
"""

from __future__ import annotations

from docexport.cache import cached_regex
from docexport.data import REPAIR_KEYS, NormaliseResult, RepairSpan
from docexport.errors import OptionError
from docexport.normalise import passes
from docexport.normalise.mojibake import find_mojibake, repair_and_find_mojibake
from docexport.normalise.script import (
    HAN,
    count_changed,
    detect_script,
    detect_with,
    simplified_with,
    to_simplified,
    to_traditional,
)

__all__ = ["PASSES", "SCRIPTS", "detect_script", "normalise"]

PASSES: tuple[str, ...] = (
    "clean_up_text",
    "recover_lost_characters",
    "strip_pinyin",
    "repair_mojibake",
    "convert_script",
    "fold_fullwidth_alnum",
    "collapse_spurious_commas",
    "widen_cjk_punctuation",
)

# Output scripts: the converter and the script tag each gives.
SCRIPTS = ("simplified", "traditional", "keep")

# The REPAIR_KEYS counter each pass feeds.
COUNTER = {
    "clean_up_text": "cleanup",
    "fold_fullwidth_alnum": "fullwidth_folded",
    "recover_lost_characters": "lost_recovered",
    "strip_pinyin": "pinyin_removed",
    "collapse_spurious_commas": "commas_collapsed",
    "widen_cjk_punctuation": "punctuation_widened",
}
# The passes that run on the text between mojibake spans, never inside them.
AFTER_MOJIBAKE = ("fold_fullwidth_alnum", "collapse_spurious_commas", "widen_cjk_punctuation")

# A lost character left in the output: "?" or U+FFFD with a Han character on either side.
LOST_RE = cached_regex(f"\ufffd|\\?(?:(?<=[{HAN}].)|(?=[{HAN}]))")


def _check_options(script: str, switches: dict[str, bool]) -> None:
    if script not in SCRIPTS:
        raise OptionError(f"script must be one of {', '.join(SCRIPTS)}; got {script!r}")
    unknown = sorted(set(switches) - set(PASSES)) if switches else []
    if unknown:
        raise OptionError(
            f"unknown normalise switch {', '.join(unknown)}; the passes are {', '.join(PASSES)}"
        )


# Every pass on: what a call without switches uses (read only), rather than a dict per call.
ALL_ENABLED: dict[str, bool] = dict.fromkeys(PASSES, True)


def _span_start(span: RepairSpan) -> int:
    return span.start or 0


def normalise(text: str, *, script: str = "simplified", **switches: bool) -> NormaliseResult:
    """Repair ``text`` and log what was repaired.

    ``script`` is the output script: ``simplified`` (default), ``traditional`` or ``keep``. Every
    name in ``PASSES`` is a switch: ``normalise(text, strip_pinyin=False)`` skips that pass.
    Never raises on any ``str``; raises ``OptionError`` only for a bad option.

    >>> result = normalise("瀘州日?qǐng)?(bào)記者,,精準(zhǔn)防控")
    >>> result.text, result.repairs["pinyin_removed"], result.script_detected
    ('泸州日报记者，精准防控', 1, 'Hant')
    """
    _check_options(script, switches)
    enabled = {name: bool(switches.get(name, True)) for name in PASSES} if switches else ALL_ENABLED
    repairs = dict.fromkeys(REPAIR_KEYS, 0)
    spans: list[RepairSpan] = []

    if enabled["clean_up_text"]:
        text, repairs["cleanup"] = passes.COUNTED["clean_up_text"](text)
    if enabled["recover_lost_characters"]:
        text, recovered = passes.recover_lost_characters_logged(text)
        if recovered:
            repairs["lost_recovered"] = len(recovered)
            spans.extend(RepairSpan("lost_recovered", found, char) for found, char in recovered)
    if enabled["strip_pinyin"]:
        text, repairs["pinyin_removed"] = passes.COUNTED["strip_pinyin"](text)

    if enabled["repair_mojibake"]:
        text, reread, mojibake = repair_and_find_mojibake(text)
        if reread:
            repairs["mojibake_repaired"] = len(reread)
            spans.extend(RepairSpan("mojibake_repaired", found, fixed) for found, fixed in reread)
    else:
        mojibake = find_mojibake(text)
    simplified = to_simplified(text)
    detected = detect_with(text, simplified)
    repairs["mojibake_found"] = len(mojibake) + repairs["mojibake_repaired"]
    convert = enabled["convert_script"] and script != "keep"
    after = [name for name in AFTER_MOJIBAKE if enabled[name]]

    # Run the remaining passes on the stretches between mojibake spans only.
    pieces: list[str] = []
    cursor = 0
    for start, end in [*mojibake, (len(text), len(text))]:
        piece = text[cursor:start]
        if convert:
            if script == "traditional":
                converted = to_traditional(piece)
            else:
                converted = simplified_with(
                    piece, to_simplified(piece) if mojibake else simplified, detected
                )
            repairs["characters_converted"] += count_changed(piece, converted)
            piece = converted
        for name in after:
            piece, count = passes.COUNTED[name](piece)
            repairs[COUNTER[name]] += count
        pieces.append(piece)
        if start < end:
            position = sum(map(len, pieces))
            found = text[start:end]
            spans.append(
                RepairSpan("mojibake_found", found, found, position, position + end - start)
            )
            pieces.append(found)
        cursor = end
    text = "".join(pieces) if mojibake else pieces[0]

    lost = []
    if "?" in text or "\ufffd" in text:
        inside = [(span.start or 0, span.end or 0) for span in spans]
        lost = [
            match.start()
            for match in LOST_RE.finditer(text)
            if not any(a <= match.start() < b for a, b in inside)
        ]
        repairs["replacement_characters"] = len(lost)
        spans.extend(
            RepairSpan("replacement_characters", text[at], text[at], at, at + 1) for at in lost
        )

    flags = []
    if mojibake:  # found and not repaired
        flags.append("mojibake")
    if lost:
        flags.append("lost_characters")
    if not enabled["convert_script"] or script == "keep":
        output = detected
    else:
        output = "none" if detected == "none" else ("Hans" if script == "simplified" else "Hant")
    return NormaliseResult(
        text=text,
        repairs=repairs,
        script_detected=detected,
        script_output=output,
        flags=tuple(flags),
        spans=tuple(sorted(spans, key=_span_start)) if spans else (),
    )
