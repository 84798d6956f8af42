"""E-mail from the web process: applications (and alert digests) composed from French templates
and sent through an SMTP server with aiosmtplib."""
