"""Email intake: mailboxes (IMAP, MTA endpoint, imports), threading, identity checks, replies out."""
