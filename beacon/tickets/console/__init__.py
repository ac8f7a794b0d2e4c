"""The agent console: ticket list (lists.py) and ticket page (pages.py), for support staff only."""
