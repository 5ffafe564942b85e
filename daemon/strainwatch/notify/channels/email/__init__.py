"""Email: SMTP or an mbox file, every athlete's channel (kind.py: its routes and checks)."""

from strainwatch.notify.channels.email.channel import EMAIL, MboxChannel, SmtpChannel, email_message

__all__ = ["EMAIL", "MboxChannel", "SmtpChannel", "email_message"]
