"""What the Telegram channel says by itself (everything else comes from the Rasa domain).

The sentences live in knowledge/texts/channels.yml (`telegram.*`); the names below are the
channel's. Those with a `{placeholder}` are templates, filled by the caller's `.format`.
"""
from knowledge.coordination import privacy
from knowledge.settings import public_site_url
from knowledge.texts import template, text

# /start: a short welcome with what is kept, why and how long; the assistant's greeting and menu follow.
WELCOME_TEMPLATE = template("telegram.welcome")


def welcome() -> str:
    return text("telegram.welcome", conversations_months=privacy.retention()["conversations_months"],
                privacy_url=f"{public_site_url()}/confidentialite")


UNKNOWN_COMMAND = text("telegram.unknown_command")
GROUP_REFUSED = text("telegram.group_refused")

# Non-text messages: "{what}" is one of the values of ATTACHMENTS (in this order: an animation
# also has a document).
NOT_TEXT = template("telegram.not_text")
ATTACHMENT_KINDS = ("photo", "voice", "audio", "video_note", "video", "animation", "sticker", "document",
                    "contact")
ATTACHMENTS = {kind: text(f"telegram.attachment.{kind}") for kind in ATTACHMENT_KINDS}
OTHER_ATTACHMENT = text("telegram.attachment.other")

LOCATION_USED = template("telegram.location_used")
LOCATION_FAR = text("telegram.location_far")
LOCATION_FAILED = text("telegram.location_failed")

BUTTON_EXPIRED = text("telegram.button_expired")
