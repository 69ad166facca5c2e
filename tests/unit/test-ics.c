/*
 * test-ics.c - iCalendar text to coaching-session instances: UTC, TZID and
 * floating times, DST in Oslo, RRULE with COUNT, UNTIL and EXDATE,
 * RECURRENCE-ID overrides that move or cancel an instance, the file's own
 * VTIMEZONE before the system's, all-day events, the window, exports as
 * Outlook and Google write them, bad input and its messages, the
 * callback's stop, the instance UID, and rules that never end or would make
 * libical search for years.
 *
 * Expected times are literal epoch seconds computed outside reflekt
 * (Python zoneinfo); the comment next to each gives the local and UTC time.
 * Fixtures use CRLF and folded lines as real exports do.
 */
#include "ics.h"

#include "err.h"
#include "t.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define Y2027 1798761600 /* 2027-01-01 00:00Z */
#define Y2028 1830297600 /* 2028-01-01 00:00Z */

#define CAL_BEGIN                                                              \
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//reflekt//test-ics//EN\r\n"
#define CAL_END "END:VCALENDAR\r\n"

#define GOT_MAX 64

/* What the callback saw; every call counts, the first GOT_MAX are kept. */
static struct {
    struct ics_event ev[GOT_MAX];
    int n;
    int calls;
    int stop_at; /* return -42 on this call (1-based); 0: never */
} got;

static int
collect(const struct ics_event *ev, void *arg)
{
    (void)arg;
    got.calls++;
    if (got.stop_at > 0 && got.calls == got.stop_at)
        return -42;
    if (got.n < GOT_MAX)
        got.ev[got.n++] = *ev;
    return 0;
}

/* ics_parse() on a C string into `got`; *skipped and err as it left them. */
static int
parse(const char *text, const char *tz, int64_t from, int64_t to, int *skipped,
      char *err)
{
    memset(&got, 0, sizeof(got));
    err[0] = '\0';
    return ics_parse(text, strlen(text), tz, from, to, collect, NULL, skipped,
                     err);
}

/* The instance reported with this uid, or NULL (and a failed check). */
static const struct ics_event *
find(const char *uid)
{
    for (int i = 0; i < got.n; i++) {
        if (strcmp(got.ev[i].uid, uid) == 0)
            return &got.ev[i];
    }
    fprintf(stderr, "no instance \"%s\" among %d:\n", uid, got.n);
    for (int i = 0; i < got.n; i++)
        fprintf(stderr, "  %s %" PRId64 "\n", got.ev[i].uid, got.ev[i].start);
    t_failed_now = 1;
    return NULL;
}

/* Check one instance's times; the uid must be there. */
static void
expect(const char *uid, int64_t start, int64_t end, int cancelled)
{
    const struct ics_event *ev = find(uid);

    if (ev == NULL)
        return;
    T_EQ_INT(ev->start, start);
    T_EQ_INT(ev->end, end);
    T_EQ_INT(ev->cancelled, cancelled);
}

T_TEST(test_single_utc)
{
    static const char cal[] = CAL_BEGIN "BEGIN:VEVENT\r\n"
                                        "UID:single-1@example.com\r\n"
                                        "DTSTAMP:20270301T120000Z\r\n"
                                        "DTSTART:20270310T090000Z\r\n"
                                        "DTEND:20270310T100000Z\r\n"
                                        "SUMMARY:Coaching: Kari\r\n"
                                        "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "Europe/Oslo", Y2027, Y2028, &skipped, err), 1);
    T_EQ_INT(skipped, 0);
    T_EQ_STR(err, "");
    /* 2027-03-10 09:00Z - 10:00Z; not recurring: the UID as it is */
    expect("single-1@example.com", 1804669200, 1804672800, 0);
    T_EQ_STR(got.ev[0].summary, "Coaching: Kari");
}

T_TEST(test_oslo_dst)
{
    static const char cal[] =
        CAL_BEGIN "BEGIN:VEVENT\r\n"
                  "UID:oslo-spring\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270316T090000\r\n"
                  "DURATION:PT1H\r\n"
                  "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:oslo-autumn\r\n"
                  "DTSTART;TZID=Europe/Oslo:20271026T090000\r\n"
                  "DTEND;TZID=Europe/Oslo:20271026T093000\r\n"
                  "RRULE:FREQ=WEEKLY;COUNT=2\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 6);
    T_EQ_INT(skipped, 0);
    /* 09:00 local every time: 08:00Z in CET, 07:00Z from 28 March */
    expect("oslo-spring/20270316T080000Z", 1805184000, 1805187600, 0);
    expect("oslo-spring/20270323T080000Z", 1805788800, 1805792400, 0);
    expect("oslo-spring/20270330T070000Z", 1806390000, 1806393600, 0);
    expect("oslo-spring/20270406T070000Z", 1806994800, 1806998400, 0);
    /* and back on 31 October: 07:00Z, then 08:00Z */
    expect("oslo-autumn/20271026T070000Z", 1824534000, 1824535800, 0);
    expect("oslo-autumn/20271102T080000Z", 1825142400, 1825144200, 0);
}

T_TEST(test_count_and_exdate)
{
    static const char cal[] =
        CAL_BEGIN "BEGIN:VEVENT\r\n"
                  "UID:weekly-utc\r\n"
                  "DTSTART:20270201T100000Z\r\n"
                  "DTEND:20270201T110000Z\r\n"
                  "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
                  "EXDATE:20270215T100000Z\r\n"
                  /* 11:00 in Oslo in February is the 10:00Z instance */
                  "EXDATE;TZID=Europe/Oslo:20270222T110000\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 3);
    expect("weekly-utc/20270201T100000Z", 1801476000, 1801479600, 0);
    expect("weekly-utc/20270208T100000Z", 1802080800, 1802084400, 0);
    expect("weekly-utc/20270301T100000Z", 1803895200, 1803898800, 0);
    for (int i = 0; i < got.n; i++) {
        T_CHECK(got.ev[i].start != 1802685600); /* 15 February */
        T_CHECK(got.ev[i].start != 1803290400); /* 22 February */
    }
}

T_TEST(test_overrides)
{
    /* The moving override comes before its series, as some exports do. */
    static const char cal[] =
        CAL_BEGIN "BEGIN:VEVENT\r\n"
                  "UID:series-1\r\n"
                  "RECURRENCE-ID;TZID=Europe/Oslo:20270323T090000\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270323T140000\r\n"
                  "DTEND;TZID=Europe/Oslo:20270323T150000\r\n"
                  "SUMMARY:Moved 1:1\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:series-1\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270316T090000\r\n"
                  "DTEND;TZID=Europe/Oslo:20270316T100000\r\n"
                  "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
                  "SUMMARY:Weekly 1:1\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:series-1\r\n"
                  "RECURRENCE-ID;TZID=Europe/Oslo:20270330T090000\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270330T090000\r\n"
                  "DTEND;TZID=Europe/Oslo:20270330T100000\r\n"
                  "STATUS:CANCELLED\r\n"
                  "SUMMARY:Weekly 1:1\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;
    const struct ics_event *ev;

    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 4);
    T_EQ_INT(skipped, 0);
    expect("series-1/20270316T080000Z", 1805184000, 1805187600, 0);
    /* moved from 09:00 to 14:00 Oslo (13:00Z); the uid keeps 09:00 */
    expect("series-1/20270323T080000Z", 1805806800, 1805810400, 0);
    ev = find("series-1/20270323T080000Z");
    if (ev != NULL)
        T_EQ_STR(ev->summary, "Moved 1:1");
    /* the cancelled instance is reported, marked cancelled */
    expect("series-1/20270330T070000Z", 1806390000, 1806393600, 1);
    expect("series-1/20270406T070000Z", 1806994800, 1806998400, 0);
    ev = find("series-1/20270406T070000Z");
    if (ev != NULL)
        T_EQ_STR(ev->summary, "Weekly 1:1");
}

#define EU_RULES(from, to)                                                     \
    "BEGIN:DAYLIGHT\r\n"                                                       \
    "TZOFFSETFROM:" from "\r\n"                                                \
    "TZOFFSETTO:" to "\r\n"                                                    \
    "DTSTART:19700329T020000\r\n"                                              \
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"                               \
    "END:DAYLIGHT\r\n"                                                         \
    "BEGIN:STANDARD\r\n"                                                       \
    "TZOFFSETFROM:" to "\r\n"                                                  \
    "TZOFFSETTO:" from "\r\n"                                                  \
    "DTSTART:19701025T030000\r\n"                                              \
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"                              \
    "END:STANDARD\r\n"

T_TEST(test_own_vtimezone)
{
    static const char custom[] = CAL_BEGIN
        "BEGIN:VTIMEZONE\r\n"
        "TZID:Custom Oslo\r\n" EU_RULES(
            "+0100", "+0200") "END:VTIMEZONE\r\n"
                              "BEGIN:VEVENT\r\n"
                              "UID:custom-zone\r\n"
                              "DTSTART;TZID=Custom Oslo:20270323T090000\r\n"
                              "RRULE:FREQ=WEEKLY;COUNT=3\r\n"
                              "END:VEVENT\r\n" CAL_END;
    /* A file may define a known name its own way: its definition wins. */
    static const char fixed[] =
        CAL_BEGIN "BEGIN:VTIMEZONE\r\n"
                  "TZID:Europe/Oslo\r\n"
                  "BEGIN:STANDARD\r\n"
                  "TZOFFSETFROM:+0300\r\n"
                  "TZOFFSETTO:+0300\r\n"
                  "DTSTART:19700101T000000\r\n"
                  "END:STANDARD\r\n"
                  "END:VTIMEZONE\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:fixed-zone\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270330T090000\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(custom, "America/New_York", Y2027, Y2028, &skipped, err), 3);
    T_EQ_STR(err, "");
    /* 09:00 local: 08:00Z, then 07:00Z after 28 March */
    expect("custom-zone/20270323T080000Z", 1805788800, 1805788800, 0);
    expect("custom-zone/20270330T070000Z", 1806390000, 1806390000, 0);
    expect("custom-zone/20270406T070000Z", 1806994800, 1806994800, 0);

    T_EQ_INT(parse(fixed, "UTC", Y2027, Y2028, &skipped, err), 1);
    /* 2027-03-30 09:00 at +03:00 is 06:00Z, not the system zone's 07:00Z */
    expect("fixed-zone", 1806386400, 1806386400, 0);
}

T_TEST(test_floating_and_unknown_zones)
{
    static const char cal[] =
        CAL_BEGIN "BEGIN:VEVENT\r\n"
                  "UID:floating\r\n"
                  "DTSTART:20270701T090000\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:windows-name\r\n"
                  "DTSTART;TZID=W. Europe Standard Time:20270701T090000\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:path\r\n"
                  "DTSTART;TZID=../../../../etc/passwd:20270701T090000\r\n"
                  "END:VEVENT\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:system-zone\r\n"
                  "DTSTART;TZID=Europe/Oslo:20270701T090000\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    /* floating and unknown names: 09:00 in New York is 13:00Z */
    T_EQ_INT(parse(cal, "America/New_York", Y2027, Y2028, &skipped, err), 4);
    expect("floating", 1814446800, 1814446800, 0);
    expect("windows-name", 1814446800, 1814446800, 0);
    expect("path", 1814446800, 1814446800, 0);
    /* a known name without VTIMEZONE: the system zone, 07:00Z */
    expect("system-zone", 1814425200, 1814425200, 0);

    /* 09:00 in Oslo is 07:00Z */
    T_EQ_INT(parse(cal, "Europe/Oslo", Y2027, Y2028, &skipped, err), 4);
    expect("floating", 1814425200, 1814425200, 0);
    /* no default zone: UTC */
    T_EQ_INT(parse(cal, NULL, Y2027, Y2028, &skipped, err), 4);
    expect("floating", 1814432400, 1814432400, 0);
}

T_TEST(test_all_day_skipped)
{
    static const char cal[] = CAL_BEGIN "BEGIN:VEVENT\r\n"
                                        "UID:holiday\r\n"
                                        "DTSTART;VALUE=DATE:20270517\r\n"
                                        "DTEND;VALUE=DATE:20270518\r\n"
                                        "END:VEVENT\r\n"
                                        "BEGIN:VEVENT\r\n"
                                        "UID:birthday\r\n"
                                        "DTSTART;VALUE=DATE:20270301\r\n"
                                        "RRULE:FREQ=YEARLY\r\n"
                                        "END:VEVENT\r\n"
                                        "BEGIN:VEVENT\r\n"
                                        "UID:timed\r\n"
                                        "DTSTART:20270517T090000Z\r\n"
                                        "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "Europe/Oslo", Y2027, Y2028, &skipped, err), 1);
    T_EQ_INT(skipped, 2);
    T_EQ_STR(got.ev[0].uid, "timed");
    /* skipped may be NULL */
    T_EQ_INT(ics_parse(cal, strlen(cal), "UTC", Y2027, Y2028, NULL, NULL, NULL,
                       NULL),
             1);
}

T_TEST(test_window)
{
    static const char cal[] = CAL_BEGIN "BEGIN:VEVENT\r\n"
                                        "UID:daily\r\n"
                                        "DTSTART:20270101T090000Z\r\n"
                                        "RRULE:FREQ=DAILY;COUNT=10\r\n"
                                        "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    /* [3 Jan 09:00Z, 6 Jan 09:00Z): from is in, to is out */
    T_EQ_INT(parse(cal, "UTC", 1798966800, 1799226000, &skipped, err), 3);
    expect("daily/20270103T090000Z", 1798966800, 1798966800, 0);
    expect("daily/20270104T090000Z", 1799053200, 1799053200, 0);
    expect("daily/20270105T090000Z", 1799139600, 1799139600, 0);
    /* an empty or reversed window reports nothing */
    T_EQ_INT(parse(cal, "UTC", 1799226000, 1799226000, &skipped, err), 0);
    T_EQ_INT(parse(cal, "UTC", Y2028, Y2027, &skipped, err), 0);
    T_EQ_INT(got.calls, 0);
}

#define OUTLOOK_UID                                                            \
    "040000008200E00074C5B7101A82E00800000000D0A5F3B2C13BDB01000000000000000"  \
    "010000000A1B2C3D4E5F60718293A4B5C6D7E8F90"

T_TEST(test_outlook_export)
{
    static const char cal[] =
        "BEGIN:VCALENDAR\r\n"
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
        "VERSION:2.0\r\n"
        "METHOD:PUBLISH\r\n"
        "X-MS-OLK-FORCEINSPECTOROPEN:TRUE\r\n"
        "BEGIN:VTIMEZONE\r\n"
        "TZID:W. Europe Standard Time\r\n"
        "BEGIN:STANDARD\r\n"
        "DTSTART:16011028T030000\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
        "TZOFFSETFROM:+0200\r\n"
        "TZOFFSETTO:+0100\r\n"
        "END:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\n"
        "DTSTART:16010325T020000\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
        "TZOFFSETFROM:+0100\r\n"
        "TZOFFSETTO:+0200\r\n"
        "END:DAYLIGHT\r\n"
        "END:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\n"
        "CLASS:PUBLIC\r\n"
        "CREATED:20270301T101010Z\r\n"
        "DESCRIPTION:Goals\\, blockers and the next step.\\n\\nJoin Microsoft "
        "Tea\r\n ms meeting: https://teams.microsoft.com/l/meetup-join/19%3a"
        "meeti\r\n ng_abc\r\n"
        "DTEND;TZID=W. Europe Standard Time:20270316T100000\r\n"
        "DTSTAMP:20270301T101010Z\r\n"
        "DTSTART;TZID=W. Europe Standard Time:20270316T090000\r\n"
        "EXDATE;TZID=W. Europe Standard Time:20270406T090000\r\n"
        "LAST-MODIFIED:20270301T101010Z\r\n"
        "LOCATION:Microsoft Teams Meeting\r\n"
        "PRIORITY:5\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=TU\r\n"
        "SEQUENCE:0\r\n"
        "SUMMARY;LANGUAGE=nb-NO:Coaching Ola\r\n"
        "TRANSP:OPAQUE\r\n"
        "UID:" OUTLOOK_UID "\r\n"
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
        "X-MICROSOFT-CDO-IMPORTANCE:1\r\n"
        "X-MICROSOFT-DISALLOW-COUNTER:FALSE\r\n"
        "BEGIN:VALARM\r\n"
        "TRIGGER:-PT15M\r\n"
        "ACTION:DISPLAY\r\n"
        "DESCRIPTION:Reminder\r\n"
        "END:VALARM\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\n"
        "CLASS:PUBLIC\r\n"
        "DTEND;TZID=W. Europe Standard Time:20270330T110000\r\n"
        "DTSTAMP:20270301T101010Z\r\n"
        "DTSTART;TZID=W. Europe Standard Time:20270330T100000\r\n"
        "RECURRENCE-ID;TZID=W. Europe Standard Time:20270330T090000\r\n"
        "SEQUENCE:1\r\n"
        "SUMMARY;LANGUAGE=nb-NO:Coaching Ola (moved)\r\n"
        "UID:" OUTLOOK_UID "\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n";
    char err[ERR_BUFSZ];
    int skipped = -1;
    const struct ics_event *ev;

    T_EQ_INT(parse(cal, "America/New_York", Y2027, Y2028, &skipped, err), 4);
    T_EQ_INT(skipped, 0);
    /* Tuesdays 09:00-10:00 in the file's zone, across 28 March */
    expect(OUTLOOK_UID "/20270316T080000Z", 1805184000, 1805187600, 0);
    expect(OUTLOOK_UID "/20270323T080000Z", 1805788800, 1805792400, 0);
    /* 30 March moved to 10:00 CEST (08:00Z) */
    expect(OUTLOOK_UID "/20270330T070000Z", 1806393600, 1806397200, 0);
    ev = find(OUTLOOK_UID "/20270330T070000Z");
    if (ev != NULL)
        T_EQ_STR(ev->summary, "Coaching Ola (moved)");
    /* 6 April excluded; 13 April is the fifth */
    expect(OUTLOOK_UID "/20270413T070000Z", 1807599600, 1807603200, 0);
}

T_TEST(test_google_export)
{
    static const char cal[] =
        "BEGIN:VCALENDAR\r\n"
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "VERSION:2.0\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "X-WR-CALNAME:kari@example.com\r\n"
        "X-WR-TIMEZONE:Europe/Oslo\r\n"
        "BEGIN:VTIMEZONE\r\n"
        "TZID:Europe/Oslo\r\n"
        "X-LIC-LOCATION:Europe/Oslo\r\n" EU_RULES(
            "+0100",
            "+0200") "END:VTIMEZONE\r\n"
                     "BEGIN:VEVENT\r\n"
                     "DTSTART;TZID=Europe/Oslo:20270316T090000\r\n"
                     "DTEND;TZID=Europe/Oslo:20270316T094500\r\n"
                     "RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20270330T070000Z;BYDAY="
                     "TU\r\n"
                     "EXDATE;TZID=Europe/Oslo:20270323T090000\r\n"
                     "DTSTAMP:20270301T090000Z\r\n"
                     "ORGANIZER;CN=Kari Nordmann:mailto:kari@example.com\r\n"
                     "UID:7kukuqrfedlm2f9t0vr42q2ti9@google.com\r\n"
                     "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT="
                     "ACCEPTED;"
                     "CN=Ola Norm\r\n "
                     "ann;X-NUM-GUESTS=0:mailto:ola@example.com\r\n"
                     "CREATED:20270301T085959Z\r\n"
                     "DESCRIPTION:Fortsettelse fra sist \xe2\x80\x93 "
                     "m\xc3\xa5l\\, "
                     "hindringer og neste\r\n  steg.\\nAgenda i dokumentet.\r\n"
                     "LAST-MODIFIED:20270301T090000Z\r\n"
                     "LOCATION:\r\n"
                     "SEQUENCE:0\r\n"
                     "STATUS:CONFIRMED\r\n"
                     "SUMMARY:1:1 Ola \xe2\x80\x93 coaching\r\n"
                     "TRANSP:OPAQUE\r\n"
                     "END:VEVENT\r\n"
                     "BEGIN:VEVENT\r\n"
                     "DTSTART;TZID=Europe/Oslo:20270330T090000\r\n"
                     "DTEND;TZID=Europe/Oslo:20270330T094500\r\n"
                     "DTSTAMP:20270301T090000Z\r\n"
                     "UID:7kukuqrfedlm2f9t0vr42q2ti9@google.com\r\n"
                     "RECURRENCE-ID;TZID=Europe/Oslo:20270330T090000\r\n"
                     "SEQUENCE:1\r\n"
                     "STATUS:CANCELLED\r\n"
                     "SUMMARY:1:1 Ola \xe2\x80\x93 coaching\r\n"
                     "END:VEVENT\r\n"
                     "BEGIN:VEVENT\r\n"
                     "DTSTART:20270615T070000Z\r\n"
                     "DTEND:20270615T080000Z\r\n"
                     "DTSTAMP:20270301T090000Z\r\n"
                     "UID:0abc123def456@google.com\r\n"
                     "SUMMARY:Oppf\xc3\xb8lging\r\n"
                     "END:VEVENT\r\n"
                     "END:VCALENDAR\r\n";
    char err[ERR_BUFSZ];
    int skipped = -1;
    const struct ics_event *ev;

    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 3);
    T_EQ_INT(skipped, 0);
    expect("7kukuqrfedlm2f9t0vr42q2ti9@google.com/20270316T080000Z", 1805184000,
           1805186700, 0);
    ev = find("7kukuqrfedlm2f9t0vr42q2ti9@google.com/20270316T080000Z");
    if (ev != NULL)
        T_EQ_STR(ev->summary, "1:1 Ola \xe2\x80\x93 coaching");
    /* 23 March excluded; 30 March at 07:00Z is exactly UNTIL, so in, and
     * cancelled by its override */
    expect("7kukuqrfedlm2f9t0vr42q2ti9@google.com/20270330T070000Z", 1806390000,
           1806392700, 1);
    /* 2027-06-15 07:00Z (09:00 in Oslo) */
    expect("0abc123def456@google.com", 1813042800, 1813046400, 0);
}

T_TEST(test_bad_input)
{
    static const char png[] = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    static const char nul[] = CAL_BEGIN "SUMMARY:a\0b\r\n" CAL_END;
    char err[ERR_BUFSZ];
    char *big;
    size_t bigsz = (size_t)2 << 20;
    int skipped = -1;

    T_EQ_INT(parse("hello world\n", "UTC", Y2027, Y2028, &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
    T_EQ_INT(parse("", "UTC", Y2027, Y2028, &skipped, err), ERR_INVAL);
    T_EQ_STR(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
    err[0] = '\0';
    T_EQ_INT(ics_parse(NULL, 0, "UTC", Y2027, Y2028, collect, NULL, NULL, err),
             ERR_INVAL);
    T_EQ_STR(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
    err[0] = '\0';
    T_EQ_INT(ics_parse(png, 8, "UTC", Y2027, Y2028, collect, NULL, NULL, err),
             ERR_INVAL);
    T_EQ_STR(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
    err[0] = '\0';
    T_EQ_INT(ics_parse(nul, sizeof(nul) - 1, "UTC", Y2027, Y2028, collect, NULL,
                       NULL, err),
             ERR_INVAL);
    T_EQ_STR(err, "the calendar holds a NUL byte");

    /* 2 MiB: a real calendar, then folded padding */
    big = malloc(bigsz);
    T_CHECK(big != NULL);
    if (big != NULL) {
        memset(big, ' ', bigsz);
        memcpy(big, CAL_BEGIN, strlen(CAL_BEGIN));
        memcpy(big + bigsz - strlen(CAL_END), CAL_END, strlen(CAL_END));
        err[0] = '\0';
        T_EQ_INT(ics_parse(big, bigsz, "UTC", Y2027, Y2028, collect, NULL, NULL,
                           err),
                 ERR_INVAL);
        T_EQ_STR(err, "the calendar is too large (over 1 MiB)");
        free(big);
    }

    T_EQ_INT(parse(CAL_BEGIN "SUMMARY:caf\xe9\r\n" CAL_END, "UTC", Y2027, Y2028,
                   &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "line 4: not valid UTF-8");
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:VEVENT\r\nBEGIN:VALARM\r\nEND:VEVENT\r\n"
                             "END:VCALENDAR\r\n",
                   "UTC", Y2027, Y2028, &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "line 6: END:VEVENT does not close BEGIN:VALARM (line 5)");
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:VEVENT\r\nUID:cut\r\nDTSTART:2027", "UTC",
                   Y2027, Y2028, &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "line 4: BEGIN:VEVENT is never closed");
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:A\r\nBEGIN:B\r\nBEGIN:C\r\nBEGIN:D\r\n"
                             "BEGIN:E\r\nBEGIN:F\r\nBEGIN:G\r\nBEGIN:H\r\n",
                   "UTC", Y2027, Y2028, &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "line 11: components nested more than 8 deep");
    T_EQ_INT(parse("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n" CAL_BEGIN CAL_END,
                   "UTC", Y2027, Y2028, &skipped, err),
             ERR_INVAL);
    T_EQ_STR(err, "line 1: BEGIN:VEVENT outside BEGIN:VCALENDAR");
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:\r\nEND:\r\n" CAL_END, "UTC", Y2027, Y2028,
                   &skipped, err),
             ERR_INVAL);
    T_CONTAINS(err, "line 4: a BEGIN or END line without a component name");
    T_EQ_INT(
        parse(CAL_BEGIN CAL_END, "Mars/Olympus", Y2027, Y2028, &skipped, err),
        ERR_INVAL);
    T_EQ_STR(err, "unknown time zone \"Mars/Olympus\"");
    T_EQ_INT(got.calls, 0);

    /* RECUR values cost libical 2.8 KB each: 4096 lines at most */
    bigsz = 256 * 1024;
    big = malloc(bigsz);
    T_CHECK(big != NULL);
    if (big != NULL) {
        size_t n = 0;

        n += (size_t)snprintf(big + n, bigsz - n,
                              CAL_BEGIN "BEGIN:VEVENT\r\nUID:r\r\n"
                                        "DTSTART:20270101T090000Z\r\n");
        for (int i = 0; i < 4096; i++)
            n += (size_t)snprintf(big + n, bigsz - n,
                                  "RRULE:FREQ=DAILY;COUNT=1\r\n");
        snprintf(big + n, bigsz - n, "END:VEVENT\r\n" CAL_END);
        T_EQ_INT(parse(big, "UTC", Y2027, Y2028, &skipped, err), 1);
        /* the 4097th, here another property made a RECUR, is refused */
        snprintf(big + n, bigsz - n,
                 "X-RULE;VALUE=RECUR:FREQ=DAILY\r\nEND:VEVENT\r\n" CAL_END);
        T_EQ_INT(parse(big, "UTC", Y2027, Y2028, &skipped, err), ERR_INVAL);
        T_EQ_STR(err, "line 4103: more than 4096 recurrence rules");
        free(big);
    }

    /* err may be NULL */
    T_EQ_INT(ics_parse("x", 1, "UTC", 0, 1, NULL, NULL, NULL, NULL), ERR_INVAL);
    /* an empty calendar is no error */
    T_EQ_INT(parse(CAL_BEGIN CAL_END, "UTC", Y2027, Y2028, &skipped, err), 0);
    T_EQ_STR(err, "");
}

T_TEST(test_callback_stops)
{
    static const char cal[] = CAL_BEGIN "BEGIN:VEVENT\r\n"
                                        "UID:daily\r\n"
                                        "DTSTART:20270101T090000Z\r\n"
                                        "RRULE:FREQ=DAILY;COUNT=10\r\n"
                                        "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ] = "";
    int skipped = -1;

    memset(&got, 0, sizeof(got));
    got.stop_at = 3;
    T_EQ_INT(ics_parse(cal, strlen(cal), "UTC", Y2027, Y2028, collect, NULL,
                       &skipped, err),
             -42);
    T_EQ_INT(got.calls, 3);
    T_EQ_STR(err, "");
}

/* A UID of n characters "uuu...". */
static void
uid_of(char *out, size_t n)
{
    memset(out, 'u', n);
    out[n] = '\0';
}

T_TEST(test_instance_uids)
{
    char cal[2048], uid[300], want[320], err[ERR_BUFSZ];
    int skipped = -1;
    /* recurring: the suffix is 17 bytes, so 238 fit and 239 do not */
    static const char series[] = CAL_BEGIN "BEGIN:VEVENT\r\nUID:%s\r\n"
                                           "DTSTART:20270101T090000Z\r\n"
                                           "RRULE:FREQ=DAILY;COUNT=1\r\n"
                                           "END:VEVENT\r\n" CAL_END;
    static const char single[] = CAL_BEGIN "BEGIN:VEVENT\r\nUID:%s\r\n"
                                           "DTSTART:20270101T090000Z\r\n"
                                           "END:VEVENT\r\n" CAL_END;

    uid_of(uid, 238);
    snprintf(cal, sizeof(cal), series, uid);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 1);
    T_EQ_INT(skipped, 0);
    snprintf(want, sizeof(want), "%s/20270101T090000Z", uid);
    T_EQ_STR(got.ev[0].uid, want);
    T_EQ_INT(strlen(got.ev[0].uid), ICS_UID_MAX - 1);
    uid_of(uid, 239);
    snprintf(cal, sizeof(cal), series, uid);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 0);
    T_EQ_INT(skipped, 1);

    uid_of(uid, 255);
    snprintf(cal, sizeof(cal), single, uid);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 1);
    T_EQ_STR(got.ev[0].uid, uid);
    uid_of(uid, 256);
    snprintf(cal, sizeof(cal), single, uid);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 0);
    T_EQ_INT(skipped, 1);

    /* no UID, or one with a control character (an escaped newline) */
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:VEVENT\r\nDTSTART:20270101T090000Z\r\n"
                             "END:VEVENT\r\n"
                             "BEGIN:VEVENT\r\nUID:a\\nb\r\n"
                             "DTSTART:20270101T090000Z\r\nEND:VEVENT\r\n"
                             "BEGIN:VEVENT\r\nUID:ok\r\n"
                             "DTSTART:20270101T090000Z\r\nEND:VEVENT\r\n"
                             "BEGIN:VEVENT\r\nUID:no-start\r\n"
                             "SUMMARY:x\r\nEND:VEVENT\r\n" CAL_END,
                   "UTC", Y2027, Y2028, &skipped, err),
             1);
    T_EQ_INT(skipped, 3);
    T_EQ_STR(got.ev[0].uid, "ok");
}

T_TEST(test_summary)
{
    char cal[1024], long_summary[400], err[ERR_BUFSZ];
    int skipped = -1;
    size_t n;

    /* escaped newline and tab become spaces; escapes are undone */
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:VEVENT\r\nUID:s\r\n"
                             "DTSTART:20270101T090000Z\r\n"
                             "SUMMARY:Ola\\nKari\\, and \\;me\r\n"
                             "END:VEVENT\r\n" CAL_END,
                   "UTC", Y2027, Y2028, &skipped, err),
             1);
    T_EQ_STR(got.ev[0].summary, "Ola Kari, and ;me");
    /* "å" is two bytes: 300 bytes of it are cut at a character boundary */
    for (n = 0; n < 300; n += 2)
        memcpy(long_summary + n, "\xc3\xa5", 2);
    long_summary[n] = '\0';
    snprintf(cal, sizeof(cal),
             CAL_BEGIN "BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20270101T090000Z\r\n"
                       "SUMMARY:%s\r\nEND:VEVENT\r\n" CAL_END,
             long_summary);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 1);
    n = strlen(got.ev[0].summary);
    T_EQ_INT(n, ICS_SUMMARY_MAX - 2);
    T_CHECK((unsigned char)got.ev[0].summary[n - 2] == 0xc3);
    /* no SUMMARY: "" */
    T_EQ_INT(parse(CAL_BEGIN
                   "BEGIN:VEVENT\r\nUID:s\r\n"
                   "DTSTART:20270101T090000Z\r\nEND:VEVENT\r\n" CAL_END,
                   "UTC", Y2027, Y2028, &skipped, err),
             1);
    T_EQ_STR(got.ev[0].summary, "");
}

T_TEST(test_unbounded_daily)
{
    static const char cal[] = CAL_BEGIN "BEGIN:VEVENT\r\n"
                                        "UID:forever\r\n"
                                        "DTSTART:20270101T090000Z\r\n"
                                        "RRULE:FREQ=DAILY\r\n"
                                        "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    /* bounded by to: January has 31 days */
    T_EQ_INT(parse(cal, "UTC", Y2027, 1801440000, &skipped, err), 31);
    expect("forever/20270131T090000Z", 1801386000, 1801386000, 0);
    /* ten years: the cap of 2000 */
    T_EQ_INT(parse(cal, "UTC", Y2027, 2114380800, &skipped, err),
             ICS_MAX_INSTANCES);
    T_EQ_INT(got.calls, ICS_MAX_INSTANCES);
    /* a daily series begun in 2010 stops at its 5000th instance in 2023:
     * nothing in 2027, and it is counted as cut */
    T_EQ_INT(parse(CAL_BEGIN "BEGIN:VEVENT\r\nUID:old\r\n"
                             "DTSTART:20100101T090000Z\r\n"
                             "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\n" CAL_END,
                   "UTC", Y2027, Y2028, &skipped, err),
             0);
    T_EQ_INT(skipped, 1);
    T_EQ_STR(err, "");
    /* no callback: counted all the same */
    T_EQ_INT(ics_parse(cal, strlen(cal), "UTC", Y2027, 2114380800, NULL, NULL,
                       NULL, NULL),
             ICS_MAX_INSTANCES);
}

T_TEST(test_rules_libical_cannot_bound)
{
    /* Each of these would keep libical 3.0 searching for up to seconds, or
     * without end; they are skipped before libical sees them. */
    static const char *const bad[] = {
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO",
        "FREQ=MONTHLY;BYMONTH=2;BYDAY=5MO",
        "FREQ=DAILY;BYDAY=1MO",
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=1FR;BYMONTHDAY=20",
    };
    char cal[8192], err[ERR_BUFSZ];
    size_t n = 0;
    int skipped = -1;

    n += (size_t)snprintf(cal + n, sizeof(cal) - n, CAL_BEGIN);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        n += (size_t)snprintf(cal + n, sizeof(cal) - n,
                              "BEGIN:VEVENT\r\nUID:bad-%zu\r\n"
                              "DTSTART:20270105T090000Z\r\nRRULE:%s\r\n"
                              "END:VEVENT\r\n",
                              i, bad[i]);
    /* rules of the same families that do have instances */
    snprintf(cal + n, sizeof(cal) - n,
             "BEGIN:VEVENT\r\nUID:second-tuesday\r\n"
             "DTSTART:20270112T090000Z\r\n"
             "RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=3\r\nEND:VEVENT\r\n"
             "BEGIN:VEVENT\r\nUID:friday-13th\r\n"
             "DTSTART:20270101T090000Z\r\n"
             "RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=2\r\n"
             "END:VEVENT\r\n" CAL_END);
    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 5);
    T_EQ_INT(skipped, (int)(sizeof(bad) / sizeof(bad[0])));
    expect("second-tuesday/20270112T090000Z", 1799744400, 1799744400, 0);
    expect("second-tuesday/20270209T090000Z", 1802163600, 1802163600, 0);
    expect("second-tuesday/20270309T090000Z", 1804582800, 1804582800, 0);
    /* DTSTART is always the first instance; then 13 August 2027 */
    expect("friday-13th/20270101T090000Z", 1798794000, 1798794000, 0);
    expect("friday-13th/20270813T090000Z", 1818147600, 1818147600, 0);
}

T_TEST(test_hostile_vtimezone)
{
    /* A minutely observance would make libical compute millions of zone
     * changes; the zone is refused and the default zone used. */
    static const char cal[] =
        CAL_BEGIN "BEGIN:VTIMEZONE\r\n"
                  "TZID:Hostile\r\n"
                  "BEGIN:DAYLIGHT\r\n"
                  "TZOFFSETFROM:+0100\r\n"
                  "TZOFFSETTO:+0200\r\n"
                  "DTSTART:19700329T020000\r\n"
                  "RRULE:FREQ=MINUTELY\r\n"
                  "END:DAYLIGHT\r\n"
                  "END:VTIMEZONE\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:hostile-zone\r\n"
                  "DTSTART;TZID=Hostile:20270701T090000\r\n"
                  "END:VEVENT\r\n" CAL_END;
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "Europe/Oslo", Y2027, Y2028, &skipped, err), 1);
    /* 09:00 in Oslo in July: 07:00Z */
    expect("hostile-zone", 1814425200, 1814425200, 0);
}

T_TEST(test_rdate_orphans_and_several_calendars)
{
    /* Text around the calendars (a MIME header, a BOM) is ignored. */
    static const char cal[] =
        "\xef\xbb\xbf"
        "Content-Type: text/calendar\r\n\r\n" CAL_BEGIN "BEGIN:VEVENT\r\n"
        "UID:rdate-1\r\n"
        "DTSTART:20270505T090000Z\r\n"
        "DURATION:PT1H\r\n"
        "RDATE;VALUE=PERIOD:20270505T130000Z/20270505T143000Z\r\n"
        "END:VEVENT\r\n"
        /* an instance of a series that is not in the file */
        "BEGIN:VEVENT\r\n"
        "UID:orphan-1\r\n"
        "RECURRENCE-ID:20270505T090000Z\r\n"
        "DTSTART:20270506T090000Z\r\n"
        "DTEND:20270506T093000Z\r\n"
        "END:VEVENT\r\n" CAL_END CAL_BEGIN "BEGIN:VEVENT\r\n"
        "UID:second-calendar\r\n"
        "DTSTART:20270901T090000Z\r\n"
        "END:VEVENT\r\n" CAL_END "\r\n";
    char err[ERR_BUFSZ];
    int skipped = -1;

    T_EQ_INT(parse(cal, "UTC", Y2027, Y2028, &skipped, err), 4);
    T_EQ_STR(err, "");
    expect("rdate-1/20270505T090000Z", 1809507600, 1809511200, 0);
    expect("rdate-1/20270505T130000Z", 1809522000, 1809527400, 0);
    expect("orphan-1/20270505T090000Z", 1809594000, 1809595800, 0);
    expect("second-calendar", 1819789200, 1819789200, 0);
}

T_MAIN(T_CASE(test_single_utc), T_CASE(test_oslo_dst),
       T_CASE(test_count_and_exdate), T_CASE(test_overrides),
       T_CASE(test_own_vtimezone), T_CASE(test_floating_and_unknown_zones),
       T_CASE(test_all_day_skipped), T_CASE(test_window),
       T_CASE(test_outlook_export), T_CASE(test_google_export),
       T_CASE(test_bad_input), T_CASE(test_callback_stops),
       T_CASE(test_instance_uids), T_CASE(test_summary),
       T_CASE(test_unbounded_daily), T_CASE(test_rules_libical_cannot_bound),
       T_CASE(test_hostile_vtimezone),
       T_CASE(test_rdate_orphans_and_several_calendars))
