"""The KooMap simulator: the whole API over real HTTP with live state machines."""
