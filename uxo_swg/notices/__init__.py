"""Notices: messages to users under the bell in the header, and the e-mails that go with them."""
