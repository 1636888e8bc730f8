/** What the consent card says, per language (data-lang); English when the language is not here. */
export type WidgetText = {
  title: string
  /** What runs; `{mb}` is the model download cap. */
  what: string
  stop: string
  earn: string
  start: string
  notNow: string
  reopen: string
  stopButton: string
  learnMore: string
  states: Record<'ready' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed', string>
  jobs: string
}

export const widgetTexts = {
  en: {
    title: 'Lend this tab to Inference Grid?',
    what: 'Open AI models (speech detection, text recognition) run for other people in this tab, on your CPU or GPU, while this page is open. Models download once, up to {mb} MB. Nothing runs until you press Start.',
    stop: 'Stop at any time with the Stop button here, or close the tab.',
    earn: 'This site earns a share of each verified result. You contribute anonymously and earn nothing here; to earn yourself, contribute with a wallet on the grid’s own page.',
    start: 'Start',
    notNow: 'Not now',
    reopen: 'Lend compute?',
    stopButton: 'Stop',
    learnMore: 'What is Inference Grid?',
    states: {
      ready: 'Loading…',
      starting: 'Preparing models…',
      running: 'Running',
      stopping: 'Stopping…',
      stopped: 'Stopped',
      failed: 'Stopped after a problem',
    },
    jobs: 'jobs done',
  },
  de: {
    title: 'Diesen Tab für Inference Grid nutzen?',
    what: 'Offene KI-Modelle (Spracherkennung, Texterkennung) laufen in diesem Tab für andere Menschen, auf Ihrer CPU oder GPU, solange die Seite offen ist. Modelle werden einmal geladen, höchstens {mb} MB. Nichts läuft, bevor Sie Start drücken.',
    stop: 'Jederzeit mit der Stopp-Taste hier beenden, oder den Tab schließen.',
    earn: 'Diese Website erhält einen Anteil an jedem geprüften Ergebnis. Sie tragen anonym bei und verdienen hier nichts; wer selbst verdienen will, trägt mit einer Wallet auf der Seite des Grids bei.',
    start: 'Start',
    notNow: 'Nicht jetzt',
    reopen: 'Rechenleistung leihen?',
    stopButton: 'Stopp',
    learnMore: 'Was ist Inference Grid?',
    states: {
      ready: 'Lädt…',
      starting: 'Modelle werden vorbereitet…',
      running: 'Läuft',
      stopping: 'Wird beendet…',
      stopped: 'Beendet',
      failed: 'Nach einem Fehler beendet',
    },
    jobs: 'Aufträge erledigt',
  },
  fr: {
    title: 'Prêter cet onglet à Inference Grid ?',
    what: 'Des modèles d’IA ouverts (détection de la parole, reconnaissance de texte) tournent pour d’autres personnes dans cet onglet, sur votre CPU ou GPU, tant que la page est ouverte. Les modèles se téléchargent une fois, {mb} Mo au plus. Rien ne tourne avant Démarrer.',
    stop: 'Arrêtez à tout moment avec le bouton Arrêter ici, ou fermez l’onglet.',
    earn: 'Ce site reçoit une part de chaque résultat vérifié. Vous contribuez anonymement et ne gagnez rien ici ; pour gagner vous-même, contribuez avec un portefeuille sur la page de la grille.',
    start: 'Démarrer',
    notNow: 'Pas maintenant',
    reopen: 'Prêter du calcul ?',
    stopButton: 'Arrêter',
    learnMore: 'Qu’est-ce qu’Inference Grid ?',
    states: {
      ready: 'Chargement…',
      starting: 'Préparation des modèles…',
      running: 'En cours',
      stopping: 'Arrêt…',
      stopped: 'Arrêté',
      failed: 'Arrêté après un problème',
    },
    jobs: 'tâches faites',
  },
} as const satisfies Record<string, WidgetText>

export type WidgetLang = keyof typeof widgetTexts
