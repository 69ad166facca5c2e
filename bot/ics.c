/*
 * ics.c - coaching-session instances from iCalendar text, with libical.
 *
 * The text is checked and copied before libical sees it: size, NUL bytes,
 * strict UTF-8, and the BEGIN/END structure (balanced, at most ICS_MAX_DEPTH
 * deep, only VCALENDAR at the top).  That scan also gives the line numbers
 * that libical does not keep.  Lines outside VCALENDAR are left out of the
 * copy.
 *
 * libical 3.0 can spend seconds inside a single icalrecur_iterator_new() or
 * icalrecur_iterator_next() call when a rule's BY parts never match: it walks
 * forward one period at a time up to the year 2582 or 20000.  A zone built
 * from a VTIMEZONE is expanded from its observances' DTSTART up to the
 * latest year ever converted, and expanded again from scratch each time a
 * later year is asked for.  So:
 *  - a rule reaches libical only when its shape guarantees instances at
 *    short intervals (ics_rule_ok), and each step of every rule is charged
 *    to a budget shared by the whole call;
 *  - a VTIMEZONE is costed before a zone is built from it, and the cost of
 *    all of them in one call is capped;
 *  - no local time later than the year after the window's end is ever
 *    converted, and every zone is expanded to that year once, up front.
 *
 * Unknown TZIDs are looked up among the system zones only when they look
 * like an IANA name: libical turns the name into a path under the zone
 * directory and caches every zone file it reads for the life of the
 * process.
 */
#include "ics.h"

#include "err.h"
#include "xmalloc.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* VCALENDAR > VEVENT > VALARM is 3; anything deeper than this is refused. */
#define ICS_MAX_DEPTH 8
/* Longest component name in a BEGIN or END line. */
#define ICS_NAME_MAX 64
/* Bytes of a logical line kept to tell BEGIN and END lines. */
#define ICS_HEAD_MAX (ICS_NAME_MAX + 16)
/*
 * Lines with a RECUR value (RRULE, EXRULE, VALUE=RECUR) per file: libical
 * holds each in a 2.8 KB struct, so 1 MiB of short RRULE lines would take
 * 190 MB inside the parser.
 */
#define ICS_MAX_RULES 4096
/* Periods (days, weeks, months, years) libical may step through per call. */
#define ICS_MAX_PERIODS 250000L
/* Distinct TZIDs resolved and remembered per calendar. */
#define ICS_MAX_TZIDS 64
/* Limits on a VTIMEZONE from the file, in zone changes libical computes. */
#define ICS_ZONE_MAX_OBSERVANCES 64
#define ICS_ZONE_MAX_RULES 4
#define ICS_ZONE_PER_YEAR_MAX 8
#define ICS_ZONE_COST_MAX 4000
#define ICS_ZONES_COST_MAX 12000
/* Years libical adds to a zone's expansion beyond the year asked for. */
#define ICS_ZONE_COVERAGE 6
#define ICS_ZONE_MIN_YEAR 1583
/* Event times outside these years are not read. */
#define ICS_MIN_YEAR 1970
#define ICS_MAX_YEAR 2582 /* libical's recurrence limit with 64-bit time_t */
#define ICS_MAX_DURATION ((int64_t)366 * 86400)
/* "YYYYMMDDTHHMMSSZ" */
#define ICS_STAMP_LEN 16

struct ics_frame {
    char name[ICS_NAME_MAX + 1];
    int line;
};

struct ics_line {
    const char *s;
    size_t len;  /* without the line break */
    size_t size; /* with it */
};

struct ics_tzdef {
    const char *tzid;
    icalcomponent *comp;
    size_t order;
};

struct ics_zone {
    char *tzid;
    icaltimezone *zone;
    int owned; /* built from the file's VTIMEZONE: freed with the calendar */
};

/* One VEVENT and the properties this module reads. */
struct ics_item {
    icalcomponent *comp;
    const char *uid;
    icalproperty *dtstart, *dtend, *duration, *rid, *summary, *status;
    icalproperty **rec; /* RRULE, RDATE and EXDATE, in file order */
    size_t nrec;
    int recurring; /* has an RRULE or an RDATE */
    int broken;    /* libical dropped a date or recurrence property */
    /* Overrides only. */
    struct icaltimetype rid_tt;
    icaltimezone *rid_zone;
    int64_t rid_t;
    int done;    /* replaced an instance, was reported alone, or dropped */
    int settled; /* first override of its UID: a series settled them all */
};

/* A series (a VEVENT without RECURRENCE-ID) as read once. */
struct ics_series {
    const char *uid;
    int recurring;
    struct icaltimetype start_tt; /* local, zone set */
    icaltimezone *zone;
    int64_t start;
    int64_t dur;
    const char *summary;
    int cancelled;
};

struct ics_occ {
    int64_t start;
    int64_t end; /* -1: start + the series' duration */
    int ymd;     /* local date, for EXDATE;VALUE=DATE */
};

struct ics_occs {
    struct ics_occ *v;
    size_t n, size;
};

struct ics_ctx {
    icaltimezone *deftz;
    int64_t from, to;
    int max_year; /* latest local year ever converted */
    ics_event_cb *cb;
    void *arg;
    int reported;
    int skipped;
    int stop; /* the cap is reached or the callback said stop */
    int rc;   /* the callback's negative value */
    long steps;
    int zone_cost;
    struct ics_tzdef *tzdefs;
    size_t ntzdefs;
    struct ics_zone zones[ICS_MAX_TZIDS];
    int nzones;
    struct ics_item **ovs; /* overrides, by UID then RECURRENCE-ID */
    size_t novs;
};

static const int ics_mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};

/* ---- small helpers ---- */

static int
ics_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Returns: 1 when the n bytes at a spell the string b, ignoring ASCII case. */
static int
ics_ieq(const char *a, size_t n, const char *b)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\0' ||
            ics_lower((unsigned char)a[i]) != ics_lower((unsigned char)b[i]))
            return 0;
    }
    return b[n] == '\0';
}

/* Returns: 1 for strict UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int
ics_utf8_ok(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp, min;
        size_t k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int
ics_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
ics_dim(int y, int m)
{
    return m == 2 && ics_leap(y) ? 29 : ics_mdays[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
ics_days(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static int
ics_ymd(const struct icaltimetype *tt)
{
    return tt->year * 10000 + tt->month * 100 + tt->day;
}

static int
ics_date_ok(const struct icaltimetype *tt, int min_year)
{
    return tt->year >= min_year && tt->year <= ICS_MAX_YEAR && tt->month >= 1 &&
           tt->month <= 12 && tt->day >= 1 &&
           tt->day <= ics_dim(tt->year, tt->month);
}

/* Returns: 1 for a DATE-TIME libical can convert and iterate from. */
static int
ics_time_ok(const struct icaltimetype *tt, int min_year)
{
    return !tt->is_date && ics_date_ok(tt, min_year) && tt->hour >= 0 &&
           tt->hour <= 23 && tt->minute >= 0 && tt->minute <= 59 &&
           tt->second >= 0 && tt->second <= 59;
}

static int
ics_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static int
ics_cmpint(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

static int
ics_has64(const int64_t *v, size_t n, int64_t x)
{
    return n > 0 && bsearch(&x, v, n, sizeof(*v), ics_cmp64) != NULL;
}

static int
ics_hasint(const int *v, size_t n, int x)
{
    return n > 0 && bsearch(&x, v, n, sizeof(*v), ics_cmpint) != NULL;
}

/* ---- the structural scan ---- */

static struct ics_line
ics_line_at(const char *p, const char *end)
{
    struct ics_line l;
    const char *nl = memchr(p, '\n', (size_t)(end - p));

    l.s = p;
    l.size = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    l.len = nl != NULL ? (size_t)(nl - p) : l.size;
    if (l.len > 0 && p[l.len - 1] == '\r')
        l.len--;
    return l;
}

static int
ics_has_vcalendar(const char *p, const char *end)
{
    while (p < end) {
        struct ics_line l = ics_line_at(p, end);
        size_t n = l.len;

        while (n > 0 && (l.s[n - 1] == ' ' || l.s[n - 1] == '\t'))
            n--;
        if (ics_ieq(l.s, n, "BEGIN:VCALENDAR"))
            return 1;
        p += l.size;
    }
    return 0;
}

/*
 * Classify a logical line from its first bytes: 1 for BEGIN, 2 for END, 0
 * for anything else, -1 for a BEGIN or END line whose name cannot be read.
 * *name and *nlen give the component name of BEGIN and END lines.
 */
static int
ics_head_kind(const char *head, size_t hlen, size_t total, const char **name,
              size_t *nlen)
{
    size_t i = 0, n;
    int kind;
    const char *colon;

    while (i < hlen && head[i] != ';' && head[i] != ':')
        i++;
    if (ics_ieq(head, i, "begin"))
        kind = 1;
    else if (ics_ieq(head, i, "end"))
        kind = 2;
    else
        return 0;
    if (total > hlen)
        return -1;
    colon = memchr(head, ':', hlen);
    if (colon == NULL)
        return -1;
    *name = colon + 1;
    n = hlen - (size_t)(*name - head);
    while (n > 0 && ((*name)[n - 1] == ' ' || (*name)[n - 1] == '\t'))
        n--;
    if (n == 0 || n > ICS_NAME_MAX)
        return -1;
    *nlen = n;
    return kind;
}

/*
 * Check the structure of the text and copy the lines inside VCALENDAR
 * components, NUL-terminated, for libical.
 * Returns: 0 and *out (the caller frees it), or ERR_INVAL with err set.
 */
static int
ics_prescan(const char *text, size_t len, char **out, char *err)
{
    const char *p = text, *end = text + len;
    struct ics_frame stack[ICS_MAX_DEPTH];
    int depth = 0, lineno = 1, rules = 0;
    char *copy;
    size_t n = 0;

    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    if (!ics_has_vcalendar(p, end)) {
        err_set(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
        return ERR_INVAL;
    }
    copy = xmalloc(len + 3);
    while (p < end) {
        char head[ICS_HEAD_MAX], tail[6] = "";
        size_t hlen = 0, total = 0, nlen = 0, plen = 0;
        const char *start = p, *name = NULL;
        int first = lineno, kind, keep, recur = 0;
        struct ics_line l = ics_line_at(p, end);

        /* One logical line: this line and those folded onto it. */
        for (;;) {
            size_t skip = p == start ? 0 : 1;

            if (!ics_utf8_ok(l.s, l.len)) {
                err_set(err, "line %d: not valid UTF-8", lineno);
                goto fail;
            }
            for (size_t i = skip; i < l.len; i++) {
                if (hlen < sizeof(head))
                    head[hlen++] = l.s[i];
                /* "VALUE=RECUR" gives any property a RECUR value. */
                memmove(tail, tail + 1, sizeof(tail) - 1);
                tail[5] = (char)ics_lower((unsigned char)l.s[i]);
                if (memcmp(tail + 1, "recur", 5) == 0 &&
                    (tail[0] == '=' || tail[0] == '"'))
                    recur = 1;
            }
            total += l.len - skip;
            p += l.size;
            lineno++;
            if (p >= end || (*p != ' ' && *p != '\t'))
                break;
            l = ics_line_at(p, end);
        }
        kind = ics_head_kind(head, hlen, total, &name, &nlen);
        if (kind < 0) {
            err_set(err,
                    "line %d: a BEGIN or END line without a component "
                    "name (or one too long)",
                    first);
            goto fail;
        }
        keep = depth > 0;
        while (plen < hlen && head[plen] != ';' && head[plen] != ':')
            plen++;
        if (keep &&
            (recur || ics_ieq(head, plen, "rrule") ||
             ics_ieq(head, plen, "exrule")) &&
            ++rules > ICS_MAX_RULES) {
            err_set(err, "line %d: more than %d recurrence rules", first,
                    ICS_MAX_RULES);
            goto fail;
        }
        if (kind == 1) {
            if (depth == 0 && !ics_ieq(name, nlen, "VCALENDAR")) {
                err_set(err, "line %d: BEGIN:%.*s outside BEGIN:VCALENDAR",
                        first, (int)nlen, name);
                goto fail;
            }
            if (depth == ICS_MAX_DEPTH) {
                err_set(err, "line %d: components nested more than %d deep",
                        first, ICS_MAX_DEPTH);
                goto fail;
            }
            memcpy(stack[depth].name, name, nlen);
            stack[depth].name[nlen] = '\0';
            stack[depth].line = first;
            depth++;
            keep = 1;
        } else if (kind == 2) {
            if (depth == 0) {
                err_set(err, "line %d: END:%.*s without a BEGIN", first,
                        (int)nlen, name);
                goto fail;
            }
            if (!ics_ieq(name, nlen, stack[depth - 1].name)) {
                err_set(err,
                        "line %d: END:%.*s does not close BEGIN:%s (line "
                        "%d)",
                        first, (int)nlen, name, stack[depth - 1].name,
                        stack[depth - 1].line);
                goto fail;
            }
            depth--;
        }
        if (keep) {
            memcpy(copy + n, start, (size_t)(p - start));
            n += (size_t)(p - start);
        }
    }
    if (depth > 0) {
        err_set(err, "line %d: BEGIN:%s is never closed", stack[depth - 1].line,
                stack[depth - 1].name);
        goto fail;
    }
    /*
     * libical splits a last line that has no line break at bare CRs, which
     * would show it lines this scan never saw: the copy always ends in one.
     */
    if (n > 0 && copy[n - 1] != '\n') {
        copy[n++] = '\r';
        copy[n++] = '\n';
    }
    copy[n] = '\0';
    *out = copy;
    return 0;
fail:
    free(copy);
    return ERR_INVAL;
}

/* ---- time zones ---- */

static int
ics_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * Returns: 1 for a name shaped like "Europe/Oslo" or "Etc/GMT+1": nothing
 * that could name a file outside the zone directory.
 */
static int
ics_zone_name_ok(const char *s)
{
    size_t len = strlen(s);
    int parts = 1, at_start = 1;

    if (len == 0 || len > 64)
        return 0;
    for (; *s != '\0'; s++) {
        int c = (unsigned char)*s;

        if (c == '/') {
            if (at_start || ++parts > 3)
                return 0;
            at_start = 1;
        } else if (at_start) {
            if (!ics_alpha(c))
                return 0;
            at_start = 0;
        } else if (!ics_alpha(c) && !(c >= '0' && c <= '9') && c != '_' &&
                   c != '-' && c != '+') {
            return 0;
        }
    }
    return !at_start;
}

/* The system zone of an IANA name (libical's own TZID prefix allowed). */
static icaltimezone *
ics_zone_builtin(const char *name)
{
    static const char prefix[] = "/freeassociation.sourceforge.net/";
    icaltimezone *zone;

    if (strncmp(name, prefix, sizeof(prefix) - 1) == 0) {
        name += sizeof(prefix) - 1;
        if (strncmp(name, "Tzfile/", 7) == 0)
            name += 7;
    }
    if (!ics_zone_name_ok(name))
        return NULL;
    zone = icaltimezone_get_builtin_timezone(name);
    icalerror_clear_errno();
    return zone;
}

/*
 * Expand a zone's changes past the latest year this call converts, once:
 * libical would otherwise expand it again for every later year asked for.
 */
static void
ics_zone_prime(const struct ics_ctx *ctx, icaltimezone *zone)
{
    struct icaltimetype tt = icaltime_null_time();

    if (zone == NULL || zone == icaltimezone_get_utc_timezone())
        return;
    tt.year = ctx->max_year + 1;
    tt.month = 1;
    tt.day = 1;
    (void)icaltime_as_timet_with_zone(tt, zone);
}

static int
ics_len(const short *a, int size)
{
    int n = 0;

    while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
        n++;
    return n;
}

/* Upper bound of a YEARLY observance rule's changes in one year. */
static int64_t
ics_rule_per_year(const struct icalrecurrencetype *r)
{
    int nmon = ics_len(r->by_month, ICAL_BY_MONTH_SIZE);
    int nmd = ics_len(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
    int nyd = ics_len(r->by_year_day, ICAL_BY_YEARDAY_SIZE);
    int nday = ics_len(r->by_day, ICAL_BY_DAY_SIZE);
    int nh = ics_len(r->by_hour, ICAL_BY_HOUR_SIZE);
    int nmi = ics_len(r->by_minute, ICAL_BY_MINUTE_SIZE);
    int ns = ics_len(r->by_second, ICAL_BY_SECOND_SIZE);
    int64_t per;

    if (nyd > 0) {
        per = nyd;
    } else if (nday > 0) {
        per = 0;
        for (int i = 0; i < nday; i++)
            per += icalrecurrencetype_day_position(r->by_day[i]) != 0 ? 1
                   : nmon > 0                                         ? 5
                                                                      : 53;
        if (nmd > 0 && nmd < per)
            per = nmd;
        per *= nmon > 0 ? nmon : 1;
    } else {
        per = (int64_t)(nmd > 0 ? nmd : 1) * (nmon > 0 ? nmon : 1);
    }
    return per * (nh > 0 ? nh : 1) * (nmi > 0 ? nmi : 1) * (ns > 0 ? ns : 1);
}

static int ics_rule_ok(const struct icalrecurrencetype *r,
                       const struct icaltimetype *start);

/*
 * Zone changes libical will compute for one STANDARD or DAYLIGHT
 * observance, up to a few years past the window.
 * Returns: the cost, or -1 for an observance that is refused.
 */
static int64_t
ics_observance_cost(const struct ics_ctx *ctx, icalcomponent *obs)
{
    icalproperty *rules[ICS_ZONE_MAX_RULES];
    struct icaltimetype start = icaltime_null_time();
    int nrules = 0, from = 0, to = 0, have_start = 0;
    int64_t cost = 1;

    for (icalproperty *p =
             icalcomponent_get_first_property(obs, ICAL_ANY_PROPERTY);
         p != NULL;
         p = icalcomponent_get_next_property(obs, ICAL_ANY_PROPERTY)) {
        int off;

        switch (icalproperty_isa(p)) {
        case ICAL_DTSTART_PROPERTY:
            start = icalproperty_get_dtstart(p);
            if (!ics_time_ok(&start, ICS_ZONE_MIN_YEAR))
                return -1;
            have_start = 1;
            break;
        case ICAL_TZOFFSETFROM_PROPERTY:
        case ICAL_TZOFFSETTO_PROPERTY:
            off = icalproperty_isa(p) == ICAL_TZOFFSETTO_PROPERTY
                      ? icalproperty_get_tzoffsetto(p)
                      : icalproperty_get_tzoffsetfrom(p);
            if (off <= -86400 || off >= 86400)
                return -1;
            if (icalproperty_isa(p) == ICAL_TZOFFSETTO_PROPERTY)
                to = 1;
            else
                from = 1;
            break;
        case ICAL_RRULE_PROPERTY:
            if (nrules == ICS_ZONE_MAX_RULES)
                return -1;
            rules[nrules++] = p;
            break;
        case ICAL_RDATE_PROPERTY:
            cost++;
            break;
        case ICAL_XLICERROR_PROPERTY:
            return -1;
        default:
            break;
        }
    }
    if (!have_start || !from || !to)
        return -1;
    for (int i = 0; i < nrules; i++) {
        struct icalrecurrencetype r = icalproperty_get_rrule(rules[i]);
        int64_t per, years;
        int last = ctx->max_year + 1 + ICS_ZONE_COVERAGE;

        if (r.freq != ICAL_YEARLY_RECURRENCE || !ics_rule_ok(&r, &start))
            return -1;
        per = ics_rule_per_year(&r);
        if (per > ICS_ZONE_PER_YEAR_MAX)
            return -1;
        if (!icaltime_is_null_time(r.until) && r.until.year < last)
            last = r.until.year;
        years = last - start.year + 1;
        if (years < 1)
            years = 1;
        cost += r.count > 0 && r.count < years * per ? r.count : years * per;
    }
    return cost;
}

/* Returns: the cost of building a zone from vtz, or -1 when refused. */
static int
ics_vtimezone_cost(const struct ics_ctx *ctx, icalcomponent *vtz)
{
    int64_t cost = 0;
    int n = 0;

    for (icalcomponent *c =
             icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
         c != NULL;
         c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind kind = icalcomponent_isa(c);
        int64_t one;

        if (kind != ICAL_XSTANDARD_COMPONENT &&
            kind != ICAL_XDAYLIGHT_COMPONENT)
            continue;
        if (++n > ICS_ZONE_MAX_OBSERVANCES)
            return -1;
        one = ics_observance_cost(ctx, c);
        if (one < 0)
            return -1;
        cost += one;
        if (cost > ICS_ZONE_COST_MAX)
            return -1;
    }
    return n > 0 ? (int)cost : -1;
}

/* A zone of our own from a copy of the file's VTIMEZONE, or NULL. */
static icaltimezone *
ics_zone_build(struct ics_ctx *ctx, icalcomponent *vtz)
{
    icalcomponent *clone;
    icaltimezone *zone;
    int cost = ics_vtimezone_cost(ctx, vtz);

    if (cost < 0 || ctx->zone_cost + cost > ICS_ZONES_COST_MAX)
        return NULL;
    ctx->zone_cost += cost;
    clone = icalcomponent_new_clone(vtz);
    if (clone == NULL)
        return NULL;
    zone = icaltimezone_new();
    if (zone == NULL) {
        icalcomponent_free(clone);
        return NULL;
    }
    /* On success the zone owns the clone; on failure it does not. */
    if (!icaltimezone_set_component(zone, clone)) {
        icalcomponent_free(clone);
        icaltimezone_free(zone, 1);
        icalerror_clear_errno();
        return NULL;
    }
    return zone;
}

static icalcomponent *
ics_tzdef_find(const struct ics_ctx *ctx, const char *tzid)
{
    size_t lo = 0, hi = ctx->ntzdefs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(ctx->tzdefs[mid].tzid, tzid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ctx->ntzdefs && strcmp(ctx->tzdefs[lo].tzid, tzid) == 0)
        return ctx->tzdefs[lo].comp;
    return NULL;
}

/*
 * The zone a TZID names: the calendar's VTIMEZONE, else the system zone,
 * else the default zone.  Never NULL.
 */
static icaltimezone *
ics_zone_find(struct ics_ctx *ctx, const char *tzid)
{
    icalcomponent *vtz;
    icaltimezone *zone = NULL;
    int owned = 0;

    for (int i = 0; i < ctx->nzones; i++) {
        if (strcmp(ctx->zones[i].tzid, tzid) == 0)
            return ctx->zones[i].zone;
    }
    if (ctx->nzones < ICS_MAX_TZIDS) {
        vtz = ics_tzdef_find(ctx, tzid);
        if (vtz != NULL) {
            zone = ics_zone_build(ctx, vtz);
            owned = zone != NULL;
        }
    }
    if (zone == NULL)
        zone = ics_zone_builtin(tzid);
    if (zone != NULL)
        ics_zone_prime(ctx, zone);
    else
        zone = ctx->deftz;
    if (ctx->nzones < ICS_MAX_TZIDS) {
        ctx->zones[ctx->nzones].tzid = xstrdup(tzid);
        ctx->zones[ctx->nzones].zone = zone;
        ctx->zones[ctx->nzones].owned = owned;
        ctx->nzones++;
    }
    return zone;
}

static void
ics_zones_release(struct ics_ctx *ctx)
{
    for (int i = 0; i < ctx->nzones; i++) {
        if (ctx->zones[i].owned)
            icaltimezone_free(ctx->zones[i].zone, 1);
        free(ctx->zones[i].tzid);
    }
    ctx->nzones = 0;
    free(ctx->tzdefs);
    ctx->tzdefs = NULL;
    ctx->ntzdefs = 0;
}

/* Zone of a DATE-TIME value: UTC, its TZID, or `floating` without either. */
static icaltimezone *
ics_value_zone(struct ics_ctx *ctx, icalproperty *prop, struct icaltimetype tt,
               icaltimezone *floating)
{
    icalparameter *param;
    const char *tzid;

    if (icaltime_is_utc(tt))
        return icaltimezone_get_utc_timezone();
    param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    tzid = param != NULL ? icalparameter_get_tzid(param) : NULL;
    if (tzid != NULL && tzid[0] != '\0')
        return ics_zone_find(ctx, tzid);
    return floating;
}

static int64_t
ics_utc(struct icaltimetype tt, icaltimezone *zone)
{
    tt.zone = zone;
    tt.is_date = 0;
    return (int64_t)icaltime_as_timet_with_zone(tt, zone);
}

/* ---- recurrence rules ---- */

/*
 * Returns: 1 when libical can expand the rule without long searches: the
 * BY parts have a shape whose instances come at most a few years apart, and
 * the frequency is daily or slower.  Rules this refuses are rare in
 * calendars: BYWEEKNO, RSCALE, sub-daily frequencies, and combinations that
 * match seldom or never (the 30th of February, the fifth Monday of
 * February, a BYSETPOS past the end of its set).
 */
static int
ics_rule_ok(const struct icalrecurrencetype *r,
            const struct icaltimetype *start)
{
    int nmon = ics_len(r->by_month, ICAL_BY_MONTH_SIZE);
    int nmd = ics_len(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
    int nyd = ics_len(r->by_year_day, ICAL_BY_YEARDAY_SIZE);
    int nwn = ics_len(r->by_week_no, ICAL_BY_WEEKNO_SIZE);
    int nday = ics_len(r->by_day, ICAL_BY_DAY_SIZE);
    int nsp = ics_len(r->by_set_pos, ICAL_BY_SETPOS_SIZE);
    const short *md = r->by_month_day;
    short md_default = (short)start->day;
    unsigned months = 0, wdays = 0;
    int ord = 0, nwd = 0, long_month = 0, date_ok = 0, day_ok = 0;
    int maxsp = 0, mdcount, mdpos = 0, mdneg = 0;

    if (r->rscale != NULL || r->interval < 1 || nwn > 0)
        return 0;
    for (int i = 0; i < nmon; i++) {
        if (r->by_month[i] < 1 || r->by_month[i] > 12)
            return 0;
        months |= 1u << r->by_month[i];
    }
    for (int i = 0; i < nday; i++) {
        int wd = (int)icalrecurrencetype_day_day_of_week(r->by_day[i]);

        if (wd < 1 || wd > 7)
            return 0;
        if (!(wdays & (1u << wd)))
            nwd++;
        wdays |= 1u << wd;
        if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
            ord = 1;
    }
    for (int i = 0; i < nsp; i++) {
        int v = abs(r->by_set_pos[i]);

        if (v == 0)
            return 0;
        if (v > maxsp)
            maxsp = v;
    }
    if (nmd == 0) {
        md = &md_default;
        mdcount = 1;
    } else {
        mdcount = nmd;
    }

    /* The months the rule visits. */
    if (nmon == 0) {
        if (r->freq == ICAL_MONTHLY_RECURRENCE) {
            for (int k = 0; k < 12; k++)
                months |= 1u << ((start->month - 1 + k * r->interval) % 12 + 1);
        } else if (r->freq == ICAL_YEARLY_RECURRENCE) {
            months = 1u << start->month;
        } else {
            months = 0x1ffeu;
        }
    }
    for (int m = 1; m <= 12; m++) {
        if (!(months & (1u << m)))
            continue;
        if (ics_mdays[m - 1] >= 29)
            long_month = 1;
        /* Some listed month day exists in this month every year. */
        for (int i = 0; i < mdcount; i++) {
            if (md[i] != 0 && abs(md[i]) <= ics_mdays[m - 1])
                date_ok = 1;
        }
    }
    for (int i = 0; i < mdcount; i++) {
        if (md[i] >= 1 && md[i] <= 28)
            mdpos++;
        else if (md[i] <= -1 && md[i] >= -28)
            mdneg++;
    }

    switch (r->freq) {
    case ICAL_DAILY_RECURRENCE:
        /* libical matches these literally: no ordinals, no negative days. */
        if (nyd > 0 || nsp > 0 || ord)
            return 0;
        if ((nmon > 0 || nmd > 0 || nday > 0) && r->interval != 1)
            return 0;
        for (int i = 0; i < nmd; i++) {
            if (r->by_month_day[i] < 1)
                return 0;
        }
        return nmd == 0 || date_ok;
    case ICAL_WEEKLY_RECURRENCE:
        if (nmd > 0 || nyd > 0 || nsp > 0 || ord)
            return 0;
        /* Every month holds each weekday of some visited week. */
        return nmon == 0 || r->interval <= 4;
    case ICAL_MONTHLY_RECURRENCE:
        if (nyd > 0 || r->interval > 12 || (nmon > 0 && r->interval != 1))
            return 0;
        if (nday > 0 && nmd > 0)
            return !ord && nsp == 0 && date_ok;
        if (nday > 0) {
            for (int i = 0; i < nday; i++) {
                int pos = abs(icalrecurrencetype_day_position(r->by_day[i]));

                if (pos <= 4 || (pos == 5 && long_month))
                    day_ok = 1;
            }
            if (nsp > 0 && (ord || maxsp > 4 * nwd))
                return 0;
            return day_ok;
        }
        if (nsp > 0 && maxsp > (mdpos > mdneg ? mdpos : mdneg))
            return 0;
        return date_ok;
    case ICAL_YEARLY_RECURRENCE:
        if (nyd > 0) {
            if (nmon > 0 || nmd > 0 || nday > 0 || nsp > 0)
                return 0;
            for (int i = 0; i < nyd; i++) {
                if (r->by_year_day[i] != 0 && abs(r->by_year_day[i]) <= 365)
                    return 1;
            }
            return 0;
        }
        if (nday > 0 && nmd > 0)
            return !ord && nsp == 0 && r->interval == 1 && date_ok;
        if (nday > 0) {
            for (int i = 0; i < nday; i++) {
                int pos = abs(icalrecurrencetype_day_position(r->by_day[i]));

                if (nmon > 0 ? pos <= 4 ||
                                   (pos == 5 && r->interval == 1 && long_month)
                             : pos <= 52 || (pos == 53 && r->interval == 1))
                    day_ok = 1;
            }
            if (nsp > 0 && (ord || maxsp > 4 * nwd * (nmon > 0 ? nmon : 13)))
                return 0;
            return day_ok;
        }
        return nsp == 0 && date_ok;
    case ICAL_SECONDLY_RECURRENCE:
    case ICAL_MINUTELY_RECURRENCE:
    case ICAL_HOURLY_RECURRENCE:
    case ICAL_NO_RECURRENCE:
    default:
        return 0;
    }
}

/* Days libical steps through per period of the rule. */
static int64_t
ics_rule_unit(const struct icalrecurrencetype *r)
{
    int64_t days;

    switch (r->freq) {
    case ICAL_WEEKLY_RECURRENCE:
        days = 7;
        break;
    case ICAL_MONTHLY_RECURRENCE:
        days = 28;
        break;
    case ICAL_YEARLY_RECURRENCE:
        days = 365;
        break;
    case ICAL_DAILY_RECURRENCE:
    default:
        days = 1;
        break;
    }
    return days * r->interval;
}

/*
 * Put UNTIL in the series' zone, so libical compares it with instances
 * field by field instead of converting both at every step.  A DATE UNTIL
 * takes in its whole day.  An UNTIL past the window is dropped: the window
 * ends the expansion anyway.
 * Returns: 0, or -1 for an UNTIL that is not a time.
 */
static int
ics_rule_until(struct ics_ctx *ctx, struct icalrecurrencetype *r,
               icaltimezone *zone)
{
    struct icaltimetype u = r->until;

    if (icaltime_is_null_time(u))
        return 0;
    if (u.is_date) {
        if (!ics_date_ok(&u, 1))
            return -1;
        u.is_date = 0;
        u.hour = 23;
        u.minute = 59;
        u.second = 59;
    } else if (!ics_time_ok(&u, 1)) {
        return -1;
    }
    if (u.year > ctx->max_year) {
        r->until = icaltime_null_time();
        return 0;
    }
    if (icaltime_is_utc(u) && u.year >= ICS_MIN_YEAR &&
        zone != icaltimezone_get_utc_timezone())
        u = icaltime_convert_to_zone(u, zone);
    u.zone = zone;
    r->until = u;
    return 0;
}

static void
ics_occ_push(struct ics_occs *o, int64_t start, int64_t end, int ymd)
{
    if (o->n == o->size) {
        o->size = o->size ? o->size * 2 : 16;
        o->v = xrealloc(o->v, o->size * sizeof(*o->v));
    }
    o->v[o->n].start = start;
    o->v[o->n].end = end;
    o->v[o->n].ymd = ymd;
    o->n++;
}

static int
ics_occ_cmp(const void *a, const void *b)
{
    const struct ics_occ *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Add the instances of one RRULE before the window's end.  When the
 * expansion stops early (the iteration cap or the step budget), *horizon
 * drops to where it stopped and *cut is set.
 * Returns: 0, or ERR_INVAL for a rule that is not expanded at all.
 */
static int
ics_expand(struct ics_ctx *ctx, icalproperty *prop, const struct ics_series *s,
           struct ics_occs *occs, int64_t *horizon, int *cut)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(prop);
    struct icaltimetype prev = s->start_tt;
    icalrecur_iterator *iter;
    int64_t unit, last = s->start;

    if (!ics_rule_ok(&rule, &s->start_tt) ||
        ics_rule_until(ctx, &rule, s->zone) < 0 ||
        ctx->steps >= ICS_MAX_PERIODS)
        return ERR_INVAL;
    iter = icalrecur_iterator_new(rule, s->start_tt);
    if (iter == NULL) {
        icalerror_clear_errno();
        return ERR_INVAL;
    }
    unit = ics_rule_unit(&rule);
    for (int i = 0;; i++) {
        struct icaltimetype occ;
        int64_t t, d;

        if (i == ICS_MAX_STEPS || ctx->steps >= ICS_MAX_PERIODS) {
            if (last + 1 < *horizon)
                *horizon = last + 1;
            *cut = 1;
            break;
        }
        occ = icalrecur_iterator_next(iter);
        if (icaltime_is_null_time(occ))
            break;
        d = (ics_days(occ.year, occ.month, occ.day) -
             ics_days(prev.year, prev.month, prev.day)) /
            unit;
        ctx->steps += d > 1 ? (long)d : 1;
        prev = occ;
        if (occ.year > ctx->max_year || !ics_time_ok(&occ, ICS_MIN_YEAR))
            break;
        t = ics_utc(occ, s->zone);
        if (t >= ctx->to)
            break;
        ics_occ_push(occs, t, -1, ics_ymd(&occ));
        last = t;
    }
    icalrecur_iterator_free(iter);
    icalerror_clear_errno();
    return 0;
}

/* An RDATE value (DATE-TIME or PERIOD) as an instance. */
static void
ics_rdate(struct ics_ctx *ctx, icalproperty *prop, const struct ics_series *s,
          struct ics_occs *occs)
{
    struct icaldatetimeperiodtype v = icalproperty_get_rdate(prop);
    struct icaltimetype tt = v.time;
    icaltimezone *zone;
    int64_t t, end = -1;
    int period = 0;

    if (icaltime_is_null_time(tt)) {
        tt = v.period.start;
        period = 1;
    }
    if (!ics_time_ok(&tt, ICS_MIN_YEAR) || tt.year > ctx->max_year)
        return;
    zone = ics_value_zone(ctx, prop, tt, s->zone);
    t = ics_utc(tt, zone);
    if (period) {
        struct icaltimetype e = v.period.end;
        int64_t d;

        if (!icaltime_is_null_time(e)) {
            d = ics_time_ok(&e, ICS_MIN_YEAR) && e.year <= tt.year + 1
                    ? ics_utc(e, icaltime_is_utc(e)
                                     ? icaltimezone_get_utc_timezone()
                                     : zone) -
                          t
                    : 0;
        } else {
            d = icaldurationtype_as_int(v.period.duration);
        }
        end = t + (d < 0 ? 0 : d > ICS_MAX_DURATION ? ICS_MAX_DURATION : d);
    }
    ics_occ_push(occs, t, end, ics_ymd(&tt));
}

/* An EXDATE value: a UTC time, or a local date that drops its instances. */
static void
ics_exdate(struct ics_ctx *ctx, icalproperty *prop, const struct ics_series *s,
           int64_t **ex, size_t *nex, int **days, size_t *ndays)
{
    struct icaltimetype tt = icalproperty_get_exdate(prop);

    if (tt.is_date) {
        if (ics_date_ok(&tt, ICS_MIN_YEAR)) {
            *days = xrealloc(*days, (*ndays + 1) * sizeof(**days));
            (*days)[(*ndays)++] = ics_ymd(&tt);
        }
        return;
    }
    if (!ics_time_ok(&tt, ICS_MIN_YEAR) || tt.year > ctx->max_year)
        return;
    *ex = xrealloc(*ex, (*nex + 1) * sizeof(**ex));
    (*ex)[(*nex)++] = ics_utc(tt, ics_value_zone(ctx, prop, tt, s->zone));
}

/* ---- VEVENTs ---- */

/* Returns: 1 when libical replaced a property this module reads. */
static int
ics_xlic_broken(const char *text)
{
    static const char *const names[] = {"UID",      "DTSTART", "DTEND",
                                        "DURATION", "RRULE",   "RDATE",
                                        "EXDATE",   "STATUS",  "RECURRENCE-ID"};
    char pat[64];

    if (text == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(pat, sizeof(pat), " in %s property", names[i]);
        if (strstr(text, pat) != NULL)
            return 1;
    }
    return 0;
}

static void
ics_item_init(struct ics_item *it, icalcomponent *comp)
{
    size_t size = 0;

    memset(it, 0, sizeof(*it));
    it->comp = comp;
    for (icalproperty *p =
             icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY);
         p != NULL;
         p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
        icalproperty **slot = NULL;

        switch (icalproperty_isa(p)) {
        case ICAL_UID_PROPERTY:
            if (it->uid == NULL)
                it->uid = icalproperty_get_uid(p);
            break;
        case ICAL_DTSTART_PROPERTY:
            slot = &it->dtstart;
            break;
        case ICAL_DTEND_PROPERTY:
            slot = &it->dtend;
            break;
        case ICAL_DURATION_PROPERTY:
            slot = &it->duration;
            break;
        case ICAL_RECURRENCEID_PROPERTY:
            slot = &it->rid;
            break;
        case ICAL_SUMMARY_PROPERTY:
            slot = &it->summary;
            break;
        case ICAL_STATUS_PROPERTY:
            slot = &it->status;
            break;
        case ICAL_RRULE_PROPERTY:
        case ICAL_RDATE_PROPERTY:
        case ICAL_EXDATE_PROPERTY:
            if (icalproperty_isa(p) != ICAL_EXDATE_PROPERTY)
                it->recurring = 1;
            if (it->nrec == size) {
                size = size ? size * 2 : 4;
                it->rec = xrealloc(it->rec, size * sizeof(*it->rec));
            }
            it->rec[it->nrec++] = p;
            break;
        case ICAL_XLICERROR_PROPERTY:
            if (ics_xlic_broken(icalproperty_get_xlicerror(p)))
                it->broken = 1;
            break;
        default:
            break;
        }
        if (slot != NULL && *slot == NULL)
            *slot = p;
    }
}

/* Returns: 1 for a UID that fits struct ics_event with its suffix. */
static int
ics_uid_ok(const char *uid, int recurring)
{
    size_t n;

    if (uid == NULL || uid[0] == '\0')
        return 0;
    n = strlen(uid);
    if (n + (recurring ? 1 + ICS_STAMP_LEN : 0) >= ICS_UID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)uid[i] < 0x20 || uid[i] == 0x7f)
            return 0;
    }
    return 1;
}

/* Copy a SUMMARY: whole UTF-8 characters only, control characters (C0,
 * DEL, C1) as spaces. */
static void
ics_summary(char *out, const char *s)
{
    size_t n = 0;

    while (s != NULL && *s != '\0') {
        unsigned char c = (unsigned char)*s;
        size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, i;
        int ctrl;

        for (i = 1; i < k; i++) {
            if (((unsigned char)s[i] & 0xc0) != 0x80)
                break;
        }
        if (i < k || (c >= 0x80 && c < 0xc0)) {
            k = 1; /* not UTF-8: libical never gives this, but be safe */
            ctrl = 1;
        } else {
            ctrl = c < 0x20 || c == 0x7f ||
                   (c == 0xc2 && (unsigned char)s[1] < 0xa0);
        }
        if (n + (ctrl ? 1 : k) >= ICS_SUMMARY_MAX)
            break;
        if (ctrl) {
            out[n++] = ' ';
        } else {
            memcpy(out + n, s, k);
            n += k;
        }
        s += k;
    }
    out[n] = '\0';
}

/* Report one instance if it starts in the window. */
static void
ics_emit(struct ics_ctx *ctx, const char *uid, const int64_t *orig,
         int64_t start, int64_t end, const char *summary, int cancelled)
{
    struct ics_event ev;
    int rc = 0;

    if (ctx->stop || start < ctx->from || start >= ctx->to)
        return;
    memset(&ev, 0, sizeof(ev));
    if (orig != NULL) {
        time_t t = (time_t)*orig;
        struct tm tm;
        char stamp[72]; /* 17 bytes for any year libical converts */

        gmtime_r(&t, &tm);
        snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        snprintf(ev.uid, sizeof(ev.uid), "%s/%s", uid, stamp);
    } else {
        xstrlcpy(ev.uid, uid, sizeof(ev.uid));
    }
    ev.start = start;
    ev.end = end > start ? end : start;
    ics_summary(ev.summary, summary);
    ev.cancelled = cancelled;
    if (ctx->cb != NULL)
        rc = ctx->cb(&ev, ctx->arg);
    if (rc < 0) {
        ctx->rc = rc;
        ctx->stop = 1;
        return;
    }
    if (++ctx->reported >= ICS_MAX_INSTANCES)
        ctx->stop = 1;
}

/*
 * Seconds from start to DTEND, or DURATION.  *has says whether the event
 * gives either; an unreadable DTEND counts as given, and as no time.
 */
static int64_t
ics_duration(struct ics_ctx *ctx, const struct ics_item *it,
             const struct icaltimetype *start_tt, icaltimezone *zone,
             int64_t start, int *has)
{
    int64_t d = 0;

    *has = 0;
    if (it->dtend != NULL) {
        struct icaltimetype e = icalproperty_get_dtend(it->dtend);

        *has = 1;
        if (ics_time_ok(&e, ICS_MIN_YEAR) && e.year <= start_tt->year + 1)
            d = ics_utc(e, ics_value_zone(ctx, it->dtend, e, zone)) - start;
    } else if (it->duration != NULL) {
        *has = 1;
        d = icaldurationtype_as_int(icalproperty_get_duration(it->duration));
    }
    return d < 0 ? 0 : d > ICS_MAX_DURATION ? ICS_MAX_DURATION : d;
}

static int
ics_is_cancelled(icalproperty *status)
{
    return status != NULL &&
           icalproperty_get_status(status) == ICAL_STATUS_CANCELLED;
}

/*
 * Report an override: in place of its series' instance (s), or alone
 * (s == NULL).
 */
static void
ics_emit_override(struct ics_ctx *ctx, struct ics_item *ov,
                  const struct ics_series *s)
{
    struct icaltimetype tt = ov->rid_tt;
    icaltimezone *zone = ov->rid_zone;
    int64_t start = ov->rid_t, dur;
    const char *summary = NULL;
    int has;

    if (ov->dtstart != NULL) {
        tt = icalproperty_get_dtstart(ov->dtstart);
        if (tt.is_date || !ics_time_ok(&tt, ICS_MIN_YEAR)) {
            ctx->skipped++;
            return;
        }
        if (tt.year > ctx->max_year)
            return;
        zone = ics_value_zone(ctx, ov->dtstart, tt, ctx->deftz);
        start = ics_utc(tt, zone);
    }
    dur = ics_duration(ctx, ov, &tt, zone, start, &has);
    if (!has && s != NULL)
        dur = s->dur;
    if (ov->summary != NULL)
        summary = icalproperty_get_summary(ov->summary);
    else if (s != NULL)
        summary = s->summary;
    ics_emit(ctx, ov->uid, s != NULL && !s->recurring ? NULL : &ov->rid_t,
             start, start + dur, summary,
             ics_is_cancelled(ov->status) || (s != NULL && s->cancelled));
}

static int
ics_ov_cmp(const void *a, const void *b)
{
    const struct ics_item *x = *(struct ics_item *const *)a;
    const struct ics_item *y = *(struct ics_item *const *)b;
    int c = strcmp(x->uid, y->uid);

    if (c != 0)
        return c;
    return x->rid_t < y->rid_t ? -1 : x->rid_t > y->rid_t;
}

/* Index of the first override of uid with RECURRENCE-ID >= t. */
static size_t
ics_ov_lower(const struct ics_ctx *ctx, const char *uid, int64_t t)
{
    size_t lo = 0, hi = ctx->novs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ctx->ovs[mid]->uid, uid);

        if (c < 0 || (c == 0 && ctx->ovs[mid]->rid_t < t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct ics_item *
ics_ov_find(const struct ics_ctx *ctx, const char *uid, int64_t t)
{
    for (size_t i = ics_ov_lower(ctx, uid, t); i < ctx->novs; i++) {
        struct ics_item *ov = ctx->ovs[i];

        if (ov->rid_t != t || strcmp(ov->uid, uid) != 0)
            break;
        if (!ov->done)
            return ov;
    }
    return NULL;
}

/*
 * Read an override's RECURRENCE-ID.  A floating one is taken in the zone of
 * the override's own DTSTART.
 * Returns: 1 to keep it, 0 when it is dropped (and counted if unreadable).
 */
static int
ics_ov_init(struct ics_ctx *ctx, struct ics_item *it)
{
    struct icaltimetype rt = icalproperty_get_recurrenceid(it->rid);
    icaltimezone *floating = ctx->deftz;

    if (it->broken || !ics_uid_ok(it->uid, 1) || rt.is_date ||
        !ics_time_ok(&rt, ICS_MIN_YEAR)) {
        ctx->skipped++;
        return 0;
    }
    if (rt.year > ctx->max_year)
        return 0;
    if (it->dtstart != NULL) {
        struct icaltimetype dt = icalproperty_get_dtstart(it->dtstart);

        if (!dt.is_date)
            floating = ics_value_zone(ctx, it->dtstart, dt, ctx->deftz);
    }
    it->rid_zone = ics_value_zone(ctx, it->rid, rt, floating);
    it->rid_tt = rt;
    it->rid_tt.zone = it->rid_zone;
    it->rid_t = ics_utc(rt, it->rid_zone);
    return 1;
}

/*
 * After a series: its overrides that replaced nothing.  Those naming a time
 * the expansion did not reach (horizon and later) are reported alone; those
 * naming a time it covered, or an excluded one, name no instance and are
 * dropped.
 */
static void
ics_ov_settle(struct ics_ctx *ctx, const struct ics_series *s, int64_t horizon,
              const int64_t *ex, size_t nex)
{
    size_t lo = ics_ov_lower(ctx, s->uid, INT64_MIN);
    int64_t last = 0;
    int any = 0;

    if (lo == ctx->novs || strcmp(ctx->ovs[lo]->uid, s->uid) != 0 ||
        ctx->ovs[lo]->settled)
        return;
    ctx->ovs[lo]->settled = 1;
    for (size_t i = lo; i < ctx->novs; i++) {
        struct ics_item *ov = ctx->ovs[i];

        if (strcmp(ov->uid, s->uid) != 0)
            break;
        if (ov->done)
            continue;
        ov->done = 1;
        if (ov->rid_t < horizon || ics_has64(ex, nex, ov->rid_t) ||
            (any && ov->rid_t == last))
            continue;
        ics_emit_override(ctx, ov, s);
        last = ov->rid_t;
        any = 1;
    }
}

/* Expand one series and report its instances. */
static void
ics_series(struct ics_ctx *ctx, struct ics_item *it)
{
    struct ics_series s;
    struct ics_occs occs = {NULL, 0, 0};
    int64_t *ex = NULL, horizon;
    int cut = 0;
    int *exdays = NULL, has;
    size_t nex = 0, nexdays = 0;

    memset(&s, 0, sizeof(s));
    s.uid = it->uid;
    s.recurring = it->recurring;
    if (it->broken || !ics_uid_ok(it->uid, it->recurring) ||
        it->dtstart == NULL) {
        ctx->skipped++;
        return;
    }
    s.start_tt = icalproperty_get_dtstart(it->dtstart);
    if (!ics_time_ok(&s.start_tt, ICS_MIN_YEAR)) {
        ctx->skipped++; /* all-day, or not a time */
        return;
    }
    if (s.start_tt.year > ctx->max_year)
        return;
    s.zone = ics_value_zone(ctx, it->dtstart, s.start_tt, ctx->deftz);
    s.start_tt.zone = s.zone;
    s.start = ics_utc(s.start_tt, s.zone);
    s.dur = ics_duration(ctx, it, &s.start_tt, s.zone, s.start, &has);
    s.summary =
        it->summary != NULL ? icalproperty_get_summary(it->summary) : NULL;
    s.cancelled = ics_is_cancelled(it->status);
    horizon = s.recurring ? ctx->to : INT64_MAX;

    ics_occ_push(&occs, s.start, -1, ics_ymd(&s.start_tt));
    for (size_t i = 0; i < it->nrec; i++) {
        icalproperty *p = it->rec[i];

        switch (icalproperty_isa(p)) {
        case ICAL_RRULE_PROPERTY:
            if (ics_expand(ctx, p, &s, &occs, &horizon, &cut) < 0) {
                ctx->skipped++;
                goto out;
            }
            break;
        case ICAL_RDATE_PROPERTY:
            ics_rdate(ctx, p, &s, &occs);
            break;
        case ICAL_EXDATE_PROPERTY:
            ics_exdate(ctx, p, &s, &ex, &nex, &exdays, &nexdays);
            break;
        default:
            break;
        }
    }
    qsort(occs.v, occs.n, sizeof(*occs.v), ics_occ_cmp);
    if (nex > 0)
        qsort(ex, nex, sizeof(*ex), ics_cmp64);
    if (nexdays > 0)
        qsort(exdays, nexdays, sizeof(*exdays), ics_cmpint);
    for (size_t i = 0; i < occs.n && !ctx->stop; i++) {
        const struct ics_occ *o = &occs.v[i];
        struct ics_item *ov;

        if ((i > 0 && o->start == occs.v[i - 1].start) ||
            ics_has64(ex, nex, o->start) || ics_hasint(exdays, nexdays, o->ymd))
            continue;
        ov = ics_ov_find(ctx, s.uid, o->start);
        if (ov != NULL) {
            ov->done = 1;
            ics_emit_override(ctx, ov, &s);
            continue;
        }
        ics_emit(ctx, s.uid, s.recurring ? &o->start : NULL, o->start,
                 o->end >= 0 ? o->end : o->start + s.dur, s.summary,
                 s.cancelled);
    }
    ics_ov_settle(ctx, &s, horizon, ex, nex);
    /* What came before the cut was reported; the series still lost some. */
    if (cut)
        ctx->skipped++;
out:
    free(occs.v);
    free(ex);
    free(exdays);
}

static int
ics_tzdef_cmp(const void *a, const void *b)
{
    const struct ics_tzdef *x = a, *y = b;
    int c = strcmp(x->tzid, y->tzid);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Every VTIMEZONE of the calendar, by TZID, for ics_zone_find(). */
static void
ics_tzdefs_init(struct ics_ctx *ctx, icalcomponent *cal)
{
    size_t size = 0;

    for (icalcomponent *c =
             icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
         c != NULL;
         c = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
        icalproperty *p =
            icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
        const char *tzid = p != NULL ? icalproperty_get_tzid(p) : NULL;

        if (tzid == NULL || tzid[0] == '\0')
            continue;
        if (ctx->ntzdefs == size) {
            size = size ? size * 2 : 4;
            ctx->tzdefs = xrealloc(ctx->tzdefs, size * sizeof(*ctx->tzdefs));
        }
        ctx->tzdefs[ctx->ntzdefs].tzid = tzid;
        ctx->tzdefs[ctx->ntzdefs].comp = c;
        ctx->tzdefs[ctx->ntzdefs].order = ctx->ntzdefs;
        ctx->ntzdefs++;
    }
    if (ctx->ntzdefs > 0)
        qsort(ctx->tzdefs, ctx->ntzdefs, sizeof(*ctx->tzdefs), ics_tzdef_cmp);
}

static void
ics_calendar(struct ics_ctx *ctx, icalcomponent *cal)
{
    struct ics_item *items = NULL;
    size_t n = 0, size = 0;

    ics_tzdefs_init(ctx, cal);
    for (icalcomponent *c =
             icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
         c != NULL;
         c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (n == size) {
            size = size ? size * 2 : 16;
            items = xrealloc(items, size * sizeof(*items));
        }
        ics_item_init(&items[n++], c);
    }
    ctx->ovs = xcalloc(n, sizeof(*ctx->ovs));
    ctx->novs = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].rid != NULL && ics_ov_init(ctx, &items[i]))
            ctx->ovs[ctx->novs++] = &items[i];
    }
    if (ctx->novs > 0)
        qsort(ctx->ovs, ctx->novs, sizeof(*ctx->ovs), ics_ov_cmp);
    for (size_t i = 0; i < n && !ctx->stop; i++) {
        if (items[i].rid == NULL)
            ics_series(ctx, &items[i]);
    }
    /* Overrides whose series is not in the file (or was skipped). */
    for (size_t i = 0; i < ctx->novs && !ctx->stop; i++) {
        struct ics_item *ov = ctx->ovs[i];

        if (ov->done)
            continue;
        ov->done = 1;
        if (i > 0 && ctx->ovs[i - 1]->rid_t == ov->rid_t &&
            strcmp(ctx->ovs[i - 1]->uid, ov->uid) == 0)
            continue;
        ics_emit_override(ctx, ov, NULL);
    }
    for (size_t i = 0; i < n; i++)
        free(items[i].rec);
    free(items);
    free(ctx->ovs);
    ctx->ovs = NULL;
    ctx->novs = 0;
    ics_zones_release(ctx);
}

/* The latest local year worth converting: the year after the window. */
static int
ics_max_year(int64_t to)
{
    time_t t;
    struct tm tm;
    int y;

    if (to <= 0)
        return ICS_MIN_YEAR - 1;
    if (to >= (int64_t)20000000000) /* past 2583 */
        return ICS_MAX_YEAR;
    t = (time_t)to;
    gmtime_r(&t, &tm);
    y = tm.tm_year + 1900 + 1;
    return y < ICS_MAX_YEAR ? y : ICS_MAX_YEAR;
}

int
ics_parse(const char *text, size_t len, const char *default_tz, int64_t from,
          int64_t to, ics_event_cb *cb, void *arg, int *skipped, char *err)
{
    struct ics_ctx ctx;
    icalcomponent *root = NULL;
    icalcomponent **cals = NULL;
    size_t ncals = 0, size = 0;
    char *copy = NULL;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    if (skipped != NULL)
        *skipped = 0;
    icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
    if (default_tz == NULL || default_tz[0] == '\0') {
        ctx.deftz = icaltimezone_get_utc_timezone();
    } else if ((ctx.deftz = ics_zone_builtin(default_tz)) == NULL) {
        err_set(err, "unknown time zone \"%s\"", default_tz);
        return ERR_INVAL;
    }
    if (text == NULL)
        len = 0;
    if (len > ICS_MAX_BYTES) {
        err_set(err, "the calendar is too large (over 1 MiB)");
        return ERR_INVAL;
    }
    if (len > 0 && memchr(text, '\0', len) != NULL) {
        err_set(err, "the calendar holds a NUL byte");
        return ERR_INVAL;
    }
    if (len == 0) {
        err_set(err, "not an iCalendar file (no BEGIN:VCALENDAR)");
        return ERR_INVAL;
    }
    if ((rc = ics_prescan(text, len, &copy, err)) < 0)
        return rc;

    ctx.from = from;
    ctx.to = to;
    ctx.cb = cb;
    ctx.arg = arg;
    ctx.max_year = ics_max_year(to);
    ics_zone_prime(&ctx, ctx.deftz);
    root = icalparser_parse_string(copy);
    free(copy);
    if (root == NULL) {
        err_set(err, "not an iCalendar file (libical could not read it)");
        rc = ERR_INVAL;
        goto out;
    }
    /* Several VCALENDARs come back under an XROOT. */
    if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
        cals = xmalloc(sizeof(*cals));
        cals[ncals++] = root;
    } else {
        for (icalcomponent *c = icalcomponent_get_first_component(
                 root, ICAL_VCALENDAR_COMPONENT);
             c != NULL; c = icalcomponent_get_next_component(
                            root, ICAL_VCALENDAR_COMPONENT)) {
            if (ncals == size) {
                size = size ? size * 2 : 4;
                cals = xrealloc(cals, size * sizeof(*cals));
            }
            cals[ncals++] = c;
        }
    }
    for (size_t i = 0; i < ncals && !ctx.stop; i++)
        ics_calendar(&ctx, cals[i]);
    rc = ctx.rc < 0 ? ctx.rc : ctx.reported;
out:
    free(cals);
    if (root != NULL)
        icalcomponent_free(root);
    icalerror_clear_errno();
    if (skipped != NULL)
        *skipped = ctx.skipped;
    return rc;
}
