"""stacktrack plugin for a Mailchimp account: the applications connected to it."""
