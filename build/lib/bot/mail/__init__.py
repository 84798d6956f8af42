"""E-mail from the web process: applications, alert e-mails and installation plans composed from French templates
and sent through an SMTP server with aiosmtplib."""
