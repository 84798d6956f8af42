"""End to end, issue 17: what real people write, on partner data made for these tests
(tests/data/knowledge_dialogue), over the REST channel with the trained model.

The tests of point 4 (who is who) need the `current` / `target` roles on `profession`, annotated
in the training data of the nlu branch: they fail with a model trained without them.
"""
import os
from pathlib import Path

import pytest

from tests.guichet import guichet_on_backend
from tests.test_e2e_rest import Conversation, _drop_everything, _post

pytestmark = pytest.mark.e2e

FOLDER = Path(__file__).parent / "data" / "knowledge_dialogue"


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_POSTGRES_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(scope="module", params=_backends())
def assistant(request, tmp_path_factory):
    """Both servers on free ports, with the dialogue test data in a fresh database."""
    with guichet_on_backend(request.param, tmp_path_factory.mktemp("var"), _drop_everything, FOLDER) as assistant:
        yield assistant


def replies(chat: Conversation, message: str):
    """Every reply of the bot, in order, as (text, [button titles])."""
    answer = _post(chat.url, {"sender": chat.sender, "message": message})
    assert answer, f"pas de réponse à « {message} »"
    return [(r.get("text") or "", [b["title"] for b in r.get("buttons") or []]) for r in answer]


# -- 1. criteria with no topic ---------------------------------------------------------------------------------
@pytest.mark.parametrize("message, structure, opening", [
    ("kiné à temps partiel du côté de Rouans ?", "Cabinet kiné du Canal", "Kinésithérapeute collaborateur"),
    ("ASH en CDD sur Corsept", "EHPAD Les Roseaux", "ASH remplacement d'été"),
])
def test_criteria_without_a_topic_get_the_openings(assistant, message, structure, opening):
    reply = Conversation(assistant).say(message)
    assert structure in reply and opening in reply
    assert "Que voulez-vous savoir" not in reply


# -- 2. the commune only when the answer would not fit on one page -----------------------------------------------
def test_few_openings_are_shown_without_asking_the_commune_then_narrowed(assistant):
    chat = Conversation(assistant)
    reply = chat.say("je cherche un poste d'auxiliaire de vie en apprentissage")
    assert "quelle commune" not in reply.lower()
    assert "SSIAD des Marais de Corsept" in reply and "SSIAD des Deux Rivières" in reply
    assert "Pour affiner" in reply and "[À Corsept | À Vue]" in reply
    narrowed = chat.say("à Vue")
    assert "SSIAD des Deux Rivières" in narrowed and "SSIAD des Marais de Corsept" not in narrowed


def test_many_openings_still_ask_the_commune(assistant):
    assert "quelle commune" in Conversation(assistant).say("je cherche un poste d'infirmière").lower()


# -- 3. several needs in one message -------------------------------------------------------------------------------
def test_every_need_of_one_message_is_answered_in_order(assistant):
    chat = Conversation(assistant)
    said = replies(chat, "kiné, on déménage à Vue en janvier avec notre bébé de 8 mois à faire garder, "
                         "il nous faut un logement et on n'a qu'une seule voiture")
    texts = [text for text, _ in said]
    order = ["Offres d'emploi", "Garde d'enfants à Vue (pour 8 mois)", "Logement à Vue", "Transports à Vue"]
    first_lines = [next(i for i, t in enumerate(texts) if t.startswith(h)) for h in order]
    assert first_lines == sorted(first_lines)
    whole = "\n".join(texts)
    assert "Cabinet kiné du Canal" in whole
    assert "Micro-crèche Les Petits Galets" in whole and "Accueil de loisirs du Tenu" not in whole
    assert "Maison communale du Tenu" in whole and "Ligne de car du Tenu" in whole
    assert "conjoint" not in whole.split("Pour le détail")[0]  # the spouse's job was not asked
    assert said[-1][1][:4] == ["Toutes les offres", "Garde d'enfants", "Logement", "Transports"]


def test_childcare_and_the_spouse_job_for_school_children(assistant):
    reply = Conversation(assistant).say(
        "on s'installe à Pornic, il faut une garderie pour nos enfants de 4 et 7 ans et mon conjoint cherche un emploi")
    assert "Garderie de l'école du Val" in reply and "MAM Les Coquillages" not in reply
    assert "Maison de l'emploi de l'Estuaire" in reply
    assert reply.index("Garde d'enfants") < reply.index("Emploi de votre conjoint")


# -- 4. who is who (needs the nlu branch's roles) ----------------------------------------------------------------------
def test_the_target_profession_is_answered_with_the_bridge_from_the_current_one(assistant):
    reply = Conversation(assistant).say("je suis aide-soignante depuis 4 ans et je voudrais devenir infirmière")
    assert reply.startswith("Devenir Infirmier")
    assert "(aide-soignant / aide-soignante → infirmier / infirmière) : IFSI par la sélection FPC après 3 ans" in reply


def test_ash_to_aide_soignant_by_vae_or_ifas(assistant):
    reply = Conversation(assistant).say("ASH en EHPAD, je vise le diplôme d'aide-soignante")
    assert reply.startswith("Devenir Aide-soignant")
    assert "(agent de service hospitalier → aide-soignant / aide-soignante) : VAE ou formation en IFAS" in reply


# -- 5. partners and events by name ---------------------------------------------------------------------------------
def test_partners_of_a_kind_are_named_with_see_more(assistant):
    chat = Conversation(assistant)
    first = chat.say("quels SSIAD y a-t-il ?")
    assert "7 structures" in first and first.count("• ") == 5 and "[Voir plus]" in first
    rest = chat.say("voir la suite")
    assert rest.count("• ") == 2
    assert not set(first.split("• ")[1:]) & set(rest.split("• ")[1:])


def test_practices_looking_for_a_doctor_are_named(assistant):
    # The partners that recruit one, grouped by kind with their openings counted (not the openings' list).
    reply = Conversation(assistant).say("quels cabinets cherchent un médecin ?")
    assert "Structures qui recrutent en ce moment un·e médecin généraliste" in reply
    assert "Cabinet médical des Tilleuls" in reply and "Maison de santé du Migron" in reply
    assert "Cabinet kiné du Canal" not in reply
    assert "Médecin généraliste collaborateur" not in reply  # an opening's title: the jobs answer


def test_events_are_filtered_by_profession(assistant):
    reply = Conversation(assistant).say("quels événements pour découvrir le métier d'aide-soignant ?")
    assert "Job dating aides-soignants" in reply and "Forum des métiers du prendre-soin" in reply
    assert "Visite du bloc pour infirmières" not in reply


# -- 7. safety first -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    "il a fait un malaise",
    "elle saigne beaucoup",
    "je cherche un logement à Pornic mais mon collègue vient de faire un malaise",
    "Ma patiente ne respire plus !!",
])
def test_an_emergency_gets_the_emergency_numbers_as_the_very_first_message(assistant, message):
    said = replies(Conversation(assistant), message)
    assert said[0][0].startswith("Appelez le 15 (SAMU) ou le 112")
    assert not any("Solutions de logement" in text for text, _ in said)


@pytest.mark.parametrize("form_answer", ["il a fait un malaise", "elle saigne beaucoup", "je veux mourir"])
def test_safety_comes_first_during_the_job_search_form(assistant, form_answer):
    chat = Conversation(assistant)
    assert "Quel métier" in chat.say("je cherche du travail")
    said = replies(chat, form_answer)
    assert said[0][0].startswith("Appelez le 15 (SAMU) ou le 112") or "3114" in said[0][0]
    assert not any("métier" in text for text, _ in said)


@pytest.mark.parametrize("message", ["je pense à me faire du mal", "je suis en burn out, j'en peux plus"])
def test_distress_gets_the_3114_first_then_a_coordinator(assistant, message):
    chat = Conversation(assistant)
    said = replies(chat, message)
    assert "3114" in said[0][0]
    assert "coordinateur" in said[1][0] and "Oui, un coordinateur" in said[1][1]
    assert "demande n°" in chat.say("oui")


# -- 6. phrasings the classifier never saw (written for this test, not taken from any evaluation set) ---------------
@pytest.mark.parametrize("message, expected", [
    ("hi, any job for a nurse in Pornic please?", "Clinique de la Baie"),  # English mixed in
    ("Est-ce que vous recrutez des infirmières sur Pornic en ce moment ?", "Clinique de la Baie"),  # indirect
    ("est-ce que ça existe une crèche qui garde les bébés à Vue ?", "Micro-crèche Les Petits Galets"),
    ("je cherche une chambre pas chère vers Frossay", "Chambres chez l'habitant du Migron"),
    ("c'est comment le quotidien d'un kiné ?", "Rééduque les patients par le mouvement"),
])
def test_phrasings_from_outside_the_training_data_get_their_topic(assistant, message, expected):
    reply = Conversation(assistant).say(message)
    assert expected in reply
    assert "pas sûr d'avoir bien compris" not in reply and "Je ne peux pas répondre" not in reply


@pytest.mark.parametrize("message", ["je voudrais parler à un vrai conseiller", "quelqu'un peut m'appeler ?"])
def test_other_ways_to_ask_for_a_person_reach_a_coordinator(assistant, message):
    assert "demande n°" in Conversation(assistant).say(message)


def test_someone_lost_gets_the_menu(assistant):
    reply = Conversation(assistant).say("j'avoue que je nage un peu, vous proposez quoi au juste ?")
    assert "[Offres d'emploi" in reply


# -- 8. « voir la suite » with nothing to continue ---------------------------------------------------------------------
@pytest.mark.parametrize("message", ["voir la suite", "la suite", "plus"])
def test_see_more_with_nothing_to_continue_offers_the_menu(assistant, message):
    reply = Conversation(assistant).say(message)
    assert "rien de plus" in reply and "[Offres d'emploi" in reply
    assert "santé" not in reply


# -- issue 23: pay and working conditions -----------------------------------------------------------------------------
@pytest.mark.parametrize("message, pay", [
    ("vous payez les heures sup ?", None),
    ("infirmière, la prime de nuit elle est de combien chez vous ?", "environ 2 100 € nets par mois"),
])
def test_pay_questions_are_answered_without_a_list_of_structures(assistant, message, pay):
    said = replies(Conversation(assistant), message)
    whole = "\n".join(text for text, _ in said)
    assert said[0][0].startswith("Le salaire, les heures supplémentaires et les primes")
    assert "convention collective" in whole and "•" not in whole and "Structures" not in whole
    assert pay is None or pay in whole
    assert "Parler à un coordinateur" in said[-1][1]
