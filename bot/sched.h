/*
 * sched.h - when the next question is due: pure calendar arithmetic.
 *
 * A leader's cadence is an iCalendar RRULE anchored at a local start date in
 * the leader's IANA time zone (libical, system tzdata), so DST keeps the
 * local hour.  An occurrence that falls on a non-working day or a public
 * holiday moves to the next working day at the same local time; one outside
 * working hours moves to the next start of working hours.  Occurrences
 * inside the leader's pause or the organisation's summer pause are dropped,
 * not moved: a three-week pause must not end in a pile of questions.  A
 * weekly cap (per local ISO week) drops occurrences once reached.
 *
 * Nothing here reads the clock or the database: the caller passes the time
 * and a callback that counts questions already planned in a week.
 */
#ifndef REFLEKT_SCHED_H
#define REFLEKT_SCHED_H

#include "holiday.h"

#include <stdint.h>
#include <time.h>

struct sched_rule {
    const char *cadence; /* RRULE, e.g. "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9" */
    const char *dtstart; /* local "YYYY-MM-DD" the rule starts from */
    const char *tz;      /* IANA zone, e.g. "Europe/Oslo" */
    int work_from;       /* minutes after local midnight, e.g. 8 * 60 */
    int work_to;         /* exclusive, e.g. 17 * 60 */
    unsigned work_days;  /* bit 1 = Monday .. bit 7 = Sunday */
    enum holiday_country country;
    int paused;           /* 1 while the leader is paused */
    int64_t paused_until; /* 0: until resumed */
    int summer_from;      /* month * 100 + day, 0 for none */
    int summer_to;        /* inclusive */
    int weekly_cap;       /* 0: no cap */
};

/* Returns: how many questions are already due in [from, to), or < 0. */
typedef int sched_count_cb(void *arg, int64_t from, int64_t to);

#define SCHED_DEFAULT_DAYS 0x3eu /* Monday to Friday */

/*
 * The first due time strictly after `after`.
 * Returns: 0 and *out; ERR_NOTFOUND when nothing is due any more (the rule
 * ended, or the leader is paused until resumed); ERR_INVAL with err set for
 * a bad rule or zone.
 */
int sched_next(const struct sched_rule *r, int64_t after, sched_count_cb *cb,
               void *arg, int64_t *out, char *err);

/*
 * Move t to the first moment at or after it when a question may be sent
 * (working day, working hours, no holiday, no pause).
 * Returns: 0 and *out, or ERR_NOTFOUND while paused until resumed.
 */
int sched_allowed(const struct sched_rule *r, int64_t t, int64_t *out);

/* Check a cadence and a zone before they are stored; err names the fault. */
int sched_check(const char *cadence, const char *tz, char *err);

/* Local broken-down time of t in zone tz (tm_wday, tm_yday as mktime). */
int sched_local(const char *tz, int64_t t, struct tm *out);
/* UTC time of a local date and time in zone tz. */
int sched_utc(const char *tz, int year, int month, int day, int hour,
              int minute, int64_t *out);
/* Local midnight of "YYYY-MM-DD" in zone tz.  Returns: 0 or ERR_INVAL. */
int sched_parse_day(const char *tz, const char *s, int64_t *out);
/* "YYYY-MM-DD HH:MM" in zone tz.  Returns: 0 or ERR_INVAL. */
int sched_parse_time(const char *tz, const char *s, int64_t *out);
/* Parse "HH:MM-HH:MM" into minutes; err names the fault. */
int sched_parse_hours(const char *s, int *from, int *to, char *err);
/* Parse "MO,TU,WE" into a work_days mask. */
int sched_parse_days(const char *s, unsigned *mask, char *err);
/* Parse "MM-DD..MM-DD" (or "none") into month*100+day pairs. */
int sched_parse_summer(const char *s, int *from, int *to, char *err);

#endif
