"""Notifications, from alerts to the runner: `mailbox` and `policy` decide what goes and when
(pure), `render` with `content` and `templates/` lays each mail out as one `Notification`
(text and HTML), `outbox` stores it per channel and recipient and delivers it once through a
channel in `channels/` (email over SMTP or to an mbox); `dispatch` runs that for a pass and
`preview` replays it over a history."""
