/*
 * msg.c - everything reflekt says to people in chat, in nb, sv and en.
 *
 * One static table holds every text, indexed by message id and language,
 * filled with designated initialisers so that a missing entry stands out in
 * review; tests/unit/test-msg.c checks that no entry is NULL or empty and
 * that the three languages of a message take the same printf arguments.
 * Each language is written on its own terms, not translated word for word:
 * du/du, warm and brief, the way a process consultant writes to a leader.
 * Commands appear in the leader's language and in backticks; question text
 * is quoted «like this» in nb, ”like this” in sv and “like this” in en.
 *
 * msg_when() and msg_date() spell out dates and times the way people say
 * them.  They index name tables only after a range check, so a struct tm
 * with fields out of range gives odd text, never an out-of-bounds read.
 */
#include "msg.h"

#include <stdio.h>

static const char *const msg_table[][LANG__COUNT] = {
    [MSG_HELP] =
        {
            [LANG_NB] =
                "Dette kan du skrive til meg:\n"
                "`hjelp` – denne oversikten\n"
                "`hopp over` – hopp over spørsmålet du har fått\n"
                "`utsett 1 time`, `utsett i morgen` eller `utsett fredag` – "
                "få spørsmålet igjen senere\n"
                "`pause 1.12.` eller `pause 2026-12-01` – ta pause fram til "
                "en dato (bare `pause`: til du skriver `fortsett`)\n"
                "`fortsett` – kom i gang igjen etter en pause\n"
                "`historikk` – se svarene dine\n"
                "`språk nb`, `språk sv` eller `språk en` – bytt språk\n"
                "`angre` – trekk tilbake det siste svaret ditt før neste "
                "samtale\n"
                "`del` – la din nærmeste leder lese det siste svaret ditt "
                "(ellers er det bare konsulenten din som leser det)\n"
                "Et svar kan gjerne være flere meldinger.",
            [LANG_SV] =
                "Det här kan du skriva till mig:\n"
                "`hjälp` – den här listan\n"
                "`hoppa över` – hoppa över frågan du har fått\n"
                "`skjut upp 1 timme`, `skjut upp i morgon` eller `skjut upp "
                "fredag` – få frågan igen lite senare\n"
                "`paus 1/12` eller `paus 2026-12-01` – pausa fram till ett "
                "datum (bara `paus`: tills du skriver `fortsätt`)\n"
                "`fortsätt` – kom igång igen efter en paus\n"
                "`historik` – se dina svar\n"
                "`språk nb`, `språk sv` eller `språk en` – byt språk\n"
                "`ångra` – ta tillbaka ditt senaste svar före nästa samtal\n"
                "`dela` – låt din chef läsa ditt senaste svar (annars är "
                "det bara din konsult som läser det)\n"
                "Ett svar får gärna bestå av flera meddelanden.",
            [LANG_EN] =
                "Here's what you can write to me:\n"
                "`help` – this list\n"
                "`skip` – skip the question you've been sent\n"
                "`snooze 1h`, `snooze tomorrow` or `snooze friday` – "
                "get the question again later\n"
                "`pause 1.12.` or `pause 2026-12-01` – take a break until "
                "a date (just `pause`: until you write `resume`)\n"
                "`resume` – pick up again after a break\n"
                "`history` – see your answers\n"
                "`language nb`, `language sv` or `language en` – change "
                "language\n"
                "`retract` – take back your latest answer before your next "
                "session\n"
                "`share` – let your manager read your latest answer "
                "(otherwise only your consultant reads it)\n"
                "An answer can be as many messages as you like.",
        },
    [MSG_HELP_SHORT] =
        {
            [LANG_NB] = "Du har ikke noe åpent spørsmål akkurat nå. Skriv "
                        "`hjelp` for å se hva du kan gjøre.",
            [LANG_SV] = "Just nu har du ingen öppen fråga. Skriv `hjälp` så "
                        "ser du vad du kan göra.",
            [LANG_EN] = "There's no open question right now. Write `help` "
                        "to see what you can do.",
        },
    [MSG_THANKS] =
        {
            [LANG_NB] = "Takk! Svaret ditt er lagret. Kommer du på mer, er "
                        "det bare å skrive videre.",
            [LANG_SV] = "Tack! Ditt svar är sparat. Kommer du på något mer "
                        "är det bara att skriva vidare.",
            [LANG_EN] = "Thank you – your answer is saved. If more comes to "
                        "mind, just keep writing.",
        },
    [MSG_REMINDER] =
        {
            [LANG_NB] = "Hvis du har et øyeblikk, ligger dette spørsmålet "
                        "fortsatt her:\n«%s»\nNoen få ord holder fint. "
                        "Passer det ikke nå, kan du skrive `hopp over`.",
            [LANG_SV] = "Om du har en stund över finns den här frågan "
                        "kvar:\n”%s”\nNågra få ord räcker gott. Passar det "
                        "inte nu kan du skriva `hoppa över`.",
            [LANG_EN] = "If you have a moment, this question is still "
                        "here:\n“%s”\nA few words are plenty. If now isn't "
                        "a good time, just write `skip`.",
        },
    [MSG_SKIPPED] =
        {
            [LANG_NB] = "Greit, vi hopper over denne. Neste spørsmål kommer "
                        "%s.",
            [LANG_SV] = "Okej, vi hoppar över den här. Nästa fråga kommer "
                        "%s.",
            [LANG_EN] = "No problem, we'll skip this one. The next question "
                        "comes on %s.",
        },
    [MSG_SKIPPED_NO_NEXT] =
        {
            [LANG_NB] = "Greit, vi hopper over denne. Det er ikke satt opp "
                        "flere spørsmål foreløpig.",
            [LANG_SV] = "Okej, vi hoppar över den här. Inga fler frågor är "
                        "inplanerade just nu.",
            [LANG_EN] = "No problem, we'll skip this one. There are no more "
                        "questions planned for now.",
        },
    [MSG_NO_OPEN] =
        {
            [LANG_NB] = "Du har ikke noe åpent spørsmål akkurat nå, så det "
                        "er ingenting å hoppe over eller utsette.",
            [LANG_SV] = "Du har ingen öppen fråga just nu, så det finns "
                        "inget att hoppa över eller skjuta upp.",
            [LANG_EN] = "There's no open question right now, so there's "
                        "nothing to skip or snooze.",
        },
    [MSG_BUTTON_OLD] =
        {
            [LANG_NB] = "Det spørsmålet er allerede avsluttet, så knappen "
                        "gjør ingenting nå.",
            [LANG_SV] = "Den frågan är redan avslutad, så knappen gör "
                        "ingenting nu.",
            [LANG_EN] = "That question is already closed, so the button "
                        "does nothing now.",
        },
    [MSG_SNOOZED] =
        {
            [LANG_NB] = "Helt i orden. Du får spørsmålet igjen %s.",
            [LANG_SV] = "Självklart. Du får frågan igen %s.",
            [LANG_EN] = "Of course. You'll get the question again on %s.",
        },
    [MSG_PAUSED_UNTIL] =
        {
            [LANG_NB] = "Da tar vi pause til %s. Vil du starte igjen "
                        "tidligere, skriver du bare `fortsett`.",
            [LANG_SV] = "Då pausar vi till %s. Vill du börja igen tidigare "
                        "skriver du bara `fortsätt`.",
            [LANG_EN] = "Taking a break until %s. If you'd like to start "
                        "again sooner, just write `resume`.",
        },
    [MSG_PAUSED] =
        {
            [LANG_NB] = "Da tar vi pause. Jeg sender ingen spørsmål før du "
                        "skriver `fortsett`.",
            [LANG_SV] = "Då pausar vi. Jag skickar inga frågor förrän du "
                        "skriver `fortsätt`.",
            [LANG_EN] = "Taking a break. I won't send any questions until "
                        "you write `resume`.",
        },
    [MSG_RESUMED] =
        {
            [LANG_NB] = "Velkommen tilbake! Neste spørsmål kommer %s.",
            [LANG_SV] = "Välkommen tillbaka! Nästa fråga kommer %s.",
            [LANG_EN] = "Welcome back! The next question comes on %s.",
        },
    [MSG_RESUMED_NO_NEXT] =
        {
            [LANG_NB] = "Velkommen tilbake! Det er ikke satt opp noe nytt "
                        "spørsmål ennå.",
            [LANG_SV] = "Välkommen tillbaka! Ingen ny fråga är inplanerad "
                        "än.",
            [LANG_EN] = "Welcome back! No new question is planned yet.",
        },
    [MSG_NOT_PAUSED] =
        {
            [LANG_NB] = "Du har ikke pause nå, så spørsmålene kommer som "
                        "vanlig.",
            [LANG_SV] = "Du har ingen paus just nu, så frågorna kommer som "
                        "vanligt.",
            [LANG_EN] = "You're not on a break, so questions keep coming as "
                        "usual.",
        },
    [MSG_HISTORY_HEAD] =
        {
            [LANG_NB] = "Svarene dine så langt:",
            [LANG_SV] = "Dina svar hittills:",
            [LANG_EN] = "Your answers so far:",
        },
    [MSG_HISTORY_EMPTY] =
        {
            [LANG_NB] = "Du har ikke svart på noen spørsmål ennå. Svarene "
                        "dine dukker opp her etter hvert.",
            [LANG_SV] = "Du har inte svarat på några frågor än. Dina svar "
                        "dyker upp här efter hand.",
            [LANG_EN] = "You haven't answered any questions yet. Your "
                        "answers will show up here as you go.",
        },
    [MSG_LANGUAGE_SET] =
        {
            [LANG_NB] = "Fra nå av skriver jeg til deg på norsk.",
            [LANG_SV] = "Från och med nu skriver jag till dig på svenska.",
            [LANG_EN] = "From now on I'll write to you in English.",
        },
    [MSG_RETRACTED] =
        {
            [LANG_NB] = "Svaret ditt på «%s» er trukket tilbake og slettet.",
            [LANG_SV] = "Ditt svar på ”%s” har tagits tillbaka och raderats.",
            [LANG_EN] = "Your answer to “%s” has been taken back and "
                        "deleted.",
        },
    [MSG_NOTHING_TO_RETRACT] =
        {
            [LANG_NB] = "Det er ikke noe svar å trekke tilbake nå. Du kan "
                        "angre det siste svaret ditt, men bare før neste "
                        "samtale.",
            [LANG_SV] = "Det finns inget svar att ta tillbaka just nu. Du "
                        "kan ångra ditt senaste svar, men bara före nästa "
                        "samtal.",
            [LANG_EN] = "There's no answer to take back right now. You can "
                        "retract your latest answer, but only before your "
                        "next session.",
        },
    [MSG_SHARED] =
        {
            [LANG_NB] = "Nå kan din nærmeste leder lese svaret ditt på "
                        "«%s».",
            [LANG_SV] = "Nu kan din chef läsa ditt svar på ”%s”.",
            [LANG_EN] = "Your manager can now read your answer to “%s”.",
        },
    [MSG_NOTHING_TO_SHARE] =
        {
            [LANG_NB] = "Du har ikke noe svar å dele ennå.",
            [LANG_SV] = "Du har inget svar att dela än.",
            [LANG_EN] = "You don't have an answer to share yet.",
        },
    [MSG_UNKNOWN_USER] =
        {
            [LANG_NB] = "Hei! Du er ikke med i reflekt, så jeg har ingen "
                        "spørsmål til deg. Vil du være med, kan du snakke "
                        "med prosesskonsulenten din. Jeg har ikke lagret "
                        "noen personopplysninger om deg.",
            [LANG_SV] = "Hej! Du är inte med i reflekt, så jag har inga "
                        "frågor till dig. Vill du vara med kan du prata med "
                        "din processkonsult. Jag har inte sparat några "
                        "personuppgifter om dig.",
            [LANG_EN] = "Hi! You're not part of reflekt, so I have no "
                        "questions for you. If you'd like to join, have a "
                        "word with your process consultant. I haven't "
                        "stored any personal data about you.",
        },
    [MSG_BAD_SNOOZE] =
        {
            [LANG_NB] = "Det skjønte jeg ikke helt. Prøv for eksempel "
                        "`utsett 1 time`, `utsett i morgen` eller `utsett "
                        "mandag`.",
            [LANG_SV] =
                "Det förstod jag inte riktigt. Prova till exempel "
                "`skjut upp 1 timme`, `skjut upp i morgon` eller `skjut "
                "upp måndag`.",
            [LANG_EN] = "Sorry, I didn't quite get that. Try `snooze 1h`, "
                        "`snooze tomorrow` or `snooze monday`.",
        },
    [MSG_BAD_PAUSE] =
        {
            [LANG_NB] = "Den datoen skjønte jeg ikke. Prøv for eksempel "
                        "`pause 1.12.` eller `pause 2026-12-01` – eller bare "
                        "`pause` for å ta pause til du skriver `fortsett`.",
            [LANG_SV] = "Det datumet förstod jag inte. Prova till exempel "
                        "`paus 1/12` eller `paus 2026-12-01` – eller bara "
                        "`paus` för att pausa tills du skriver `fortsätt`.",
            [LANG_EN] = "Sorry, I didn't understand that date. Try `pause "
                        "1.12.` or `pause 2026-12-01` – or just `pause` to "
                        "take a break until you write `resume`.",
        },
    [MSG_PAUSE_PAST] =
        {
            [LANG_NB] = "Den datoen har allerede vært. Velg en dato fram i "
                        "tid.",
            [LANG_SV] = "Det datumet har redan varit. Välj ett datum längre "
                        "fram.",
            [LANG_EN] = "That date has already passed. Pick one in the "
                        "future.",
        },
    [MSG_BAD_LANGUAGE] =
        {
            [LANG_NB] = "Jeg kan norsk, svensk og engelsk. Skriv `språk "
                        "nb`, `språk sv` eller `språk en`.",
            [LANG_SV] = "Jag kan svenska, norska och engelska. Skriv `språk "
                        "sv`, `språk nb` eller `språk en`.",
            [LANG_EN] = "I speak Norwegian, Swedish and English. Write "
                        "`language nb`, `language sv` or `language en`.",
        },
    [MSG_BUTTON_SKIP] =
        {
            [LANG_NB] = "Hopp over",
            [LANG_SV] = "Hoppa över",
            [LANG_EN] = "Skip",
        },
    [MSG_BUTTON_SNOOZE] =
        {
            [LANG_NB] = "Utsett",
            [LANG_SV] = "Skjut upp",
            [LANG_EN] = "Snooze",
        },
    [MSG_ENCRYPTED] =
        {
            [LANG_NB] = "Jeg kan dessverre ikke lese krypterte meldinger. "
                        "Derfor har jeg åpnet en egen, ukryptert samtale med "
                        "deg – svar gjerne der.",
            [LANG_SV] = "Tyvärr kan jag inte läsa krypterade meddelanden. "
                        "Därför har jag öppnat en egen, okrypterad chatt med "
                        "dig – svara gärna där.",
            [LANG_EN] = "I'm sorry, I can't read encrypted messages. So I've "
                        "opened a separate, unencrypted chat with you – "
                        "please answer there.",
        },
    [MSG_RECALL] =
        {
            [LANG_NB] = "Sist skrev du: «%s» Hvordan gikk det – og hva la du "
                        "merke til?",
            [LANG_SV] = "Förra gången skrev du: ”%s” Hur gick det – och vad "
                        "lade du märke till?",
            [LANG_EN] = "Last time you wrote: “%s” How did it go – and what "
                        "did you notice?",
        },
    [MSG_QUOTED] =
        {
            [LANG_NB] = "«%s»",
            [LANG_SV] = "”%s”",
            [LANG_EN] = "“%s”",
        },
    [MSG_AGENDA_HEAD] =
        {
            [LANG_NB] = "Utfordringer til nettverksmøtet %s:",
            [LANG_SV] = "Utmaningar till nätverksträffen %s:",
            [LANG_EN] = "Challenges for the network group, %s:",
        },
    [MSG_AGENDA_ASK] =
        {
            [LANG_NB] = "Vil du at gruppen skal se utfordringen din på "
                        "agendaen før møtet? Skriv `del`, så kommer den med. "
                        "Ellers er det bare konsulenten som ser den.",
            [LANG_SV] = "Vill du att gruppen ska se din utmaning på "
                        "agendan före träffen? Skriv `dela`, så kommer den "
                        "med. Annars är det bara konsulten som ser den.",
            [LANG_EN] = "Would you like the group to see your challenge on "
                        "the agenda before you meet? Write `share` and it "
                        "goes on. Otherwise only your consultant sees it.",
        },
    [MSG_SHARED_GROUP] =
        {
            [LANG_NB] = "Takk! Utfordringen din kommer med på agendaen til "
                        "nettverksgruppen.",
            [LANG_SV] = "Tack! Din utmaning kommer med på "
                        "nätverksgruppens agenda.",
            [LANG_EN] = "Thank you! Your challenge will be on the network "
                        "group's agenda.",
        },
    [MSG_SETTLED_ANSWERED] =
        {
            [LANG_NB] = "✓ Besvart – takk!",
            [LANG_SV] = "✓ Besvarad – tack!",
            [LANG_EN] = "✓ Answered – thank you!",
        },
    [MSG_SETTLED_SKIPPED] =
        {
            [LANG_NB] = "⏭ Hoppet over",
            [LANG_SV] = "⏭ Överhoppad",
            [LANG_EN] = "⏭ Skipped",
        },
    [MSG_SETTLED_SNOOZED] =
        {
            [LANG_NB] = "⏰ Kommer igjen %s",
            [LANG_SV] = "⏰ Kommer igen %s",
            [LANG_EN] = "⏰ Coming back on %s",
        },
    [MSG_STAFF_HELP] =
        {
            [LANG_NB] = "*/reflekt* for konsulenter og ledere av ledere:\n"
                        "• `status` – lederne dine og hvordan de deltar\n"
                        "• `status NAVN` – én leder\n"
                        "• `cadence NAVN` – hvor ofte lederen får spørsmål\n"
                        "• `cadence NAVN REGEL` – endre det (nærmeste leder), "
                        "f.eks. `FREQ=WEEKLY;BYDAY=TU;BYHOUR=9`\n"
                        "• `nudge NAVN` – send et spørsmål nå (konsulent)\n"
                        "• `console` – en lenke til konsollen i nettleseren",
            [LANG_SV] = "*/reflekt* för konsulter och chefer:\n"
                        "• `status` – dina ledare och hur de deltar\n"
                        "• `status NAMN` – en ledare\n"
                        "• `cadence NAMN` – hur ofta ledaren får frågor\n"
                        "• `cadence NAMN REGEL` – ändra det (närmaste chef), "
                        "t.ex. `FREQ=WEEKLY;BYDAY=TU;BYHOUR=9`\n"
                        "• `nudge NAMN` – skicka en fråga nu (konsult)\n"
                        "• `console` – en länk till konsolen i webbläsaren",
            [LANG_EN] = "*/reflekt* for consultants and managers:\n"
                        "• `status` – your leaders and how they take part\n"
                        "• `status NAME` – one leader\n"
                        "• `cadence NAME` – how often the leader gets a "
                        "question\n"
                        "• `cadence NAME RULE` – change it (their manager), "
                        "e.g. `FREQ=WEEKLY;BYDAY=TU;BYHOUR=9`\n"
                        "• `nudge NAME` – send a question now (their "
                        "consultant)\n"
                        "• `console` – a link to the console in your browser",
        },
    [MSG_STAFF_BAD] =
        {
            [LANG_NB] = "Det skjønte jeg ikke. Prøv `/reflekt help`.",
            [LANG_SV] = "Det förstod jag inte. Prova `/reflekt help`.",
            [LANG_EN] = "I didn't catch that. Try `/reflekt help`.",
        },
    [MSG_STAFF_UNKNOWN] =
        {
            [LANG_NB] = "Jeg kjenner deg ikke ennå. Be den som drifter "
                        "reflekt om å koble kontoen din til deg: "
                        "`reflekt person link NAVN --platform %s "
                        "--user %s`.",
            [LANG_SV] = "Jag känner inte dig ännu. Be den som driftar "
                        "reflekt att koppla ditt konto till dig: "
                        "`reflekt person link NAMN --platform %s "
                        "--user %s`.",
            [LANG_EN] = "I don't know you yet. Ask whoever runs reflekt to "
                        "link your account to you: `reflekt person link NAME "
                        "--platform %s --user %s`.",
        },
    [MSG_STAFF_NOT_YOURS] =
        {
            [LANG_NB] = "Jeg finner ingen %s blant lederne dine.",
            [LANG_SV] = "Jag hittar ingen %s bland dina ledare.",
            [LANG_EN] = "I can't find %s among your leaders.",
        },
    [MSG_STAFF_MANAGER_ONLY] =
        {
            [LANG_NB] = "Det er lederens nærmeste leder som bestemmer hvor "
                        "ofte spørsmålene kommer.",
            [LANG_SV] = "Det är ledarens närmaste chef som bestämmer hur "
                        "ofta frågorna kommer.",
            [LANG_EN] = "Only the leader's manager sets how often the "
                        "questions come.",
        },
    [MSG_STAFF_CONSULTANT_ONLY] =
        {
            [LANG_NB] = "Det er lederens konsulent som kan sende et spørsmål "
                        "utenom tur.",
            [LANG_SV] = "Det är ledarens konsult som kan skicka en fråga "
                        "utanför tur.",
            [LANG_EN] = "Only the leader's consultant can send an extra "
                        "question.",
        },
    [MSG_STAFF_CADENCE_IS] =
        {
            [LANG_NB] = "%s får spørsmål etter regelen `%s`.",
            [LANG_SV] = "%s får frågor enligt regeln `%s`.",
            [LANG_EN] = "%s gets questions by the rule `%s`.",
        },
    [MSG_STAFF_CADENCE_SET] =
        {
            [LANG_NB] = "Greit! %s får nå spørsmål etter `%s`. %s",
            [LANG_SV] = "Klart! %s får nu frågor enligt `%s`. %s",
            [LANG_EN] = "Done! %s now gets questions by `%s`. %s",
        },
    [MSG_STAFF_BAD_CADENCE] =
        {
            [LANG_NB] = "Den regelen kan jeg ikke bruke: %s",
            [LANG_SV] = "Den regeln kan jag inte använda: %s",
            [LANG_EN] = "I can't use that rule: %s",
        },
    [MSG_STAFF_NUDGED] =
        {
            [LANG_NB] = "Et spørsmål er på vei til %s.",
            [LANG_SV] = "En fråga är på väg till %s.",
            [LANG_EN] = "A question is on its way to %s.",
        },
    [MSG_STAFF_STATUS_HEAD] =
        {
            [LANG_NB] = "Deltakelse de siste fire ukene:",
            [LANG_SV] = "Deltagande de senaste fyra veckorna:",
            [LANG_EN] = "Taking part over the last four weeks:",
        },
    [MSG_STAFF_STATUS_LINE] =
        {
            [LANG_NB] = "• *%s*: %s sendt, %s besvart, %s hoppet over",
            [LANG_SV] = "• *%s*: %s skickade, %s besvarade, %s överhoppade",
            [LANG_EN] = "• *%s*: %s sent, %s answered, %s skipped",
        },
    [MSG_STAFF_NEXT] =
        {
            [LANG_NB] = "Neste spørsmål %s.",
            [LANG_SV] = "Nästa fråga %s.",
            [LANG_EN] = "Next question on %s.",
        },
    [MSG_STAFF_NO_NEXT] =
        {
            [LANG_NB] = "Ingen spørsmål planlagt.",
            [LANG_SV] = "Inga frågor planerade.",
            [LANG_EN] = "No question planned.",
        },
    [MSG_STAFF_PAUSED] =
        {
            [LANG_NB] = "(har pause)",
            [LANG_SV] = "(har paus)",
            [LANG_EN] = "(paused)",
        },
    [MSG_STAFF_NONE] =
        {
            [LANG_NB] = "Du har ingen ledere i reflekt ennå.",
            [LANG_SV] = "Du har inga ledare i reflekt ännu.",
            [LANG_EN] = "You have no leaders in reflekt yet.",
        },
    [MSG_STAFF_CONSOLE] =
        {
            [LANG_NB] = "Her er lenken din til konsollen. Den virker én "
                        "gang, i 15 minutter:\n%s",
            [LANG_SV] = "Här är din länk till konsolen. Den fungerar en "
                        "gång, i 15 minuter:\n%s",
            [LANG_EN] = "Here is your link to the console. It works once, "
                        "for 15 minutes:\n%s",
        },
    [MSG_DIGEST_HEAD] =
        {
            [LANG_NB] = "*Før samtalen med %s %s*",
            [LANG_SV] = "*Inför samtalet med %s %s*",
            [LANG_EN] = "*Before your session with %s, %s*",
        },
    [MSG_DIGEST_COUNTS] =
        {
            [LANG_NB] = "Siden forrige samtale: %s besvart, %s hoppet over, "
                        "%s ubesvart.",
            [LANG_SV] = "Sedan förra samtalet: %s besvarade, %s överhoppade, "
                        "%s obesvarade.",
            [LANG_EN] = "Since the last session: %s answered, %s skipped, "
                        "%s missed.",
        },
    [MSG_DIGEST_COMMITMENT] =
        {
            [LANG_NB] = "Hadde tenkt å gjøre:",
            [LANG_SV] = "Tänkte göra:",
            [LANG_EN] = "Set out to do:",
        },
    [MSG_DIGEST_FOLLOWUP] =
        {
            [LANG_NB] = "Slik gikk det:",
            [LANG_SV] = "Så här gick det:",
            [LANG_EN] = "How it went:",
        },
    [MSG_DIGEST_NONE] =
        {
            [LANG_NB] = "Ingen svar siden forrige samtale – kanskje verdt et "
                        "spørsmål når dere møtes.",
            [LANG_SV] = "Inga svar sedan förra samtalet – kanske värt en "
                        "fråga när ni ses.",
            [LANG_EN] = "No answers since the last session – perhaps worth a "
                        "question when you meet.",
        },
    [MSG_DIGEST_MORE] =
        {
            [LANG_NB] = "Hele oversikten, klar til utskrift: %s",
            [LANG_SV] = "Hela översikten, klar att skriva ut: %s",
            [LANG_EN] = "The whole digest, ready to print: %s",
        },
    [MSG_STAFF_CONSOLE_OFF] =
        {
            [LANG_NB] = "Konsollen er ikke slått på her ennå. Be den som "
                        "drifter reflekt om å sette [http] listen og [web] "
                        "public_url.",
            [LANG_SV] = "Konsolen är inte påslagen här ännu. Be den som "
                        "driftar reflekt att ställa in [http] listen och "
                        "[web] public_url.",
            [LANG_EN] = "The console is not switched on here yet. Ask whoever "
                        "runs reflekt to set [http] listen and [web] "
                        "public_url.",
        },
};

/*
 * Designated initialisers cannot prove every slot is filled, but a table
 * without an explicit first dimension at least grows with its last entry:
 * forgetting the last message, or adding an id without text, fails here.
 */
_Static_assert(sizeof(msg_table) / sizeof(msg_table[0]) == MSG__COUNT,
               "msg_table needs one row per enum msg_id");

/* Returns: lang, or English for a value outside enum lang. */
static enum lang
msg_lang(enum lang lang)
{
    if ((int)lang < 0 || lang >= LANG__COUNT)
        return LANG_EN;
    return lang;
}

const char *
msg_get(enum msg_id id, enum lang lang)
{
    const char *s;

    if ((int)id < 0 || id >= MSG__COUNT)
        return "";
    s = msg_table[id][msg_lang(lang)];
    /* A hole in the table should never reach a leader as "(null)". */
    if (s == NULL)
        s = msg_table[id][LANG_EN];
    return s != NULL ? s : "";
}

static const char *const msg_weekdays[LANG__COUNT][7] = {
    [LANG_NB] = {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag",
                 "lørdag"},
    [LANG_SV] = {"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag",
                 "lördag"},
    [LANG_EN] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
                 "Friday", "Saturday"},
};

static const char *const msg_months[LANG__COUNT][12] = {
    [LANG_NB] = {"januar", "februar", "mars", "april", "mai", "juni", "juli",
                 "august", "september", "oktober", "november", "desember"},
    [LANG_SV] = {"januari", "februari", "mars", "april", "maj", "juni", "juli",
                 "augusti", "september", "oktober", "november", "december"},
    [LANG_EN] = {"January", "February", "March", "April", "May", "June", "July",
                 "August", "September", "October", "November", "December"},
};

/* Returns: the month's name, or "?" when tm_mon is out of range. */
static const char *
msg_month(enum lang lang, int mon)
{
    if (mon < 0 || mon > 11)
        return "?";
    return msg_months[lang][mon];
}

/* Returns: the weekday's name, or NULL when tm_wday is out of range. */
static const char *
msg_weekday(enum lang lang, int wday)
{
    if (wday < 0 || wday > 6)
        return NULL;
    return msg_weekdays[lang][wday];
}

void
msg_date(enum lang lang, const struct tm *tm, char *out, size_t outsz)
{
    const char *mon;

    if (out == NULL || outsz == 0)
        return;
    out[0] = '\0';
    if (tm == NULL)
        return;
    lang = msg_lang(lang);
    mon = msg_month(lang, tm->tm_mon);
    switch (lang) {
    case LANG_NB:
        snprintf(out, outsz, "%d. %s", tm->tm_mday, mon);
        break;
    case LANG_SV:
    case LANG_EN:
    default:
        snprintf(out, outsz, "%d %s", tm->tm_mday, mon);
        break;
    }
}

void
msg_when(enum lang lang, const struct tm *tm, char *out, size_t outsz)
{
    char date[64];
    const char *wday;
    const char *sep = " ";

    if (out == NULL || outsz == 0)
        return;
    out[0] = '\0';
    if (tm == NULL)
        return;
    lang = msg_lang(lang);
    msg_date(lang, tm, date, sizeof(date));
    wday = msg_weekday(lang, tm->tm_wday);
    if (wday == NULL)
        wday = sep = "";
    switch (lang) {
    case LANG_NB:
    case LANG_SV:
        snprintf(out, outsz, "%s%s%s kl. %02d.%02d", wday, sep, date,
                 tm->tm_hour, tm->tm_min);
        break;
    case LANG_EN:
    default:
        snprintf(out, outsz, "%s%s%s at %02d:%02d", wday, sep, date,
                 tm->tm_hour, tm->tm_min);
        break;
    }
}
