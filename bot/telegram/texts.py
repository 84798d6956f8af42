"""What the Telegram channel says by itself (everything else comes from the Rasa domain)."""
from knowledge.coordination import privacy
from knowledge.settings import public_site_url

# /start: a short welcome with what is kept, why and how long; the assistant's greeting and menu follow.
WELCOME_TEMPLATE = (
    "Bienvenue sur l'assistant Côté Soin ! Je réponds en quelques secondes, à toute heure, sur les "
    "métiers du soin, les offres d'emploi, la formation et l'installation dans le Pays de Retz.\n"
    "Vos données : vos messages sont conservés {conversations_months} mois pour vous répondre, pour "
    "transmettre votre demande à un·e coordinateur·rice si vous le souhaitez et pour améliorer le service ; "
    "vos coordonnées seulement si vous l'acceptez. Ils ne sont ni vendus ni utilisés pour de la publicité. "
    "Détails et droits : {privacy_url}\n"
    "Commandes : /aide pour le menu, /humain pour parler à un·e coordinateur·rice, /supprimer pour "
    "effacer vos données."
)


def welcome() -> str:
    return WELCOME_TEMPLATE.format(conversations_months=privacy.retention()["conversations_months"],
                                   privacy_url=f"{public_site_url()}/confidentialite")

UNKNOWN_COMMAND = (
    "Je ne connais pas cette commande. Écrivez votre question avec vos mots, ou utilisez /aide "
    "pour le menu et /humain pour parler à un·e coordinateur·rice."
)

GROUP_REFUSED = (
    "Bonjour ! Je ne réponds qu'en conversation privée, pour protéger les informations de chacun·e : "
    "je quitte donc ce groupe. Pour me poser vos questions, ouvrez une discussion directe avec moi."
)

# Non-text messages: "{what}" is one of the values of ATTACHMENTS.
NOT_TEXT = (
    "Merci ! Je ne peux pas lire {what} : je ne comprends que les messages écrits. Posez-moi votre "
    "question en quelques mots, par exemple « offres d'aide-soignant·e à Pornic ». Pour envoyer un CV "
    "ou un document, demandez un·e coordinateur·rice avec /humain."
)
ATTACHMENTS = {
    "photo": "les photos",
    "voice": "les messages vocaux",
    "audio": "les fichiers audio",
    "video_note": "les messages vidéo",
    "video": "les vidéos",
    "animation": "les animations",
    "sticker": "les autocollants",
    "document": "les documents",
    "contact": "les contacts partagés",
}
OTHER_ATTACHMENT = "ce type de message"

LOCATION_USED = "Position reçue : je prends la commune la plus proche, {commune}."
LOCATION_FAR = (
    "Cette position est loin du Pays de Retz. Côté Soin couvre les 21 communes de Pornic Agglo Pays de "
    "Retz et du Sud Estuaire : écrivez le nom de la commune qui vous intéresse (par exemple Pornic ou "
    "Paimbœuf)."
)
LOCATION_FAILED = "Je n'arrive pas à utiliser cette position. Écrivez plutôt le nom de la commune qui vous intéresse."

BUTTON_EXPIRED = "Ce bouton n'est plus valable : écrivez votre demande ou tapez /aide."
