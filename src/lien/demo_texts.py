"""The invented places, names and message templates of the demo community (lien.demo).

Every name here is fictional; `{p}` in a template is replaced by one of PLACES.
"""

PLACES = (
    "Pierrefeu",
    "Montclar",
    "Bellerive",
    "Roc-Clair",
    "Valbrune",
    "Saint-Fiacre",
    "Mirabel",
    "Lunel-le-Haut",
    "Castelmoine",
    "Aigueblanche",
)
QUESTIONS_FR = (
    "Quels sont les horaires d'ouverture du musée de {p} ?",
    "Bonjour, est-ce qu'on peut se garer facilement à {p} ?",
    "Où se trouve le parking le plus proche du lac de {p} ?",
    "Quel temps est prévu ce week-end à {p} ?",
    "Combien coûte l'entrée du château de {p} ?",
    "Pouvez-vous me dire si le sentier de {p} est accessible en fauteuil roulant ?",
    "Comment venir à {p} sans voiture ?",
    "Est-ce que l'office de {p} est ouvert le dimanche ?",
    "Quand commence le marché de Noël de {p}",
    "Peut-on venir avec un chien sur la plage de {p} ?",
    "Il reste des hébergements à {p} pour le 14 juillet ?",
    "Pourquoi la via ferrata de {p} est fermée cette semaine ?",
    "Qui organise les visites guidées de {p} ?",
    "@valdelune quel est le meilleur moment pour visiter {p} ?",
)
QUESTIONS_EN = (
    "What time does the castle in {p} open?",
    "Is there parking near the lake in {p}?",
    "How do we get to {p} by train",
    "Can kids do the via ferrata in {p}?",
)
COMMENTS_FR = (
    "Magnifique photo de {p} 😍",
    "On y était la semaine dernière, superbe !",
    "{p}, un de mes endroits préférés.",
    "Vivement les vacances pour retourner à {p}",
    "Souvenirs d'enfance à {p}… ❤️",
    "Toujours aussi beau 👍",
    "Nous y retournons cet été avec les enfants",
    "Quelle belle lumière sur {p}",
    "J'adore ce coin !",
    "Belle balade hier autour de {p}, un peu de monde mais ça vaut le coup",
)
COMPLAINTS_FR = (
    "Très déçue, le musée de {p} était fermé alors que le site disait ouvert.",
    "Parking complet à {p} et aucune indication, dommage.",
    "Trop de monde, on n'a rien pu voir 😡",
    "Les toilettes du port de {p} sont dans un état lamentable.",
    "Prix d'entrée beaucoup trop cher pour ce que c'est.",
)
MEMBER_ANSWERS_FR = (
    "Il y a un parking gratuit à 5 minutes à pied, derrière l'église.",
    "On y est allés dimanche, c'était ouvert de 10 h à 18 h.",
    "Oui, les chiens sont acceptés en laisse.",
    "Prenez la navette depuis la gare, c'est le plus simple.",
    "Je confirme, c'est accessible, on y va avec ma mère en fauteuil.",
    "Réservez vite, tout était complet l'an dernier !",
    "Allez-y tôt le matin, il n'y a personne.",
)
MEMBER_CHAT_FR = (
    "Tu as raison, on devrait organiser une sortie ensemble !",
    "Haha pareil pour nous 😄",
    "Tu l'as prise d'où cette photo ?",
    "Je n'étais pas d'accord au début mais finalement oui",
    "On se croise peut-être là-bas samedi ?",
    "Prends soin de toi, on y retournera après le confinement 🌿",
    "Ça me manque tellement en ce moment",
)
ANSWERS_FR = (
    "Bonjour ! Le musée de {p} est ouvert tous les jours de 10 h à 18 h. Belle visite !",
    "Bonjour, un parking gratuit se trouve à l'entrée de {p}, bonne journée !",
    "Merci pour votre message : oui, le site de {p} est accessible, l'accueil vous guidera.",
    "Bonjour, la navette part de la gare toutes les heures en saison.",
    "Nous transmettons à nos équipes, merci de votre retour.",
    "Désolés pour ce désagrément, nous faisons le nécessaire.",
    "Bonjour ! Vous trouverez tous les hébergements disponibles sur notre site.",
)
ANSWERS_EN = ("Hello! The castle in {p} opens at 10 am every day. Enjoy!",)
THANKS = (
    "Merci beaucoup !",
    "Merci pour la réponse rapide 🙏",
    "Super, merci !",
    "Parfait, merci 😊",
    "Thank you so much!",
    "Merci, à bientôt !",
)
POSTS_FR = (
    "Le saviez-vous ? Le château de {p} fête ses 800 ans cette année.",
    "Lever de soleil sur {p} ce matin ☀️",
    "Nouveau : des visites guidées de {p} tous les samedis.",
    "Votre plus beau souvenir de {p} ? Racontez-nous !",
    "Restez chez vous : voici une visite virtuelle de {p} 🏡",
    "La météo s'annonce belle à {p} ce week-end.",
    "Concours photo : partagez vos images de {p} !",
)
VISITOR_POSTS_FR = (
    "Premier séjour dans le Val de Lune, des conseils ?",
    "Quelqu'un connaît un bon restaurant à {p} ?",
    "Photo prise hier à {p}, je partage 📷",
)
SPAM = ("Gagnez un séjour gratuit ici 👉 promo-lune.example", "Follow for follow! Best deals")
FIRST = (
    "Camille Amandine Bruno Chloé David Élodie Fanny Gaël Hugo Inès Julien Karima Léa Manon "
    "Nicolas Océane Pierre Quentin Romane Sophie Théo Ulysse Valérie William Xavier Yasmine "
    "Zoé Mathis Lucie Antoine Margaux Noah Jade Louis Emma Jules Alice Hélène Marc Nadia"
).split()
LAST = "ABCDEFGHJKLMNOPRSTVW"
