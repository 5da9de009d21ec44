// The sentences an employee sees in a DAV:error body when the server refuses something (design.md
// §4), in his BrokerStar language. Each says where in BrokerStar to do it instead, naming the
// BrokerStar area as the employee's collections are named (Kontakte / Contacts / Contatti, ...).
// Keys are stable: the audit log records them as the reason.
import { defineTexts, type Language } from './texts.js';

/** The refusal sentences' keys: what the catalogue (policy/refusals.ts) and the 412/413/415 answers name. */
export type MessageKey =
  | 'read-only'
  | 'create-contact'
  | 'create-appointment'
  | 'create-task'
  | 'edit-contact'
  | 'delete-contact'
  | 'delete-appointment'
  | 'delete-task'
  | 'birthday-in-brokerstar'
  | 'not-owner-appointment'
  | 'reassign-task'
  | 'change-organizer'
  | 'change-participants'
  | 'change-recurrence'
  | 'answer-for-other'
  | 'answer-one-occurrence'
  | 'task-organizer'
  | 'task-details'
  | 'appointment-status'
  | 'delete-occurrence'
  | 'invalid-property-value'
  | 'private-appointment'
  | 'method-not-allowed'
  | 'collections-fixed'
  | 'properties-read-only'
  | 'locking-unsupported'
  | 'invalid-data'
  | 'uid-mismatch'
  | 'wrong-component'
  | 'exists'
  | 'stale'
  | 'wrong-content-type'
  | 'too-large';

// French puts a no-break space before a colon.
const NBSP = '\u00a0';

export const REFUSAL_TEXTS = defineTexts<MessageKey>({
  de: {
    'read-only': 'Diese Sammlung ist schreibgeschützt. Änderungen bitte in BrokerStar unter Termine bzw. Aufgaben vornehmen.',
    'create-contact': 'Kontakte werden nur in BrokerStar erfasst. Bitte legen Sie den Kontakt in BrokerStar unter Kontakte an.',
    'create-appointment': 'Termine werden nur in BrokerStar erfasst. Bitte legen Sie den Termin in BrokerStar unter Termine an.',
    'create-task': 'Aufgaben werden nur in BrokerStar erfasst. Bitte legen Sie die Aufgabe in BrokerStar unter Aufgaben an.',
    'edit-contact': 'Kontakte können nur in BrokerStar bearbeitet werden. Bitte ändern Sie den Kontakt in BrokerStar unter Kontakte.',
    'delete-contact': 'Kontakte können nur in BrokerStar unter Kontakte gelöscht werden. Der Kontakt wird wiederhergestellt.',
    'delete-appointment': 'Termine können nur in BrokerStar unter Termine gelöscht werden. Der Termin wird wiederhergestellt.',
    'delete-task': 'Aufgaben können nur in BrokerStar unter Aufgaben gelöscht werden. Die Aufgabe wird wiederhergestellt.',
    'birthday-in-brokerstar':
      'Der Geburtstagskalender entsteht aus den Geburtsdaten der Kontakte. Bitte ändern Sie das Geburtsdatum in BrokerStar unter Kontakte.',
    'not-owner-appointment': 'Nur der Besitzer kann diesen Termin ändern, und zwar in BrokerStar unter Termine.',
    'reassign-task': 'Aufgaben werden nur in BrokerStar unter Aufgaben einer anderen Person zugewiesen.',
    'change-organizer': 'Der Organisator eines Termins kann nur in BrokerStar unter Termine geändert werden.',
    'change-participants': 'Teilnehmende werden nur in BrokerStar unter Termine eingeladen oder entfernt.',
    'change-recurrence':
      'Die Wiederholung eines Serientermins wird nur in BrokerStar unter Termine geändert. Einzelne Termine der Serie können verschoben werden.',
    'private-appointment':
      'Private Termine werden nicht mit BrokerStar synchronisiert. Einen Termin bitte in BrokerStar unter Termine als privat markieren.',
    'method-not-allowed': 'Diese Aktion ist nicht möglich: BrokerStar ist das führende System. Bitte nehmen Sie die Änderung in BrokerStar vor.',
    'collections-fixed':
      'Sammlungen werden von BrokerStar verwaltet und können nicht angelegt, verschoben oder gelöscht werden. Kalenderfreigaben bitte in BrokerStar einrichten.',
    'properties-read-only': 'Eigenschaften der Sammlungen werden von BrokerStar verwaltet.',
    'locking-unsupported': 'Sperren (LOCK) wird nicht unterstützt.',
    'answer-for-other': 'Sie können nur Ihre eigene Teilnahme zusagen, absagen oder offenlassen. Die Antworten der anderen Teilnehmenden stehen in BrokerStar unter Termine.',
    'answer-one-occurrence': 'BrokerStar speichert eine Antwort pro Serientermin. Bitte sagen Sie der ganzen Serie zu oder ab, nicht einem einzelnen Termin.',
    'task-organizer': 'Wer eine Aufgabe vergeben hat, wird nur in BrokerStar unter Aufgaben festgehalten.',
    'task-details': 'Betreff, Beschreibung, Fälligkeit und Priorität einer Aufgabe werden nur in BrokerStar unter Aufgaben geändert. Status und Fortschritt können Sie hier setzen.',
    'appointment-status': 'Ob ein Termin bestätigt, vorläufig oder abgesagt ist, wird nur in BrokerStar unter Termine geändert.',
    'delete-occurrence': 'Einzelne Termine einer Serie werden nur in BrokerStar unter Termine gelöscht. Der Termin wird wiederhergestellt.',
    'invalid-property-value': 'Dieser Wert ist ungültig: erwartet wird eine Farbe (#RRGGBB oder #RRGGBBAA) bzw. eine Reihenfolge (ganze Zahl ab 0).',
    'invalid-data': 'Die gesendeten Kalenderdaten sind ungültig und wurden nicht übernommen.',
    'uid-mismatch': 'Die UID passt nicht zu diesem Eintrag. Neue Einträge bitte in BrokerStar erfassen.',
    'wrong-component': 'Diese Sammlung nimmt nur Termine bzw. nur Aufgaben auf.',
    exists: 'Dieser Eintrag existiert bereits. Neue Einträge bitte in BrokerStar erfassen.',
    stale: 'Der Eintrag wurde inzwischen in BrokerStar geändert. Bitte zuerst synchronisieren.',
    'wrong-content-type': 'Falsches Datenformat: erwartet wird text/calendar bzw. text/vcard.',
    'too-large': 'Der Eintrag ist zu gross.',
  },
  fr: {
    'read-only': 'Cette collection est en lecture seule. Veuillez faire les modifications dans BrokerStar, rubrique Rendez-vous ou Tâches.',
    'create-contact': 'Les contacts se créent uniquement dans BrokerStar. Veuillez créer le contact dans BrokerStar, rubrique Contacts.',
    'create-appointment':
      'Les rendez-vous se créent uniquement dans BrokerStar. Veuillez créer le rendez-vous dans BrokerStar, rubrique Rendez-vous.',
    'create-task': 'Les tâches se créent uniquement dans BrokerStar. Veuillez créer la tâche dans BrokerStar, rubrique Tâches.',
    'edit-contact':
      'Les contacts ne peuvent être modifiés que dans BrokerStar. Veuillez modifier le contact dans BrokerStar, rubrique Contacts.',
    'delete-contact': 'Les contacts ne peuvent être supprimés que dans BrokerStar, rubrique Contacts. Le contact sera restauré.',
    'delete-appointment':
      'Les rendez-vous ne peuvent être supprimés que dans BrokerStar, rubrique Rendez-vous. Le rendez-vous sera restauré.',
    'delete-task': 'Les tâches ne peuvent être supprimées que dans BrokerStar, rubrique Tâches. La tâche sera restaurée.',
    'birthday-in-brokerstar':
      "Le calendrier des anniversaires provient des dates de naissance des contacts. Veuillez modifier la date de naissance dans BrokerStar, rubrique Contacts.",
    'not-owner-appointment': 'Seul son propriétaire peut modifier ce rendez-vous, dans BrokerStar, rubrique Rendez-vous.',
    'reassign-task': "Une tâche ne s'attribue à une autre personne que dans BrokerStar, rubrique Tâches.",
    'change-organizer': "L'organisateur d'un rendez-vous ne peut être modifié que dans BrokerStar, rubrique Rendez-vous.",
    'change-participants': 'Les participants ne sont invités ou retirés que dans BrokerStar, rubrique Rendez-vous.',
    'change-recurrence':
      "La récurrence d'une série ne se modifie que dans BrokerStar, rubrique Rendez-vous. Les rendez-vous individuels de la série peuvent être déplacés.",
    'private-appointment':
      'Les rendez-vous privés ne sont pas synchronisés avec BrokerStar. Veuillez marquer le rendez-vous comme privé dans BrokerStar, rubrique Rendez-vous.',
    'method-not-allowed': `Cette action n'est pas possible${NBSP}: BrokerStar est le système de référence. Veuillez effectuer la modification dans BrokerStar.`,
    'collections-fixed':
      'Les collections sont gérées par BrokerStar et ne peuvent être ni créées, ni déplacées, ni supprimées. Les partages de calendrier se configurent dans BrokerStar.',
    'properties-read-only': 'Les propriétés des collections sont gérées par BrokerStar.',
    'locking-unsupported': "Le verrouillage (LOCK) n'est pas pris en charge.",
    'answer-for-other': 'Vous ne pouvez accepter, refuser ou laisser en suspens que votre propre participation. Les réponses des autres participants figurent dans BrokerStar, rubrique Rendez-vous.',
    'answer-one-occurrence': 'BrokerStar enregistre une seule réponse par série. Veuillez accepter ou refuser toute la série, et non un seul rendez-vous.',
    'task-organizer': "La personne qui a attribué une tâche n'est enregistrée que dans BrokerStar, rubrique Tâches.",
    'task-details': "L'objet, la description, l'échéance et la priorité d'une tâche ne se modifient que dans BrokerStar, rubrique Tâches. Vous pouvez modifier ici l'état et l'avancement.",
    'appointment-status': "Qu'un rendez-vous soit confirmé, provisoire ou annulé ne se modifie que dans BrokerStar, rubrique Rendez-vous.",
    'delete-occurrence': "Les rendez-vous d'une série ne se suppriment un par un que dans BrokerStar, rubrique Rendez-vous. Le rendez-vous sera restauré.",
    'invalid-property-value': `Cette valeur n'est pas valable${NBSP}: une couleur (#RRGGBB ou #RRGGBBAA) ou un ordre (nombre entier à partir de 0) est attendu.`,
    'invalid-data': "Les données de calendrier envoyées ne sont pas valides et n'ont pas été enregistrées.",
    'uid-mismatch': "L'UID ne correspond pas à cet élément. Veuillez créer les nouveaux éléments dans BrokerStar.",
    'wrong-component': 'Cette collection ne contient que des rendez-vous ou que des tâches.',
    exists: 'Cet élément existe déjà. Veuillez créer les nouveaux éléments dans BrokerStar.',
    stale: "L'élément a été modifié entre-temps dans BrokerStar. Veuillez d'abord synchroniser.",
    'wrong-content-type': `Format de données incorrect${NBSP}: text/calendar ou text/vcard est attendu.`,
    'too-large': "L'élément est trop volumineux.",
  },
  it: {
    'read-only': 'Questa raccolta è di sola lettura. Effettui le modifiche in BrokerStar, nella sezione Appuntamenti o Attività.',
    'create-contact': 'I contatti si creano solo in BrokerStar. Crei il contatto in BrokerStar, nella sezione Contatti.',
    'create-appointment': "Gli appuntamenti si creano solo in BrokerStar. Crei l'appuntamento in BrokerStar, nella sezione Appuntamenti.",
    'create-task': "Le attività si creano solo in BrokerStar. Crei l'attività in BrokerStar, nella sezione Attività.",
    'edit-contact': 'I contatti si possono modificare solo in BrokerStar. Modifichi il contatto in BrokerStar, nella sezione Contatti.',
    'delete-contact': 'I contatti si possono eliminare solo in BrokerStar, nella sezione Contatti. Il contatto verrà ripristinato.',
    'delete-appointment':
      "Gli appuntamenti si possono eliminare solo in BrokerStar, nella sezione Appuntamenti. L'appuntamento verrà ripristinato.",
    'delete-task': "Le attività si possono eliminare solo in BrokerStar, nella sezione Attività. L'attività verrà ripristinata.",
    'birthday-in-brokerstar':
      'Il calendario dei compleanni nasce dalle date di nascita dei contatti. Modifichi la data di nascita in BrokerStar, nella sezione Contatti.',
    'not-owner-appointment': 'Solo il proprietario può modificare questo appuntamento, in BrokerStar, nella sezione Appuntamenti.',
    'reassign-task': "Un'attività si assegna a un'altra persona solo in BrokerStar, nella sezione Attività.",
    'change-organizer': "L'organizzatore di un appuntamento si può modificare solo in BrokerStar, nella sezione Appuntamenti.",
    'change-participants': 'I partecipanti si invitano o si rimuovono solo in BrokerStar, nella sezione Appuntamenti.',
    'change-recurrence':
      'La ricorrenza di una serie si modifica solo in BrokerStar, nella sezione Appuntamenti. I singoli appuntamenti della serie possono essere spostati.',
    'private-appointment':
      "Gli appuntamenti privati non vengono sincronizzati con BrokerStar. Contrassegni l'appuntamento come privato in BrokerStar, nella sezione Appuntamenti.",
    'method-not-allowed': 'Questa azione non è possibile: BrokerStar è il sistema di riferimento. Effettui la modifica in BrokerStar.',
    'collections-fixed':
      'Le raccolte sono gestite da BrokerStar e non possono essere create, spostate o eliminate. Le condivisioni di calendario si configurano in BrokerStar.',
    'properties-read-only': 'Le proprietà delle raccolte sono gestite da BrokerStar.',
    'locking-unsupported': 'Il blocco (LOCK) non è supportato.',
    'answer-for-other': 'Può accettare, rifiutare o lasciare in sospeso solo la propria partecipazione. Le risposte degli altri partecipanti si trovano in BrokerStar, nella sezione Appuntamenti.',
    'answer-one-occurrence': "BrokerStar salva una sola risposta per serie. Accetti o rifiuti l'intera serie, non un singolo appuntamento.",
    'task-organizer': "Chi ha assegnato un'attività viene registrato solo in BrokerStar, nella sezione Attività.",
    'task-details': "Oggetto, descrizione, scadenza e priorità di un'attività si modificano solo in BrokerStar, nella sezione Attività. Qui può modificare lo stato e l'avanzamento.",
    'appointment-status': 'Se un appuntamento è confermato, provvisorio o annullato si modifica solo in BrokerStar, nella sezione Appuntamenti.',
    'delete-occurrence': "I singoli appuntamenti di una serie si eliminano solo in BrokerStar, nella sezione Appuntamenti. L'appuntamento verrà ripristinato.",
    'invalid-property-value': 'Questo valore non è valido: è atteso un colore (#RRGGBB o #RRGGBBAA) o un ordine (numero intero da 0).',
    'invalid-data': 'I dati di calendario inviati non sono validi e non sono stati salvati.',
    'uid-mismatch': "L'UID non corrisponde a questa voce. Crei le nuove voci in BrokerStar.",
    'wrong-component': 'Questa raccolta contiene solo appuntamenti oppure solo attività.',
    exists: 'Questa voce esiste già. Crei le nuove voci in BrokerStar.',
    stale: 'La voce è stata modificata nel frattempo in BrokerStar. Esegua prima una sincronizzazione.',
    'wrong-content-type': 'Formato dei dati errato: è atteso text/calendar o text/vcard.',
    'too-large': 'La voce è troppo grande.',
  },
  en: {
    'read-only': 'This collection is read-only. Please make changes in BrokerStar under Appointments or Tasks.',
    'create-contact': 'Contacts are created in BrokerStar only. Please create the contact in BrokerStar under Contacts.',
    'create-appointment': 'Appointments are created in BrokerStar only. Please create the appointment in BrokerStar under Appointments.',
    'create-task': 'Tasks are created in BrokerStar only. Please create the task in BrokerStar under Tasks.',
    'edit-contact': 'Contacts can only be edited in BrokerStar. Please change the contact in BrokerStar under Contacts.',
    'delete-contact': 'Contacts can only be deleted in BrokerStar under Contacts. The contact will be restored.',
    'delete-appointment': 'Appointments can only be deleted in BrokerStar under Appointments. The appointment will be restored.',
    'delete-task': 'Tasks can only be deleted in BrokerStar under Tasks. The task will be restored.',
    'birthday-in-brokerstar': "The birthdays calendar is made from the contacts' dates of birth. Please change the date of birth in BrokerStar under Contacts.",
    'not-owner-appointment': 'Only the owner can change this appointment, in BrokerStar under Appointments.',
    'reassign-task': 'Tasks are reassigned in BrokerStar only, under Tasks.',
    'change-organizer': 'The organizer of an appointment can only be changed in BrokerStar under Appointments.',
    'change-participants': 'Participants are invited or removed in BrokerStar only, under Appointments.',
    'change-recurrence': 'The recurrence of a series is changed in BrokerStar only, under Appointments. Single occurrences can be moved.',
    'private-appointment':
      'Private appointments are not synchronised with BrokerStar. Please mark the appointment as private in BrokerStar under Appointments.',
    'method-not-allowed': 'This action is not possible: BrokerStar is the leading system. Please make the change in BrokerStar.',
    'collections-fixed': 'Collections are managed by BrokerStar and cannot be created, moved or deleted. Calendar sharing is set up in BrokerStar.',
    'properties-read-only': 'Collection properties are managed by BrokerStar.',
    'locking-unsupported': 'Locking is not supported.',
    'answer-for-other': "You can only accept, decline or leave open your own participation. The other participants' answers are in BrokerStar under Appointments.",
    'answer-one-occurrence': 'BrokerStar keeps one answer per series. Please accept or decline the whole series, not a single occurrence.',
    'task-organizer': 'Who assigned a task is recorded in BrokerStar only, under Tasks.',
    'task-details': 'The subject, description, due date and priority of a task are changed in BrokerStar only, under Tasks. You can set the status and progress here.',
    'appointment-status': 'Whether an appointment is confirmed, tentative or cancelled is changed in BrokerStar only, under Appointments.',
    'delete-occurrence': 'Single occurrences of a series are deleted in BrokerStar only, under Appointments. The occurrence will be restored.',
    'invalid-property-value': 'This value is not valid: a colour (#RRGGBB or #RRGGBBAA) or an order (a whole number from 0) is expected.',
    'invalid-data': 'The calendar data sent is not valid and was not saved.',
    'uid-mismatch': 'The UID does not match this item. Please create new items in BrokerStar.',
    'wrong-component': 'This collection holds only appointments or only tasks.',
    exists: 'This item already exists. Please create new items in BrokerStar.',
    stale: 'The item was changed in BrokerStar meanwhile. Please synchronise first.',
    'wrong-content-type': 'Wrong data format: text/calendar or text/vcard is expected.',
    'too-large': 'The item is too large.',
  },
});

/** The refusal sentence for `key` in `lang`. */
export function refusalMessage(key: MessageKey, lang: Language): string {
  return REFUSAL_TEXTS[lang][key];
}
