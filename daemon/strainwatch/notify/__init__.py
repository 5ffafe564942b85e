"""Notification adapter: render mail, queue it in the outbox, deliver it (SMTP or mbox)."""
