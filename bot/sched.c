/*
 * sched.c - next due time of a leader's question, with libical.
 *
 * Local times are computed in the leader's zone through libical, which reads
 * the system tzdata; every move ("next working day, same local time") is done
 * on local time and converted back, so a move across a DST change keeps the
 * hour.  All loops are bounded: a rule that never yields an allowed time ends
 * in ERR_NOTFOUND, never in a hang.
 */
#include "sched.h"

#include "err.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Enough occurrences for a daily rule over ten years. */
#define SCHED_MAX_OCCURRENCES 4000
#define SCHED_MAX_MOVES 800
#define SCHED_DEFAULT_HOUR 9

/*
 * The zone named tz.  The last one found is remembered: most leaders of a
 * consultancy share one zone, and libical's lookup by name costs more
 * than the rest of a plan.  libical keeps its built-in zones for the life
 * of the process, so the pointer stays good.
 */
static icaltimezone *
sched_zone(const char *tz)
{
    static _Thread_local char last_name[64];
    static _Thread_local icaltimezone *last;
    icaltimezone *z;

    if (tz == NULL || tz[0] == '\0')
        return NULL;
    if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
        return icaltimezone_get_utc_timezone();
    if (last != NULL && strcmp(tz, last_name) == 0)
        return last;
    z = icaltimezone_get_builtin_timezone(tz);
    if (z != NULL && strlen(tz) < sizeof(last_name)) {
        memcpy(last_name, tz, strlen(tz) + 1);
        last = z;
    }
    return z;
}

static struct icaltimetype
sched_to_local(icaltimezone *zone, int64_t t)
{
    return icaltime_from_timet_with_zone((time_t)t, 0, zone);
}

static int64_t
sched_from_local(icaltimezone *zone, struct icaltimetype tt)
{
    tt.zone = zone;
    tt.is_date = 0;
    return (int64_t)icaltime_as_timet_with_zone(tt, zone);
}

int
sched_local(const char *tz, int64_t t, struct tm *out)
{
    icaltimezone *zone = sched_zone(tz);
    struct icaltimetype tt;

    if (zone == NULL)
        return ERR_INVAL;
    tt = sched_to_local(zone, t);
    memset(out, 0, sizeof(*out));
    out->tm_year = tt.year - 1900;
    out->tm_mon = tt.month - 1;
    out->tm_mday = tt.day;
    out->tm_hour = tt.hour;
    out->tm_min = tt.minute;
    out->tm_sec = tt.second;
    out->tm_wday = icaltime_day_of_week(tt) - 1;
    out->tm_yday = icaltime_day_of_year(tt) - 1;
    out->tm_isdst = -1;
    return 0;
}

int
sched_utc(const char *tz, int year, int month, int day, int hour, int minute,
          int64_t *out)
{
    icaltimezone *zone = sched_zone(tz);
    struct icaltimetype tt = icaltime_null_time();

    if (zone == NULL)
        return ERR_INVAL;
    tt.year = year;
    tt.month = month;
    tt.day = day;
    tt.hour = hour;
    tt.minute = minute;
    *out = sched_from_local(zone, tt);
    return 0;
}

/* Returns: how many entries a BYxxx list holds. */
static int
sched_list_len(const short *list, int size)
{
    int n = 0;

    while (n < size && list[n] != ICAL_RECURRENCE_ARRAY_MAX)
        n++;
    return n;
}

int
sched_check(const char *cadence, const char *tz, char *err)
{
    struct icalrecurrencetype rule;
    icalrecur_iterator *it;
    struct icaltimetype start = icaltime_null_time();
    int rc = 0;

    if (sched_zone(tz) == NULL) {
        err_set(err,
                "unknown time zone \"%s\" (use an IANA name such as "
                "Europe/Oslo)",
                tz);
        return ERR_INVAL;
    }
    icalerror_clear_errno();
    rule = icalrecurrencetype_from_string(cadence);
    if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR ||
        rule.rscale != NULL) {
        err_set(err,
                "cadence \"%s\" is not an iCalendar RRULE (for example "
                "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9)",
                cadence);
        rc = ERR_INVAL;
        goto out;
    }
    if (rule.freq == ICAL_SECONDLY_RECURRENCE ||
        rule.freq == ICAL_MINUTELY_RECURRENCE ||
        rule.freq == ICAL_HOURLY_RECURRENCE ||
        sched_list_len(rule.by_hour, ICAL_BY_HOUR_SIZE) > 1 ||
        sched_list_len(rule.by_minute, ICAL_BY_MINUTE_SIZE) > 1 ||
        sched_list_len(rule.by_second, ICAL_BY_SECOND_SIZE) > 1) {
        err_set(err,
                "cadence \"%s\" asks more than once a day; use DAILY, "
                "WEEKLY or MONTHLY with one BYHOUR",
                cadence);
        rc = ERR_INVAL;
        goto out;
    }
    /* Some rules parse but cannot be expanded: try it. */
    start.year = 2026;
    start.month = 1;
    start.day = 1;
    start.hour = SCHED_DEFAULT_HOUR;
    it = icalrecur_iterator_new(rule, start);
    if (it == NULL) {
        err_set(err, "cadence \"%s\" cannot be expanded into dates", cadence);
        rc = ERR_INVAL;
        goto out;
    }
    icalrecur_iterator_free(it);
out:
    free(rule.rscale);
    icalerror_clear_errno();
    return rc;
}

static int
sched_parse_date(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int n = 0, max;

    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 ||
        n != 10 || s[4] != '-' || s[7] != '-' || *m < 1 || *m > 12 || *d < 1)
        return ERR_INVAL;
    max = mdays[*m - 1];
    if (*m == 2 && ((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
        max = 29;
    return *d <= max ? 0 : ERR_INVAL;
}

static int
sched_in_summer(const struct sched_rule *r, const struct icaltimetype *tt)
{
    int md = tt->month * 100 + tt->day;

    if (r->summer_from == 0 || r->summer_to == 0)
        return 0;
    if (r->summer_from <= r->summer_to)
        return md >= r->summer_from && md <= r->summer_to;
    return md >= r->summer_from || md <= r->summer_to;
}

static int
sched_in_pause(const struct sched_rule *r, int64_t t)
{
    return r->paused && (r->paused_until == 0 || t < r->paused_until);
}

static int
sched_workday(const struct sched_rule *r, const struct icaltimetype *tt)
{
    int dow = icaltime_day_of_week(*tt); /* 1 = Sunday */
    int bit = dow == 1 ? 7 : dow - 1;    /* 1 = Monday .. 7 = Sunday */

    if (!(r->work_days & (1u << bit)))
        return 0;
    return !holiday_is(r->country, tt->year, tt->month, tt->day);
}

int
sched_allowed(const struct sched_rule *r, int64_t t, int64_t *out)
{
    icaltimezone *zone = sched_zone(r->tz);

    if (zone == NULL)
        return ERR_INVAL;
    for (int i = 0; i < SCHED_MAX_MOVES; i++) {
        struct icaltimetype tt = sched_to_local(zone, t);
        int tod = tt.hour * 60 + tt.minute;

        if (sched_in_pause(r, t)) {
            if (r->paused_until == 0)
                return ERR_NOTFOUND;
            t = r->paused_until;
            continue;
        }
        if (sched_in_summer(r, &tt) || !sched_workday(r, &tt)) {
            /*
             * Next day, same local time, unless that is already past
             * working hours: then its first working minute.
             */
            icaltime_adjust(&tt, 1, 0, 0, 0);
            if (tod >= r->work_to) {
                tt.hour = r->work_from / 60;
                tt.minute = r->work_from % 60;
                tt.second = 0;
            }
            t = sched_from_local(zone, tt);
            continue;
        }
        if (tod < r->work_from) {
            tt.hour = r->work_from / 60;
            tt.minute = r->work_from % 60;
            tt.second = 0;
            t = sched_from_local(zone, tt);
            continue;
        }
        if (tod >= r->work_to) {
            icaltime_adjust(&tt, 1, 0, 0, 0);
            tt.hour = r->work_from / 60;
            tt.minute = r->work_from % 60;
            tt.second = 0;
            t = sched_from_local(zone, tt);
            continue;
        }
        *out = t;
        return 0;
    }
    return ERR_NOTFOUND;
}

/* [Monday 00:00, next Monday 00:00) of t's local week. */
static void
sched_week(icaltimezone *zone, int64_t t, int64_t *from, int64_t *to)
{
    struct icaltimetype tt = sched_to_local(zone, t);
    int dow = icaltime_day_of_week(tt); /* 1 = Sunday */
    int back = dow == 1 ? 6 : dow - 2;

    icaltime_adjust(&tt, -back, 0, 0, 0);
    tt.hour = tt.minute = tt.second = 0;
    *from = sched_from_local(zone, tt);
    icaltime_adjust(&tt, 7, 0, 0, 0);
    *to = sched_from_local(zone, tt);
}

int
sched_next(const struct sched_rule *r, int64_t after, sched_count_cb *cb,
           void *arg, int64_t *out, char *err)
{
    icaltimezone *zone;
    struct icalrecurrencetype rule;
    struct icaltimetype start = icaltime_null_time();
    icalrecur_iterator *it = NULL;
    int y, m, d, rc = ERR_NOTFOUND;

    if ((rc = sched_check(r->cadence, r->tz, err)) < 0)
        return rc;
    rc = ERR_NOTFOUND;
    zone = sched_zone(r->tz);
    if (sched_in_pause(r, after) && r->paused_until == 0)
        return ERR_NOTFOUND;
    if (sched_parse_date(r->dtstart, &y, &m, &d) < 0) {
        err_set(err, "start date \"%s\" is not a date YYYY-MM-DD", r->dtstart);
        return ERR_INVAL;
    }
    rule = icalrecurrencetype_from_string(r->cadence);
    start.year = y;
    start.month = m;
    start.day = d;
    start.hour = SCHED_DEFAULT_HOUR;
    start.zone = zone;
    it = icalrecur_iterator_new(rule, start);
    free(rule.rscale);
    if (it == NULL) {
        icalerror_clear_errno();
        err_set(err, "cadence \"%s\" cannot be expanded", r->cadence);
        return ERR_INVAL;
    }
    for (int i = 0; i < SCHED_MAX_OCCURRENCES; i++) {
        struct icaltimetype occ = icalrecur_iterator_next(it);
        int64_t t, a, wfrom, wto;

        if (icaltime_is_null_time(occ))
            break;
        t = sched_from_local(zone, occ);
        if (sched_in_pause(r, t) || sched_in_summer(r, &occ))
            continue;
        /*
         * What counts is the time after moving off holidays and out of
         * quiet hours; a move that lands in a pause drops the question.
         */
        if (sched_allowed(r, t, &a) < 0 || a <= after)
            continue;
        {
            struct icaltimetype at = sched_to_local(zone, a);

            if (sched_in_pause(r, a) || sched_in_summer(r, &at))
                continue;
        }
        if (r->weekly_cap > 0 && cb != NULL) {
            int n;

            sched_week(zone, a, &wfrom, &wto);
            n = cb(arg, wfrom, wto);
            if (n < 0) {
                rc = n;
                break;
            }
            if (n >= r->weekly_cap)
                continue;
        }
        *out = a;
        rc = 0;
        break;
    }
    icalrecur_iterator_free(it);
    return rc;
}

static int
sched_hhmm(const char *s, int *minutes)
{
    int h, m, n = 0;

    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 || h > 24 ||
        m < 0 || m > 59 || (h == 24 && m != 0))
        return ERR_INVAL;
    *minutes = h * 60 + m;
    return 0;
}

int
sched_parse_hours(const char *s, int *from, int *to, char *err)
{
    char a[6], b[6];

    if (strlen(s) != 11 || s[5] != '-') {
        err_set(err, "working hours \"%s\" are not HH:MM-HH:MM", s);
        return ERR_INVAL;
    }
    memcpy(a, s, 5);
    a[5] = '\0';
    memcpy(b, s + 6, 5);
    b[5] = '\0';
    if (sched_hhmm(a, from) < 0 || sched_hhmm(b, to) < 0) {
        err_set(err, "working hours \"%s\" are not HH:MM-HH:MM", s);
        return ERR_INVAL;
    }
    if (*from >= *to) {
        err_set(err, "working hours \"%s\" end before they start", s);
        return ERR_INVAL;
    }
    return 0;
}

int
sched_parse_days(const char *s, unsigned *mask, char *err)
{
    static const char days[] = "MOTUWETHFRSASU";
    size_t len = strlen(s);

    *mask = 0;
    for (size_t i = 0; i < len; i += 3) {
        int found = 0;

        for (int dd = 0; dd < 7; dd++) {
            if (len - i >= 2 && s[i] == days[2 * dd] &&
                s[i + 1] == days[2 * dd + 1]) {
                *mask |= 1u << (dd + 1);
                found = 1;
            }
        }
        if (!found || (i + 2 < len && s[i + 2] != ',')) {
            err_set(err,
                    "working days \"%s\" are not a list such as "
                    "MO,TU,WE,TH,FR",
                    s);
            return ERR_INVAL;
        }
    }
    if (*mask == 0) {
        err_set(err, "working days \"%s\" name no day", s);
        return ERR_INVAL;
    }
    return 0;
}

static int
sched_md(const char *s, int *md)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m, d, n = 0;

    if (sscanf(s, "%2d-%2d%n", &m, &d, &n) != 2 || n != 5 || m < 1 || m > 12 ||
        d < 1 || d > mdays[m - 1])
        return ERR_INVAL;
    *md = m * 100 + d;
    return 0;
}

int
sched_parse_summer(const char *s, int *from, int *to, char *err)
{
    char a[6], b[6];

    if (strcmp(s, "none") == 0 || s[0] == '\0') {
        *from = *to = 0;
        return 0;
    }
    if (strlen(s) != 12 || strncmp(s + 5, "..", 2) != 0) {
        err_set(err, "summer pause \"%s\" is not MM-DD..MM-DD or none", s);
        return ERR_INVAL;
    }
    memcpy(a, s, 5);
    a[5] = '\0';
    memcpy(b, s + 7, 5);
    b[5] = '\0';
    if (sched_md(a, from) < 0 || sched_md(b, to) < 0) {
        err_set(err, "summer pause \"%s\" is not MM-DD..MM-DD or none", s);
        return ERR_INVAL;
    }
    return 0;
}

int
sched_parse_day(const char *tz, const char *s, int64_t *out)
{
    int y, m, d, n = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || m < 1 ||
        m > 12 || d < 1 || d > 31 || s[n] != '\0')
        return ERR_INVAL;
    return sched_utc(tz, y, m, d, 0, 0, out) < 0 ? ERR_INVAL : 0;
}

int
sched_parse_time(const char *tz, const char *s, int64_t *out)
{
    int y, mo, d, h, mi, n = 0;

    if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 ||
        n != 16 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s[n] != '\0')
        return ERR_INVAL;
    return sched_utc(tz, y, mo, d, h, mi, out) < 0 ? ERR_INVAL : 0;
}
