"""A tokenizer-free estimate of token counts."""

from __future__ import annotations


def estimate_tokens(text: str) -> int:
    """Estimate how many tokens `text` takes: ceil(ascii_chars / 4 + non_ascii_chars).

    Four characters per token is the usual rule of thumb for English text under OpenAI's
    tokenizers. Other scripts take more tokens per character, so each non-ASCII character
    counts as one whole token, which over-estimates most of them. The result is an
    estimate, not a bound. A provider with a real tokenizer should count with that instead.
    """
    ascii_chars = len(text.encode("ascii", errors="ignore"))
    non_ascii_chars = len(text) - ascii_chars
    # Integer form of the ceiling, exact for any length.
    return non_ascii_chars + (ascii_chars + 3) // 4
