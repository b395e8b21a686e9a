"""Command groups: verify (everyone), sources and digest (moderators)."""
