"""The text layer: language per message, tone and gratitude, top terms (docs/tone.md)."""
