"""Pure logic: state policy and snapshot diffs. Never imports Textual or httpx."""
