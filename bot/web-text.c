/*
 * web-text.c - the web console's texts in Norwegian Bokmål and Swedish.
 *
 * Pages are written with their English text; web_t() finds its
 * translations here.  The table is in alphabetical order of the English
 * (case ignored).  tests/lint/web-text.sh (make lint) checks that every text
 * the console's sources pass to T() is here with both translations, and that
 * every entry is still used.
 */
#include "web-int.h"

#include <string.h>

struct web_text {
    const char *en, *nb, *sv;
};

static const struct web_text web_texts[] = {
    {"A calendar address starts with https:// (or webcal://).",
     "En kalenderadresse begynner med https:// (eller webcal://).",
     "En kalenderadress börjar med https:// (eller webcal://)."},
    {"A note holds at most 4,000 characters.",
     "Et notat kan ha høyst 4 000 tegn.",
     "En anteckning får ha högst 4 000 tecken."},
    {"Add", "Legg til", "Lägg till"},
    {"Add a question", "Legg til et spørsmål", "Lägg till en fråga"},
    {"Add a session", "Legg til en samtale", "Lägg till ett samtal"},
    {"Add session", "Legg til samtale", "Lägg till samtal"},
    {"after the session", "etter samtalen", "efter samtalet"},
    {"Answered", "Besvart", "Besvarade"},
    {"answered", "besvart", "besvarad"},
    {"Answered / asked, 8 weeks", "Besvart / sendt, siste 8 uker",
     "Besvarade / skickade, senaste 8 veckorna"},
    {"Asked", "Sendt", "Skickade"},
    {"At most this many questions a week (0: no limit)",
     "Maks antall spørsmål i uka (0: ingen grense)",
     "Max antal frågor i veckan (0: ingen gräns)"},
    {"Back to my leaders", "Tilbake til mine ledere",
     "Tillbaka till mina ledare"},
    {"before the session", "før samtalen", "inför samtalet"},
    {"Cadence", "Rytme", "Rytm"},
    {"Cadence and pauses", "Rytme og pauser", "Rytm och pauser"},
    {"challenge", "utfordring", "utmaning"},
    {"Change them on the sessions page.",
     "Du endrer dem under Samtaler og notater.",
     "Du ändrar dem under Samtal och anteckningar."},
    {"Choose an .ics file, or give the calendar's address.",
     "Velg en .ics-fil, eller oppgi adressen til kalenderen.",
     "Välj en .ics-fil, eller ange kalenderns adress."},
    {"Choose at least one working day.", "Velg minst én dag.",
     "Välj minst en dag."},
    {"Choose how often and on which day.", "Velg hvor ofte og hvilken dag.",
     "Välj hur ofta och vilken dag."},
    {"Choose what kind of question it is.", "Velg hva slags spørsmål det er.",
     "Välj vilken sorts fråga det är."},
    {"commitment", "forsett", "föresats"},
    {"Commitments and how they went", "Forsett og hvordan det gikk",
     "Föresatser och hur det gick"},
    {"consultant", "konsulent", "konsult"},
    {"Consultant:", "Konsulent:", "Konsult:"},
    {"Continue", "Fortsett", "Fortsätt"},
    {"Date", "Dato", "Datum"},
    {"Day", "Dag", "Dag"},
    {"Digest", "Oppsummering", "Sammanfattning"},
    {"Earlier wording, changed", "Tidligere formulering, endret",
     "Tidigare formulering, ändrad"},
    {"every fourth week", "hver fjerde uke", "var fjärde vecka"},
    {"every other week", "annenhver uke", "varannan vecka"},
    {"every third week", "hver tredje uke", "var tredje vecka"},
    {"every week", "hver uke", "varje vecka"},
    {"Everything so far.", "Alt så langt.", "Allt hittills."},
    {"follow-up", "oppfølging", "uppföljning"},
    {"Follow-up question for a commitment (optional)",
     "Oppfølgingsspørsmål til et forsett (valgfritt)",
     "Uppföljningsfråga till en föresats (frivillig)"},
    {"Follow-up:", "Oppfølging:", "Uppföljning:"},
    {"Followed up", "Fulgt opp", "Uppföljd"},
    {"Following up what they set out to do:",
     "Følger opp det lederen hadde tenkt å gjøre:",
     "Följer upp det ledaren tänkte göra:"},
    {"Friday", "Fredag", "Fredag"},
    {"from the calendar", "fra kalenderen", "från kalendern"},
    {"Give the end of the pause as a date.",
     "Oppgi når pausen slutter, som en dato.",
     "Ange när pausen slutar, som ett datum."},
    {"Give the session a date and a time.",
     "Gi samtalen en dato og et klokkeslett.",
     "Ge samtalet ett datum och ett klockslag."},
    {"Give the time of day as HH:MM.", "Skriv klokkeslettet som TT:MM.",
     "Skriv klockslaget som TT:MM."},
    {"How it went:", "Slik gikk det:", "Så här gick det:"},
    {"How many questions went out, and how many were answered or skipped, week "
     "by week. What leaders write stays between them and their consultant "
     "unless they share it with you.",
     "Hvor mange spørsmål som ble sendt, og hvor mange som ble besvart eller "
     "hoppet over, uke for uke. Det lederne skriver, blir mellom dem og "
     "konsulenten deres, med mindre de deler det med deg.",
     "Hur många frågor som skickades, och hur många som besvarades eller "
     "hoppades över, vecka för vecka. Det ledarna skriver stannar mellan dem "
     "och deras konsult, om de inte delar det med dig."},
    {"How often", "Hvor ofte", "Hur ofta"},
    {"iCalendar file", "iCalendar-fil", "iCalendar-fil"},
    {"Import", "Hent", "Hämta"},
    {"Import from a calendar", "Hent fra en kalender",
     "Hämta från en kalender"},
    {"In the leader's time zone:", "I lederens tidssone:",
     "I ledarens tidszon:"},
    {"Kind", "Type", "Typ"},
    {"Last answer", "Siste svar", "Senaste svar"},
    {"Leader", "Leder", "Ledare"},
    {"manager", "nærmeste leder", "närmaste chef"},
    {"Manager:", "Nærmeste leder:", "Närmaste chef:"},
    {"Managers see participation, not what a leader writes, unless the leader "
     "shares it.",
     "Som nærmeste leder ser du deltakelsen, ikke hva lederen skriver, med "
     "mindre lederen deler det.",
     "Som närmaste chef ser du deltagandet, inte vad ledaren skriver, om inte "
     "ledaren delar det."},
    {"missed", "ubesvart", "obesvarad"},
    {"Monday", "Mandag", "Måndag"},
    {"My leaders", "Mine ledere", "Mina ledare"},
    {"Name", "Navn", "Namn"},
    {"network group meeting", "møte i nettverksgruppen",
     "möte i nätverksgruppen"},
    {"Next session", "Neste samtale", "Nästa samtal"},
    {"Next session:", "Neste samtale:", "Nästa samtal:"},
    {"No answers in this period yet.", "Ingen svar i denne perioden ennå.",
     "Inga svar under den här perioden ännu."},
    {"No questions in this period yet.",
     "Ingen spørsmål i denne perioden ennå.",
     "Inga frågor under den här perioden ännu."},
    {"No sessions planned yet.", "Ingen samtaler planlagt ennå.",
     "Inga samtal planerade ännu."},
    {"no theme set", "ikke noe tema valgt", "inget tema valt"},
    {"None yet.", "Ingen ennå.", "Inga ännu."},
    {"None: with these settings no question is due (paused with no end, or the "
     "rule has ended).",
     "Ingen: med disse innstillingene kommer det ingen spørsmål (pause uten "
     "slutt, eller regelen er utløpt).",
     "Inga: med de här inställningarna kommer inga frågor (paus utan slut, "
     "eller så har regeln löpt ut)."},
    {"Not followed up yet.", "Ikke fulgt opp ennå.", "Inte uppföljd ännu."},
    {"Not for you", "Ikke for deg", "Inte för dig"},
    {"Not found", "Finnes ikke", "Finns inte"},
    {"Nothing is saved until you press Save.",
     "Ingenting lagres før du trykker på Lagre.",
     "Inget sparas förrän du trycker på Spara."},
    {"Nothing shared with you yet.", "Ingenting er delt med deg ennå.",
     "Inget har delats med dig ännu."},
    {"Only events whose title contains (empty: all)",
     "Bare avtaler der tittelen inneholder (tomt: alle)",
     "Bara möten vars rubrik innehåller (tomt: alla)"},
    {"Only the leader's manager sets the cadence and sees participation here.",
     "Bare lederens nærmeste leder stiller inn rytmen og ser deltakelsen her.",
     "Bara ledarens närmaste chef ställer in rytmen och ser deltagandet här."},
    {"Or an iCalendar rule (wins over the choices above)",
     "Eller en iCalendar-regel (går foran valgene over)",
     "Eller en iCalendar-regel (går före valen ovan)"},
    {"or its address", "eller adressen til kalenderen",
     "eller kalenderns adress"},
    {"Or with a password", "Eller med passord", "Eller med lösenord"},
    {"Participation", "Deltakelse", "Deltagande"},
    {"Password", "Passord", "Lösenord"},
    {"Pause", "Pause", "Paus"},
    {"paused", "på pause", "pausad"},
    {"Paused: no questions", "På pause: ingen spørsmål", "Pausad: inga frågor"},
    {"Plan the next session and choose its themes; until then the questions "
     "come from the whole library.",
     "Planlegg neste samtale og velg temaer for den. Fram til da kommer "
     "spørsmålene fra hele spørsmålsbanken.",
     "Planera nästa samtal och välj teman för det. Fram till dess kommer "
     "frågorna från hela frågebanken."},
    {"planned", "planlagt", "planerad"},
    {"Preview", "Forhåndsvis", "Förhandsgranska"},
    {"Private note", "Privat notat", "Privat anteckning"},
    {"Question", "Spørsmål", "Fråga"},
    {"Questions from", "Spørsmål fra", "Frågor från"},
    {"reflection", "refleksjon", "reflektion"},
    {"Reflections", "Refleksjoner", "Reflektioner"},
    {"reflekt cannot read its database just now. Please try again in a moment.",
     "reflekt får ikke lest databasen sin akkurat nå. Prøv igjen om litt.",
     "reflekt kan inte läsa sin databas just nu. Försök igen om en stund."},
    {"reflekt could not fetch that calendar just now. Please try again.",
     "reflekt fikk ikke hentet kalenderen akkurat nå. Prøv igjen.",
     "reflekt kunde inte hämta kalendern just nu. Försök igen."},
    {"reflekt could not save this just now. Please try again.",
     "reflekt fikk ikke lagret dette akkurat nå. Prøv igjen.",
     "reflekt kunde inte spara det här just nu. Försök igen."},
    {"reflekt could not sign you in just now. Please try again in a moment.",
     "reflekt fikk ikke logget deg inn akkurat nå. Prøv igjen om litt.",
     "reflekt kunde inte logga in dig just nu. Försök igen om en stund."},
    {"Remove", "Fjern", "Ta bort"},
    {"Remove this session", "Fjern denne samtalen", "Ta bort det här samtalet"},
    {"Saturday", "Lørdag", "Lördag"},
    {"Save", "Lagre", "Spara"},
    {"Save note", "Lagre notat", "Spara anteckning"},
    {"Save themes", "Lagre temaer", "Spara teman"},
    {"Saved.", "Lagret.", "Sparat."},
    {"scale", "skala", "skala"},
    {"Score:", "Poeng:", "Poäng:"},
    {"Sessions", "Samtaler", "Samtal"},
    {"Sessions and notes", "Samtaler og notater", "Samtal och anteckningar"},
    {"Sessions in an iCalendar file (.ics) or at a calendar address come in as "
     "sessions; importing again moves or removes the ones that changed.",
     "Avtaler i en iCalendar-fil (.ics) eller på en kalenderadresse blir "
     "samtaler her. Henter du på nytt, følger samtalene med: flyttede avtaler "
     "flyttes, og slettede fjernes.",
     "Möten i en iCalendar-fil (.ics) eller på en kalenderadress blir samtal "
     "här. Hämtar du igen följer samtalen med: flyttade möten flyttas och "
     "borttagna tas bort."},
    {"Shared with the manager.", "Delt med nærmeste leder.",
     "Delat med närmaste chef."},
    {"Shared with you", "Delt med deg", "Delat med dig"},
    {"Show everything", "Vis alt", "Visa allt"},
    {"Sign in", "Logg inn", "Logga in"},
    {"Sign out", "Logg ut", "Logga ut"},
    {"Signed out", "Logget ut", "Utloggad"},
    {"Since the session", "Siden samtalen", "Sedan samtalet"},
    {"Skipped", "Hoppet over", "Överhoppade"},
    {"skipped", "hoppet over", "överhoppad"},
    {"Skipped and missed", "Hoppet over og ubesvart",
     "Överhoppade och obesvarade"},
    {"snoozed", "utsatt", "uppskjuten"},
    {"Something went wrong", "Noe gikk galt", "Något gick fel"},
    {"Sunday", "Søndag", "Söndag"},
    {"taken back", "trukket tilbake", "tillbakatagen"},
    {"That cadence is not a rule reflekt can follow. Use the choices above, or "
     "an iCalendar rule such as FREQ=WEEKLY;BYDAY=TU;BYHOUR=9.",
     "reflekt kan ikke følge den rytmen. Bruk valgene over, eller en "
     "iCalendar-regel som FREQ=WEEKLY;BYDAY=TU;BYHOUR=9.",
     "reflekt kan inte följa den rytmen. Använd valen ovan, eller en "
     "iCalendar-regel som FREQ=WEEKLY;BYDAY=TU;BYHOUR=9."},
    {"That calendar address did not answer with a calendar.",
     "Kalenderadressen svarte ikke med en kalender.",
     "Kalenderadressen svarade inte med en kalender."},
    {"That calendar could not be read:", "Kalenderen kunne ikke leses:",
     "Kalendern gick inte att läsa:"},
    {"That cannot be done to this session.",
     "Det kan ikke gjøres med denne samtalen.",
     "Det går inte att göra med det här samtalet."},
    {"That name and password do not match.",
     "Navnet og passordet passer ikke sammen.",
     "Namnet och lösenordet stämmer inte överens."},
    {"That question is not one of this leader's.",
     "Det spørsmålet hører ikke til denne lederen.",
     "Den frågan hör inte till den här ledaren."},
    {"That rule is too long.", "Den regelen er for lang.",
     "Den regeln är för lång."},
    {"That session is not one of this leader's.",
     "Den samtalen hører ikke til denne lederen.",
     "Det samtalet hör inte till den här ledaren."},
    {"That time has passed; a session is added for a time still to come.",
     "Det tidspunktet har passert. Legg samtalen til et tidspunkt fram i tid.",
     "Den tiden har passerat. Lägg samtalet på en tid framåt."},
    {"The console takes GET and POST only.",
     "Konsollen tar bare imot GET og POST.",
     "Konsolen tar bara emot GET och POST."},
    {"The end of the pause has passed already.",
     "Sluttdatoen for pausen er allerede passert.",
     "Slutdatumet för pausen har redan passerat."},
    {"The form was not complete.", "Skjemaet var ikke helt utfylt.",
     "Formuläret var inte helt ifyllt."},
    {"The leader took this answer back.", "Lederen trakk tilbake dette svaret.",
     "Ledaren tog tillbaka det här svaret."},
    {"The next five questions would come",
     "Slik ville de neste fem spørsmålene komme",
     "Så här skulle de fem nästa frågorna komma"},
    {"the questions come from these themes:",
     "kommer spørsmålene fra disse temaene:",
     "kommer frågorna från de här temana:"},
    {"The weekly limit is a number from 0 (no limit) to 7.",
     "Maks antall spørsmål i uka er et tall fra 0 (ingen grense) til 7.",
     "Max antal frågor i veckan är ett tal från 0 (ingen gräns) till 7."},
    {"Themes and questions", "Temaer og spørsmål", "Teman och frågor"},
    {"Themes for the coming weeks", "Temaer for ukene framover",
     "Teman för veckorna framöver"},
    {"Themes for the weeks before it", "Temaer for ukene før samtalen",
     "Teman för veckorna före samtalet"},
    {"Themes:", "Temaer:", "Teman:"},
    {"There is a session at that time already.",
     "Det er allerede en samtale på det tidspunktet.",
     "Det finns redan ett samtal vid den tiden."},
    {"There is no such page in the console.",
     "Den siden finnes ikke i konsollen.", "Den sidan finns inte i konsolen."},
    {"This form was missing its security token (or it came from another page). "
     "Reload the page and try again.",
     "Skjemaet manglet sikkerhetskoden sin (eller det kom fra en annen side). "
     "Last inn siden på nytt og prøv igjen.",
     "Formuläret saknade sin säkerhetskod (eller så kom det från en annan "
     "sida). Ladda om sidan och försök igen."},
    {"This leader is not one of yours, so the console shows you nothing about "
     "them.",
     "Denne lederen er ikke en av dine, så konsollen viser deg ingenting om "
     "lederen.",
     "Den här ledaren är inte en av dina, så konsolen visar dig ingenting om "
     "ledaren."},
    {"This link has been used already or has expired. Write “console” to "
     "reflekt in chat for a new one.",
     "Denne lenken er allerede brukt eller har gått ut. Skriv «konsoll» til "
     "reflekt i chatten, så får du en ny.",
     "Den här länken har redan använts eller har gått ut. Skriv ”konsol” till "
     "reflekt i chatten, så får du en ny."},
    {"This link signs you in to reflekt once, within 15 minutes of when you "
     "asked for it.",
     "Denne lenken logger deg inn i reflekt én gang, innen 15 minutter etter "
     "at du ba om den.",
     "Den här länken loggar in dig i reflekt en gång, inom 15 minuter från att "
     "du bad om den."},
    {"This page cannot take a form.", "Denne siden kan ikke ta imot et skjema.",
     "Den här sidan kan inte ta emot ett formulär."},
    {"This sign-in link is not complete. Copy the whole link, or ask for a new "
     "one.",
     "Denne innloggingslenken er ikke hel. Kopier hele lenken, eller be om en "
     "ny.",
     "Den här inloggningslänken är inte hel. Kopiera hela länken, eller be om "
     "en ny."},
    {"Thursday", "Torsdag", "Torsdag"},
    {"Time", "Klokkeslett", "Klockslag"},
    {"Time zone:", "Tidssone:", "Tidszon:"},
    {"Timeline", "Tidslinje", "Tidslinje"},
    {"To print this digest or keep it as a PDF, use your browser's Print "
     "command.",
     "Vil du skrive ut oppsummeringen eller lagre den som PDF, bruker du "
     "utskriftsvalget i nettleseren.",
     "Vill du skriva ut sammanfattningen eller spara den som PDF använder du "
     "webbläsarens utskriftsval."},
    {"Too many themes for one session.", "For mange temaer for én samtale.",
     "För många teman för ett samtal."},
    {"Too many wrong passwords. Wait a minute, or ask for a link in chat.",
     "For mange feil passord. Vent et minutt, eller be om en lenke i chatten.",
     "För många fel lösenord. Vänta en minut, eller be om en länk i chatten."},
    {"Tuesday", "Tirsdag", "Tisdag"},
    {"until", "til", "till"},
    {"Until (empty: until you resume)", "Til (tomt: til pausen avsluttes)",
     "Till (tomt: tills pausen avslutas)"},
    {"Until the next session,", "Fram til neste samtale,",
     "Fram till nästa samtal,"},
    {"waiting for an answer", "venter på svar", "väntar på svar"},
    {"Wednesday", "Onsdag", "Onsdag"},
    {"Week of", "Uke fra", "Vecka från"},
    {"When questions may come", "Når spørsmål kan komme",
     "När frågor kan komma"},
    {"Working hours need a start before their end, as HH:MM.",
     "Tidsrommet for spørsmål må begynne før det slutter (skriv TT:MM).",
     "Tiden för frågor måste börja innan den slutar (skriv TT:MM)."},
    {"Write the question (at most 1,000 characters).",
     "Skriv spørsmålet (høyst 1 000 tegn).",
     "Skriv frågan (högst 1 000 tecken)."},
    {"Write “console” to reflekt in your chat and you get a link that signs "
     "you in.",
     "Skriv «konsoll» til reflekt i chatten, så får du en lenke som logger deg "
     "inn.",
     "Skriv ”konsol” till reflekt i chatten, så får du en länk som loggar in "
     "dig."},
    {"You are", "Du er", "Du är"},
    {"You are an administrator: you see who takes part, never what anyone "
     "wrote.",
     "Du er administrator: du ser hvem som deltar, aldri hva noen har skrevet.",
     "Du är administratör: du ser vilka som deltar, aldrig vad någon har "
     "skrivit."},
    {"You are not signed in (or your session has ended). Sign in and try "
     "again.",
     "Du er ikke logget inn (eller innloggingen din er utløpt). Logg inn og "
     "prøv igjen.",
     "Du är inte inloggad (eller så har din inloggning gått ut). Logga in och "
     "försök igen."},
    {"You are signed out. Write “console” to reflekt in chat when you want to "
     "come back.",
     "Du er logget ut. Skriv «konsoll» til reflekt i chatten når du vil inn "
     "igjen.",
     "Du är utloggad. Skriv ”konsol” till reflekt i chatten när du vill in "
     "igen."},
    {"You were signed out after a while without activity. Sign in again to go "
     "on.",
     "Du ble logget ut etter en stund uten aktivitet. Logg inn igjen for å "
     "fortsette.",
     "Du loggades ut efter en stund utan aktivitet. Logga in igen för att "
     "fortsätta."},
    {"Your own questions", "Dine egne spørsmål", "Dina egna frågor"},
    {"Your own questions are asked before the library's, oldest first.",
     "Dine egne spørsmål stilles før spørsmålene fra spørsmålsbanken, eldste "
     "først.",
     "Dina egna frågor ställs före frågorna från frågebanken, äldsta först."},
};

const char *
web_t(enum lang lang, const char *en)
{
    if (lang == LANG_EN)
        return en;
    for (size_t i = 0; i < sizeof(web_texts) / sizeof(web_texts[0]); i++) {
        if (strcmp(web_texts[i].en, en) == 0)
            return lang == LANG_NB ? web_texts[i].nb : web_texts[i].sv;
    }
    return en;
}

size_t
web_text_count(void)
{
    return sizeof(web_texts) / sizeof(web_texts[0]);
}

const char *
web_text_en(size_t i)
{
    return i < web_text_count() ? web_texts[i].en : NULL;
}
