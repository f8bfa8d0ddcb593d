"""Every metric declared once: the CLI, the JSON, the report and the docs read this list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Area = Literal["listening", "conversing", "belonging", "network", "tone"]
Scope = Literal["period", "window", "network"]
Unit = Literal["count", "rate", "hours", "ratio", "people"]


@dataclass(frozen=True)
class Metric:
    key: str
    title_en: str
    title_fr: str
    unit: Unit
    area: Area
    scope: Scope
    definition: str
    definition_fr: str

    def title(self, lang: str) -> str:
        return self.title_fr if lang == "fr" else self.title_en


def _m(
    key: str, en: str, fr: str, unit: Unit, area: Area, scope: Scope, d_en: str, d_fr: str
) -> Metric:
    return Metric(key, en, fr, unit, area, scope, d_en, d_fr)


METRICS: tuple[Metric, ...] = (
    _m(
        "addressed",
        "Addressed messages",
        "Messages adressés",
        "count",
        "listening",
        "period",
        "Member messages whose parent was written by an owned account.",
        "Messages de membres qui répondent à un message d'un compte de la destination.",
    ),
    _m(
        "response_rate",
        "Response rate",
        "Taux de réponse",
        "rate",
        "listening",
        "period",
        "Addressed messages answered by an owned account / addressed messages.",
        "Messages adressés ayant reçu une réponse d'un compte de la destination / messages adressés.",
    ),
    _m(
        "response_within_24h_rate",
        "Answered within 24 h",
        "Réponse en 24 h",
        "rate",
        "listening",
        "period",
        "Addressed messages answered within 24 hours (inclusive) / addressed messages.",
        "Messages adressés ayant reçu une réponse en 24 heures au plus / messages adressés.",
    ),
    _m(
        "ttfr_median_h",
        "Median time to first response",
        "Délai médian de première réponse",
        "hours",
        "listening",
        "period",
        "Median delay to the first owned-account response of answered addressed messages, hours.",
        "Délai médian jusqu'à la première réponse des messages adressés répondus, en heures.",
    ),
    _m(
        "ttfr_p90_h",
        "Time to first response, 90th percentile",
        "Délai de première réponse, 90e centile",
        "hours",
        "listening",
        "period",
        "90th percentile of the time to first response of answered addressed messages, hours.",
        "90e centile du délai de première réponse des messages adressés répondus, en heures.",
    ),
    _m(
        "ttfr_business_median_h",
        "Median time to first response, business hours",
        "Délai médian de première réponse, heures ouvrées",
        "hours",
        "listening",
        "period",
        "As ttfr_median_h, counting only the business hours and days set in the workspace "
        "(null when they are not set).",
        "Comme le délai médian, en ne comptant que les heures et jours ouvrés du réglage "
        "(null s'ils ne sont pas réglés).",
    ),
    _m(
        "ttfr_business_p90_h",
        "Time to first response, business hours, 90th percentile",
        "Délai de première réponse, heures ouvrées, 90e centile",
        "hours",
        "listening",
        "period",
        "As ttfr_p90_h, in business time (null when business hours are not set).",
        "Comme le 90e centile, en heures ouvrées (null si elles ne sont pas réglées).",
    ),
    _m(
        "questions",
        "Questions",
        "Questions",
        "count",
        "listening",
        "period",
        "Member messages that are questions (a '?' or an interrogative first word).",
        "Messages de membres qui sont des questions (un « ? » ou un mot interrogatif en tête).",
    ),
    _m(
        "question_response_rate",
        "Questions answered",
        "Questions répondues",
        "rate",
        "listening",
        "period",
        "Questions answered by an owned account (responder-pool rule) / questions.",
        "Questions ayant reçu une réponse d'un compte de la destination / questions.",
    ),
    _m(
        "acknowledged_rate",
        "Acknowledged",
        "Messages pris en compte",
        "rate",
        "listening",
        "period",
        "Addressed messages answered or liked by an owned account / addressed messages; null "
        "when no addressed message carries an owner-like signal.",
        "Messages adressés répondus ou aimés par un compte de la destination / messages "
        "adressés ; null si la plateforme ne dit pas ce que le compte a aimé.",
    ),
    _m(
        "account_posts",
        "Account posts",
        "Publications du compte",
        "count",
        "conversing",
        "period",
        "Top-level messages by owned accounts.",
        "Messages de premier niveau des comptes de la destination.",
    ),
    _m(
        "member_posts",
        "Member posts",
        "Publications de membres",
        "count",
        "conversing",
        "period",
        "Top-level messages by members (visitor posts, mentions that start a thread).",
        "Messages de premier niveau écrits par des membres.",
    ),
    _m(
        "community_started_share",
        "Threads started by the community",
        "Fils lancés par la communauté",
        "rate",
        "conversing",
        "period",
        "member_posts / (member_posts + account_posts).",
        "publications de membres / (publications de membres + publications du compte).",
    ),
    _m(
        "member_messages",
        "Member messages",
        "Messages de membres",
        "count",
        "conversing",
        "period",
        "All messages by members.",
        "Tous les messages écrits par des membres.",
    ),
    _m(
        "conversation_rate",
        "Member replies per account post",
        "Réponses de membres par publication",
        "ratio",
        "conversing",
        "period",
        "Member messages that have a parent / account posts (null when no post).",
        "Messages de membres ayant un parent / publications du compte (null sans publication).",
    ),
    _m(
        "member_to_member",
        "Member-to-member exchanges",
        "Échanges entre membres",
        "count",
        "conversing",
        "period",
        "Replies by a member to another member.",
        "Réponses d'un membre à un autre membre.",
    ),
    _m(
        "member_to_account",
        "Member-to-account exchanges",
        "Échanges membre vers compte",
        "count",
        "conversing",
        "period",
        "Replies by a member to an owned account.",
        "Réponses d'un membre à un compte de la destination.",
    ),
    _m(
        "account_to_member",
        "Account-to-member exchanges",
        "Échanges compte vers membre",
        "count",
        "conversing",
        "period",
        "Replies by an owned account to a member.",
        "Réponses d'un compte de la destination à un membre.",
    ),
    _m(
        "horizontality",
        "Horizontality",
        "Horizontalité",
        "rate",
        "conversing",
        "period",
        "member_to_member / (member_to_member + member_to_account + account_to_member).",
        "échanges entre membres / tous les échanges entre membres et compte.",
    ),
    _m(
        "comment_threads",
        "Comment threads",
        "Fils de commentaires",
        "count",
        "conversing",
        "period",
        "Comment threads whose comment falls in the period.",
        "Fils de commentaires dont le commentaire tombe dans la période.",
    ),
    _m(
        "dialogue_rate",
        "Dialogues",
        "Dialogues",
        "rate",
        "conversing",
        "period",
        "Share of comment threads with a back-and-forth: X writes, then another author, then X "
        "again, at strictly increasing times (messages of the same second are simultaneous).",
        "Part des fils de commentaires où quelqu'un répond, puis l'autre revient (X, Y, X), à "
        "des instants strictement croissants (deux messages de la même seconde sont simultanés).",
    ),
    _m(
        "replies_per_comment",
        "Replies per comment",
        "Réponses par commentaire",
        "ratio",
        "conversing",
        "period",
        "Mean number of descendants per comment thread.",
        "Nombre moyen de réponses par fil de commentaires.",
    ),
    _m(
        "active_members",
        "Active members",
        "Membres actifs",
        "people",
        "belonging",
        "period",
        "Distinct members with at least one message in the period (and in the window).",
        "Membres distincts ayant écrit au moins un message dans la période (et dans la fenêtre).",
    ),
    _m(
        "new_members",
        "New members",
        "Nouveaux membres",
        "people",
        "belonging",
        "period",
        "Active members whose first message in the workspace falls in the period.",
        "Membres actifs dont le premier message de tout l'historique tombe dans la période.",
    ),
    _m(
        "returning_members",
        "Returning members",
        "Membres qui reviennent",
        "people",
        "belonging",
        "period",
        "Active members who were active in an earlier period.",
        "Membres actifs qui l'avaient déjà été dans une période antérieure.",
    ),
    _m(
        "retention",
        "Retention",
        "Fidélité",
        "rate",
        "belonging",
        "period",
        "Of the members active in the previous period, the share active in this one.",
        "Part des membres actifs de la période précédente qui le sont encore.",
    ),
    _m(
        "positive_share",
        "Positive messages",
        "Messages positifs",
        "rate",
        "tone",
        "period",
        "Member messages with text whose tone is positive / member messages with text "
        "(method: docs/tone.md).",
        "Messages de membres au ton positif / messages de membres avec du texte "
        "(méthode : docs/tone.md).",
    ),
    _m(
        "negative_share",
        "Negative messages",
        "Messages négatifs",
        "rate",
        "tone",
        "period",
        "Member messages with text whose tone is negative / member messages with text.",
        "Messages de membres au ton négatif / messages de membres avec du texte.",
    ),
    _m(
        "gratitude_share",
        "Thanks",
        "Remerciements",
        "rate",
        "tone",
        "period",
        "Member messages with text that thank someone (merci, thank you, 🙏…) / member "
        "messages with text.",
        "Messages de membres qui remercient (merci, thank you, 🙏…) / messages de membres "
        "avec du texte.",
    ),
    _m(
        "regular_members",
        "Regular members",
        "Membres réguliers",
        "people",
        "belonging",
        "window",
        "Members active in at least 3 distinct months of the window.",
        "Membres actifs pendant au moins 3 mois distincts de la fenêtre.",
    ),
    _m(
        "people",
        "People",
        "Personnes",
        "people",
        "network",
        "network",
        "Members active in the window (member nodes of the interaction graph).",
        "Membres actifs dans la fenêtre (les membres du graphe des échanges).",
    ),
    _m(
        "ties",
        "Ties",
        "Liens",
        "count",
        "network",
        "network",
        "Pairs of people with an exchange in either direction.",
        "Paires de personnes ayant échangé dans un sens ou dans l'autre.",
    ),
    _m(
        "reciprocity",
        "Reciprocity",
        "Réciprocité",
        "rate",
        "network",
        "network",
        "Ties with exchanges in both directions / ties.",
        "Liens où chacun a répondu à l'autre / liens.",
    ),
    _m(
        "account_tie_share",
        "Ties through the account",
        "Liens avec le compte",
        "rate",
        "network",
        "network",
        "Ties that include an owned account / ties (1: a pure star).",
        "Liens qui passent par un compte de la destination / liens (1 : une étoile pure).",
    ),
    _m(
        "member_component_share",
        "Community without the account",
        "Communauté sans le compte",
        "rate",
        "network",
        "network",
        "Without owned accounts (and bots), the largest connected group of members / members "
        "with any tie.",
        "Sans les comptes de la destination (ni robots), le plus grand groupe de membres reliés "
        "/ membres ayant au moins un lien.",
    ),
    _m(
        "communities",
        "Communities",
        "Communautés",
        "count",
        "network",
        "network",
        "Leiden communities (seeded, maximising modularity) of the member-only graph: members "
        "with a tie to another member, ties weighted by their exchanges.",
        "Communautés (Leiden, graine fixe, modularité maximale) du graphe entre membres : "
        "ceux qui ont un lien avec un autre membre, liens pondérés par leurs échanges.",
    ),
    _m(
        "modularity",
        "Modularity",
        "Modularité",
        "ratio",
        "network",
        "network",
        "Modularity of that partition (weighted; null without a tie between members).",
        "Modularité de cette partition (pondérée ; vide sans lien entre membres).",
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def keys(scope: Scope) -> list[str]:
    return [m.key for m in METRICS if m.scope == scope]


def metrics_page() -> str:
    from ..docs import HEADER, _cell

    out = [HEADER, "# Metrics\n\nEvery figure lien computes, as defined in METRICS.md.\n"]
    for area in ("listening", "conversing", "belonging", "network", "tone"):
        rows = [m for m in METRICS if m.area == area]
        if not rows:
            continue
        out.append(f"\n## {area.capitalize()}\n\n| key | title | unit | scope | definition |\n")
        out.append("|---|---|---|---|---|\n")
        for m in rows:
            out.append(
                f"| `{m.key}` | {m.title_en} / {m.title_fr} | {m.unit} | {m.scope} | "
                f"{_cell(m.definition)} |\n"
            )
    return "".join(out)


def _register() -> None:
    from ..docs import register

    register("metrics.md", metrics_page)


_register()
