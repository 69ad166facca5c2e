/*
 * test-sched.c - next due times: weekly and biweekly rules across DST in
 * Oslo and New York, quiet hours, weekends, Norwegian and Swedish holidays,
 * pauses and the summer pause, the weekly cap, rules that end, bad input,
 * the small parsers, and a long run that must stay on 09:00 local.
 *
 * Expected times are literal epoch seconds computed outside reflekt (Python
 * zoneinfo), so the tests do not trust sched_utc() to check sched_next();
 * the comment next to each gives the local and UTC time.
 */
#include "sched.h"

#include "err.h"
#include "holiday.h"
#include "t.h"

#include <stdint.h>
#include <string.h>

#define OSLO "Europe/Oslo"
#define NEW_YORK "America/New_York"
#define WEEKLY_TU_9 "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0"

/* A rule from Monday 2026-03-02 with working hours 08:00-17:00, Mon-Fri. */
static struct sched_rule
rule(const char *cadence, const char *tz, enum holiday_country country)
{
    struct sched_rule r;

    memset(&r, 0, sizeof(r));
    r.cadence = cadence;
    r.dtstart = "2026-03-02";
    r.tz = tz;
    r.work_from = 8 * 60;
    r.work_to = 17 * 60;
    r.work_days = SCHED_DEFAULT_DAYS;
    r.country = country;
    return r;
}

/* sched_next without a cap callback; -1000 plus the code on failure. */
static int64_t
next(const struct sched_rule *r, int64_t after)
{
    char err[ERR_BUFSZ] = "";
    int64_t out = 0;
    int rc = sched_next(r, after, NULL, NULL, &out, err);

    if (rc < 0) {
        fprintf(stderr, "sched_next: %s: %s\n", err_name(rc), err);
        return -1000 + rc;
    }
    return out;
}

/* Successive sched_next calls from after must give want[0..n). */
static void
expect_seq(const struct sched_rule *r, int64_t after, const int64_t *want,
           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t got = next(r, after);

        if (got != want[i])
            fprintf(stderr, "  (occurrence %zu of %s in %s)\n", i, r->cadence,
                    r->tz);
        T_EQ_INT(got, want[i]);
        after = got;
    }
}

/* "2026-03-03 09:00 2" (weekday 0 = Sunday) for readable failures. */
static const char *
local_str(const char *tz, int64_t t, char *buf, size_t size)
{
    struct tm tm;

    if (sched_local(tz, t, &tm) < 0)
        return "(bad zone)";
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_wday);
    return buf;
}

T_TEST(test_local_and_utc)
{
    char buf[64];
    int64_t t = 0;

    /* Tuesday 2026-03-31 09:00 CEST is 07:00Z. */
    T_EQ_STR(local_str(OSLO, 1774940400, buf, sizeof(buf)),
             "2026-03-31 09:00 2");
    T_EQ_STR(local_str(NEW_YORK, 1772546400, buf, sizeof(buf)),
             "2026-03-03 09:00 2");
    T_EQ_STR(local_str("UTC", 0, buf, sizeof(buf)), "1970-01-01 00:00 4");
    /* The day of the change itself: 09:00 on 2026-03-29 is already CEST. */
    T_EQ_INT(sched_utc(OSLO, 2026, 3, 29, 9, 0, &t), 0);
    T_EQ_INT(t, 1774767600);
    T_EQ_INT(sched_utc(OSLO, 2026, 3, 28, 9, 0, &t), 0);
    T_EQ_INT(t, 1774684800);
    T_EQ_INT(sched_utc(OSLO, 2026, 10, 25, 9, 0, &t), 0);
    T_EQ_INT(t, 1792915200);
    T_EQ_INT(sched_utc(OSLO, 2026, 10, 24, 9, 0, &t), 0);
    T_EQ_INT(t, 1792825200);
    T_EQ_INT(sched_utc("UTC", 2026, 3, 1, 0, 0, &t), 0);
    T_EQ_INT(t, 1772323200);
}

T_TEST(test_weekly_oslo_dst)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    static const int64_t spring[] = {
        1772524800, /* Tue 03-03 09:00 CET  = 08:00Z */
        1773129600, /* Tue 03-10 */
        1773734400, /* Tue 03-17 */
        1774339200, /* Tue 03-24 09:00 CET  = 08:00Z */
        1774940400, /* Tue 03-31 09:00 CEST = 07:00Z, after 03-29 */
        1775545200, /* Tue 04-07 */
    };
    static const int64_t autumn[] = {
        1791874800, /* Tue 10-13 09:00 CEST = 07:00Z */
        1792479600, /* Tue 10-20 09:00 CEST = 07:00Z */
        1793088000, /* Tue 10-27 09:00 CET  = 08:00Z, after 10-25 */
        1793692800, /* Tue 11-03 */
    };

    /* From 2026-03-01 00:00Z: the Monday dtstart is not an occurrence. */
    expect_seq(&r, 1772323200, spring, sizeof(spring) / sizeof(spring[0]));
    /* From 2026-10-10 00:00Z. */
    expect_seq(&r, 1791590400, autumn, sizeof(autumn) / sizeof(autumn[0]));
    /* Strictly after: asking at an occurrence gives the one after it. */
    T_EQ_INT(next(&r, 1774339200), 1774940400);
    T_EQ_INT(next(&r, 1774339199), 1774339200);
}

T_TEST(test_weekly_new_york_dst)
{
    struct sched_rule r = rule(WEEKLY_TU_9, NEW_YORK, HOLIDAY_NONE);
    static const int64_t spring[] = {
        1772546400, /* Tue 03-03 09:00 EST = 14:00Z */
        1773147600, /* Tue 03-10 09:00 EDT = 13:00Z, after 03-08 */
        1773752400, /* Tue 03-17 */
    };
    static const int64_t autumn[] = {
        1792501200, /* Tue 10-20 09:00 EDT = 13:00Z */
        1793106000, /* Tue 10-27 09:00 EDT = 13:00Z */
        1793714400, /* Tue 11-03 09:00 EST = 14:00Z, after 11-01 */
        1794319200, /* Tue 11-10 */
    };
    char buf[64];

    expect_seq(&r, 1772323200, spring, sizeof(spring) / sizeof(spring[0]));
    /* From 2026-10-17 00:00Z. */
    expect_seq(&r, 1792195200, autumn, sizeof(autumn) / sizeof(autumn[0]));
    T_EQ_STR(local_str(NEW_YORK, 1793714400, buf, sizeof(buf)),
             "2026-11-03 09:00 2");
}

T_TEST(test_biweekly_phase)
{
    struct sched_rule r =
        rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;BYHOUR=9", OSLO, HOLIDAY_NONE);
    /* Weeks 0, 2, 4, ... counted from the week of 2026-03-02. */
    static const int64_t want[] = {
        1772524800, /* Tue 03-03 */
        1772697600, /* Thu 03-05 */
        1773734400, /* Tue 03-17 */
        1773907200, /* Thu 03-19 */
        1774940400, /* Tue 03-31, CEST */
        1775113200, /* Thu 04-02 */
        1776150000, /* Tue 04-14 */
        1776322800, /* Thu 04-16 */
        1777359600, /* Tue 04-28 */
        1777532400, /* Thu 04-30 */
        1778569200, /* Tue 05-12 */
        1778742000, /* Thu 05-14 */
        1779778800, /* Tue 05-26 */
        1779951600, /* Thu 05-28 */
        1780988400, /* Tue 06-09 */
        1781161200, /* Thu 06-11 */
        1782198000, /* Tue 06-23 */
        1782370800, /* Thu 06-25 */
        1783407600, /* Tue 07-07 */
        1783580400, /* Thu 07-09 */
    };

    expect_seq(&r, 1772323200, want, sizeof(want) / sizeof(want[0]));
    /* Starting a week later shifts the phase: Tue 03-10 comes first. */
    r.dtstart = "2026-03-09";
    T_EQ_INT(next(&r, 1772323200), 1773129600);
    /* Asking in an off week skips to the next on week. */
    r.dtstart = "2026-03-02";
    T_EQ_INT(next(&r, 1772697600), 1773734400);
}

T_TEST(test_quiet_hours)
{
    struct sched_rule r =
        rule("FREQ=WEEKLY;BYDAY=TU;BYHOUR=7;BYMINUTE=0", OSLO, HOLIDAY_NO);
    int64_t out = 0;

    /* 07:00 is before work: Tue 03-03 08:00 CET = 07:00Z. */
    T_EQ_INT(next(&r, 1772323200), 1772521200);
    /* 18:00 is after work: Wed 03-04 08:00. */
    r.cadence = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=0";
    T_EQ_INT(next(&r, 1772323200), 1772607600);
    /* Friday 18:00 moves over the weekend: Mon 03-09 08:00. */
    r.cadence = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=18;BYMINUTE=0";
    T_EQ_INT(next(&r, 1772323200), 1773039600);

    /* Saturday 03-07 10:00 is allowed on Monday 03-09 at 10:00. */
    T_EQ_INT(sched_allowed(&r, 1772874000, &out), 0);
    T_EQ_INT(out, 1773046800);
    /* Inside working hours nothing moves; 17:00 is already closed. */
    T_EQ_INT(sched_allowed(&r, 1773133200, &out), 0); /* Tue 10:00 */
    T_EQ_INT(out, 1773133200);
    T_EQ_INT(sched_allowed(&r, 1773158340, &out), 0); /* Tue 16:59 */
    T_EQ_INT(out, 1773158340);
    T_EQ_INT(sched_allowed(&r, 1773158400, &out), 0); /* Tue 17:00 */
    T_EQ_INT(out, 1773212400);                        /* Wed 08:00 */
    /* Other working days: with only Saturday, Tuesday moves to Saturday. */
    r.work_days = 1u << 6;
    T_EQ_INT(sched_allowed(&r, 1773133200, &out), 0);
    T_EQ_INT(out, 1773478800); /* Sat 03-14 10:00 */
    r.work_days = SCHED_DEFAULT_DAYS;
    /* Paused until resumed: no moment is allowed. */
    r.paused = 1;
    T_EQ_INT(sched_allowed(&r, 1773133200, &out), ERR_NOTFOUND);
    /* Paused until Wed 03-11 08:00: that is the first allowed moment. */
    r.paused_until = 1773212400;
    T_EQ_INT(sched_allowed(&r, 1773133200, &out), 0);
    T_EQ_INT(out, 1773212400);
}

/*
 * sched_allowed promises the FIRST allowed moment at or after t.  After
 * Saturday 20:00 that is Monday 08:00, but the "next day, same local time"
 * move reaches Monday 20:00, after work, and goes on to Tuesday 08:00.
 */
T_TEST(test_allowed_after_hours_weekend)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    int64_t out = 0;

    /* Saturday 2026-03-07 20:00 CET -> Monday 03-09 08:00 CET. */
    T_EQ_INT(sched_allowed(&r, 1772910000, &out), 0);
    T_EQ_INT(out, 1773039600);
}

T_TEST(test_holidays)
{
    struct sched_rule r =
        rule("FREQ=WEEKLY;BYDAY=TH;BYHOUR=9;BYMINUTE=0", OSLO, HOLIDAY_NO);

    /* Kristi himmelfartsdag Thu 2026-05-14 -> Fri 05-15 09:00 CEST. */
    T_EQ_INT(next(&r, 1778198400), 1778828400);
    /* Without a calendar the Thursday stays: Thu 05-14 09:00. */
    r.country = HOLIDAY_NONE;
    T_EQ_INT(next(&r, 1778198400), 1778742000);

    /* 17 May 2027 is a Monday (and Whit Monday) -> Tue 05-18 09:00. */
    r = rule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", OSLO, HOLIDAY_NO);
    T_EQ_INT(next(&r, 1810080000), 1810623600);
    /* Andre påskedag Mon 2026-04-06 -> Tue 04-07 09:00. */
    T_EQ_INT(next(&r, 1775001600), 1775545200);

    /* Midsommarafton Fri 2026-06-19 -> Mon 06-22 09:00 (Swedish only). */
    r = rule("FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0", OSLO, HOLIDAY_SE);
    T_EQ_INT(next(&r, 1781308800), 1782111600);
    r.country = HOLIDAY_NO;
    T_EQ_INT(next(&r, 1781308800), 1781852400); /* Fri 06-19 09:00 */
}

/*
 * "The first due time strictly after `after`": a moved occurrence whose
 * original time has passed is still due.  The Thursday 2026-05-14 holiday
 * question is due on Friday 09:00; asked on Thursday at 12:00 (a resume,
 * a restart, a new leader) the answer must be Friday, not the next Thursday.
 */
T_TEST(test_next_after_original_time_of_moved)
{
    struct sched_rule r =
        rule("FREQ=WEEKLY;BYDAY=TH;BYHOUR=9;BYMINUTE=0", OSLO, HOLIDAY_NO);

    /* Thu 05-14 12:00 CEST -> Fri 05-15 09:00 CEST. */
    T_EQ_INT(next(&r, 1778752800), 1778828400);
    /* A 07:00 rule is due at 08:00; at 07:30 it is still due at 08:00. */
    r = rule("FREQ=WEEKLY;BYDAY=TU;BYHOUR=7;BYMINUTE=0", OSLO, HOLIDAY_NO);
    T_EQ_INT(next(&r, 1772519400), 1772521200);
}

T_TEST(test_pause)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    char err[ERR_BUFSZ] = "";
    int64_t out = 0;

    /* Paused until 2026-04-01 00:00 CEST: 03-10 .. 03-31 are dropped. */
    r.paused = 1;
    r.paused_until = 1774994400;
    T_EQ_INT(next(&r, 1772582400), 1775545200); /* Tue 04-07 09:00 */
    /* The same when asked from inside the pause. */
    T_EQ_INT(next(&r, 1774339200), 1775545200);
    /* A pause ending exactly at an occurrence keeps it (Tue 03-17). */
    r.paused_until = 1773734400;
    T_EQ_INT(next(&r, 1772582400), 1773734400);
    /* Paused until resumed: nothing is due, and no message. */
    r.paused_until = 0;
    T_EQ_INT(sched_next(&r, 1772582400, NULL, NULL, &out, err), ERR_NOTFOUND);
    T_EQ_STR(err, "");
    /* Resumed: the next Tuesday again. */
    r.paused = 0;
    T_EQ_INT(next(&r, 1772582400), 1773129600);
}

T_TEST(test_summer_pause)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);

    r.summer_from = 701;
    r.summer_to = 731;
    /* From 2026-06-25: Tue 06-30 still, then July is dropped. */
    T_EQ_INT(next(&r, 1782345600), 1782802800);
    T_EQ_INT(next(&r, 1782802800), 1785826800); /* Tue 08-04 09:00 */
    /* A pause across New Year: 12-20 .. 01-06. */
    r.summer_from = 1220;
    r.summer_to = 106;
    T_EQ_INT(next(&r, 1796860800), 1797321600); /* Tue 12-15 09:00 CET */
    T_EQ_INT(next(&r, 1797321600), 1799740800); /* Tue 2027-01-12 */
    /* A summer pause needs both ends. */
    r.summer_to = 0;
    T_EQ_INT(next(&r, 1797321600), 1797926400); /* Tue 12-22 */
}

/* Questions "planned" so far; the cap callback counts them per week. */
struct plan {
    int64_t at[64];
    int n;
    int calls;
    int fail; /* return this from the callback when non-zero */
    int64_t week_from[64], week_to[64];
};

static int
plan_count(void *arg, int64_t from, int64_t to)
{
    struct plan *p = arg;
    struct tm a, b;
    int n = 0;

    if (p->fail != 0)
        return p->fail;
    if (p->calls < 64) {
        p->week_from[p->calls] = from;
        p->week_to[p->calls] = to;
    }
    p->calls++;
    /* A local week: Monday 00:00 to the next Monday 00:00. */
    T_EQ_INT(sched_local(OSLO, from, &a), 0);
    T_EQ_INT(sched_local(OSLO, to, &b), 0);
    T_EQ_INT(a.tm_wday, 1);
    T_EQ_INT(a.tm_hour * 60 + a.tm_min, 0);
    T_EQ_INT(b.tm_wday, 1);
    T_EQ_INT(b.tm_hour * 60 + b.tm_min, 0);
    T_CHECK(to - from >= 7 * 86400 - 3600 && to - from <= 7 * 86400 + 3600);
    for (int i = 0; i < p->n; i++)
        n += p->at[i] >= from && p->at[i] < to;
    return n;
}

/* Days from 1970-01-01 to the Monday of t's local week in Oslo. */
static int64_t
local_monday(int64_t t)
{
    struct tm tm;
    int y, m, d;
    int64_t era, yoe, doy, doe;

    if (sched_local(OSLO, t, &tm) < 0)
        return -1;
    y = tm.tm_year + 1900;
    m = tm.tm_mon + 1;
    d = tm.tm_mday;
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - (tm.tm_wday + 6) % 7;
}

static int64_t
plan_next(struct plan *p, const struct sched_rule *r, int64_t after)
{
    char err[ERR_BUFSZ] = "";
    int64_t out = 0;
    int rc = sched_next(r, after, plan_count, p, &out, err);

    if (rc < 0)
        return -1000 + rc;
    if (p->n < 64)
        p->at[p->n++] = out;
    return out;
}

T_TEST(test_weekly_cap)
{
    struct sched_rule r = rule("FREQ=DAILY;BYHOUR=9", OSLO, HOLIDAY_NO);
    struct plan p;
    static const int64_t want[] = {
        1773648000, /* Mon 03-16 09:00 CET */
        1773734400, /* Tue 03-17; Wed-Fri dropped, Sat moves to Mon */
        1774252800, /* Mon 03-23 */
        1774339200, /* Tue 03-24 */
        1774854000, /* Mon 03-30 09:00 CEST */
        1774940400, /* Tue 03-31 */
    };
    int64_t after = 1773615600 - 1; /* just before Mon 03-16 00:00 CET */
    int found_dst_week = 0;

    memset(&p, 0, sizeof(p));
    r.dtstart = "2026-03-16";
    r.weekly_cap = 2;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int64_t got = plan_next(&p, &r, after);

        T_EQ_INT(got, want[i]);
        after = got;
    }
    /* Never more than two in one local week, over ten more weeks. */
    for (int i = 0; i < 20; i++)
        after = plan_next(&p, &r, after);
    T_EQ_INT(p.n, 26);
    for (int i = 0; i < p.n; i++) {
        int64_t week = local_monday(p.at[i]);
        int same = 0;
        struct tm tm;

        for (int j = 0; j < p.n; j++)
            same += local_monday(p.at[j]) == week;
        T_EQ_INT(same, 2);
        /* Easter week starts on Tuesday 04-07: Tuesday and Wednesday. */
        T_EQ_INT(sched_local(OSLO, p.at[i], &tm), 0);
        T_CHECK(tm.tm_wday >= 1 && tm.tm_wday <= 5);
        T_CHECK(!holiday_is(HOLIDAY_NO, tm.tm_year + 1900, tm.tm_mon + 1,
                            tm.tm_mday));
        T_EQ_INT(tm.tm_hour, 9);
    }
    /* The week of 03-23 is an hour short: 22:00Z Sun .. 23:00Z Sun. */
    for (int i = 0; i < p.calls && i < 64; i++) {
        if (p.week_from[i] == 1774220400) {
            T_EQ_INT(p.week_to[i], 1774821600);
            found_dst_week = 1;
        }
    }
    T_CHECK(found_dst_week);
    /* Without a callback the cap cannot be applied: Wed 03-18 comes. */
    T_EQ_INT(next(&r, 1773734400), 1773820800);
}

T_TEST(test_weekly_cap_boundary)
{
    struct sched_rule r = rule("FREQ=DAILY;BYHOUR=9", OSLO, HOLIDAY_NO);
    struct plan p;

    memset(&p, 0, sizeof(p));
    r.dtstart = "2026-03-16";
    r.weekly_cap = 2;
    /* Sunday 23:59 belongs to the week before, Monday 00:00 to this one. */
    p.at[p.n++] = 1773615540; /* Sun 03-15 23:59 CET */
    p.at[p.n++] = 1773615600; /* Mon 03-16 00:00 CET */
    T_EQ_INT(plan_next(&p, &r, 1773615600), 1773648000); /* Mon 09:00 */
    /* Now two this week: the next is Monday 03-23 09:00. */
    T_EQ_INT(plan_next(&p, &r, 1773648000), 1774252800);
}

T_TEST(test_weekly_cap_callback_error)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    struct plan p;
    char err[ERR_BUFSZ] = "";
    int64_t out = 0;

    memset(&p, 0, sizeof(p));
    r.weekly_cap = 1;
    p.fail = ERR_DB;
    T_EQ_INT(sched_next(&r, 1772323200, plan_count, &p, &out, err), ERR_DB);
}

T_TEST(test_count_ends)
{
    struct sched_rule r =
        rule("FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;COUNT=3", OSLO, HOLIDAY_NO);
    static const int64_t want[] = {1772524800, 1773129600, 1773734400};
    char err[ERR_BUFSZ] = "";
    int64_t out = 0;

    expect_seq(&r, 1772323200, want, 3);
    T_EQ_INT(sched_next(&r, 1773734400, NULL, NULL, &out, err), ERR_NOTFOUND);
    T_EQ_STR(err, "");
    /* UNTIL ends a rule too: the last Tuesday before 03-12 is 03-10. */
    r.cadence = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20260312T000000Z";
    T_EQ_INT(next(&r, 1772524800), 1773129600);
    T_EQ_INT(sched_next(&r, 1773129600, NULL, NULL, &out, err), ERR_NOTFOUND);
}

/* sched_next must fail with ERR_INVAL and a message containing what. */
static void
expect_inval(const struct sched_rule *r, const char *what)
{
    char err[ERR_BUFSZ] = "";
    int64_t out = 42;

    T_EQ_INT(sched_next(r, 1772323200, NULL, NULL, &out, err), ERR_INVAL);
    T_CONTAINS(err, what);
    T_EQ_INT(out, 42);
}

T_TEST(test_bad_input)
{
    struct sched_rule r = rule(WEEKLY_TU_9, "Mars/Olympus", HOLIDAY_NO);
    char err[ERR_BUFSZ] = "";
    struct tm tm;
    int64_t t = 0;

    expect_inval(&r, "\"Mars/Olympus\"");
    expect_inval(&r, "time zone");
    r.tz = "";
    expect_inval(&r, "time zone");
    r = rule("every tuesday", OSLO, HOLIDAY_NO);
    expect_inval(&r, "\"every tuesday\"");
    expect_inval(&r, "RRULE");
    r = rule("FREQ=HOURLY;BYMINUTE=0", OSLO, HOLIDAY_NO);
    expect_inval(&r, "\"FREQ=HOURLY;BYMINUTE=0\"");
    expect_inval(&r, "more than once a day");
    r = rule("FREQ=MINUTELY", OSLO, HOLIDAY_NO);
    expect_inval(&r, "more than once a day");
    r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    r.dtstart = "2026/03/02";
    expect_inval(&r, "start date \"2026/03/02\"");
    r.dtstart = "next tuesday";
    expect_inval(&r, "\"next tuesday\"");
    r.dtstart = "";
    expect_inval(&r, "start date");

    /* The same checks before a cadence is stored. */
    T_EQ_INT(sched_check(WEEKLY_TU_9, OSLO, err), 0);
    T_EQ_STR(err, "");
    T_EQ_INT(sched_check("FREQ=MONTHLY;BYMONTHDAY=1", "UTC", err), 0);
    T_EQ_INT(sched_check(WEEKLY_TU_9, "Mars/Olympus", err), ERR_INVAL);
    T_CONTAINS(err, "Mars/Olympus");
    err[0] = '\0';
    T_EQ_INT(sched_check("", OSLO, err), ERR_INVAL);
    T_CONTAINS(err, "cadence \"\"");
    err[0] = '\0';
    T_EQ_INT(sched_check("FREQ=SECONDLY", OSLO, err), ERR_INVAL);
    T_CONTAINS(err, "FREQ=SECONDLY");
    /* First error wins: a second fault does not overwrite the message. */
    T_EQ_INT(sched_check("every day", "Mars/Olympus", err), ERR_INVAL);
    T_CONTAINS(err, "FREQ=SECONDLY");
    /* No err buffer is fine. */
    T_EQ_INT(sched_check("every day", OSLO, NULL), ERR_INVAL);

    T_EQ_INT(sched_local("Mars/Olympus", 0, &tm), ERR_INVAL);
    T_EQ_INT(sched_utc("Mars/Olympus", 2026, 3, 2, 9, 0, &t), ERR_INVAL);
    r.tz = "Mars/Olympus";
    T_EQ_INT(sched_allowed(&r, 1772323200, &t), ERR_INVAL);
}

/*
 * sched_check guards what is stored (a leader's cadence, the configured
 * default), so what it accepts sched_next must be able to expand, and
 * "more than once a day" must not slip in through BYHOUR, BYMINUTE or
 * BYSECOND lists.
 */
T_TEST(test_check_matches_next)
{
    static const char *const unexpandable[] = {
        "RSCALE=X;FREQ=WEEKLY;BYDAY=TU",
        "FREQ=DAILY;BYWEEKNO=1",
        "FREQ=WEEKLY;BYYEARDAY=1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    };
    static const char *const many_a_day[] = {
        "FREQ=DAILY;BYHOUR=9,15",
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0,30",
        "FREQ=WEEKLY;BYDAY=TU;BYSECOND=0,1,2",
    };
    char err[ERR_BUFSZ];

    for (size_t i = 0; i < sizeof(unexpandable) / sizeof(unexpandable[0]);
         i++) {
        struct sched_rule r = rule(unexpandable[i], OSLO, HOLIDAY_NO);
        int64_t out = 0;
        int rc;

        err[0] = '\0';
        rc = sched_check(unexpandable[i], OSLO, err);
        if (rc == 0) {
            /* Accepted: then it must plan. */
            err[0] = '\0';
            rc = sched_next(&r, 1772323200, NULL, NULL, &out, err);
            if (rc == ERR_INVAL)
                fprintf(stderr, "  sched_check accepted \"%s\": %s\n",
                        unexpandable[i], err);
            T_CHECK(rc != ERR_INVAL);
        } else {
            T_EQ_INT(rc, ERR_INVAL);
            T_CONTAINS(err, unexpandable[i]);
        }
    }
    for (size_t i = 0; i < sizeof(many_a_day) / sizeof(many_a_day[0]); i++) {
        err[0] = '\0';
        T_EQ_INT(sched_check(many_a_day[i], OSLO, err), ERR_INVAL);
        T_CONTAINS(err, many_a_day[i]);
    }
}

/*
 * RSCALE makes libical allocate rule.rscale, which the caller must free:
 * under ASan a leak here fails the run at exit.  Refusing RSCALE is as good
 * as expanding it.
 */
T_TEST(test_rscale_no_leak)
{
    static const char cadence[] =
        "RSCALE=GREGORIAN;FREQ=WEEKLY;BYDAY=TU;BYHOUR=9";
    struct sched_rule r = rule(cadence, OSLO, HOLIDAY_NO);
    char err[ERR_BUFSZ] = "";

    if (sched_check(cadence, OSLO, err) == 0)
        T_EQ_INT(next(&r, 1772323200), 1772524800);
    else
        T_CONTAINS(err, "RSCALE");
}

T_TEST(test_parse_hours)
{
    char err[ERR_BUFSZ] = "";
    int from = -1, to = -1;
    static const char *const bad[] = {
        "",
        "8-17",
        "8:00-17:00",
        "08:00 17:00",
        "08:00-17:0",
        "08:00-17:00x",
        "25:00-26:00",
        "08:60-17:00",
        "aa:bb-cc:dd",
        "24:30-24:45",
    };

    T_EQ_INT(sched_parse_hours("08:00-17:00", &from, &to, err), 0);
    T_EQ_INT(from, 480);
    T_EQ_INT(to, 1020);
    T_EQ_INT(sched_parse_hours("09:30-16:15", &from, &to, err), 0);
    T_EQ_INT(from, 570);
    T_EQ_INT(to, 975);
    T_EQ_INT(sched_parse_hours("00:00-24:00", &from, &to, err), 0);
    T_EQ_INT(from, 0);
    T_EQ_INT(to, 1440);
    T_EQ_STR(err, "");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        T_EQ_INT(sched_parse_hours(bad[i], &from, &to, err), ERR_INVAL);
        T_CONTAINS(err, "working hours");
        T_CONTAINS(err, bad[i]);
        T_CONTAINS(err, "HH:MM-HH:MM");
    }
    err[0] = '\0';
    T_EQ_INT(sched_parse_hours("17:00-08:00", &from, &to, err), ERR_INVAL);
    T_EQ_STR(err, "working hours \"17:00-08:00\" end before they start");
    err[0] = '\0';
    T_EQ_INT(sched_parse_hours("08:00-08:00", &from, &to, err), ERR_INVAL);
    T_CONTAINS(err, "end before they start");
}

T_TEST(test_parse_days)
{
    char err[ERR_BUFSZ] = "";
    unsigned mask = 0;
    static const char *const bad[] = {"mo",   "MOTU", "MO;TU",  "MO,XX",
                                      "MO,T", "MON",  "MO, TU", "X"};

    T_EQ_INT(sched_parse_days("MO,TU,WE,TH,FR", &mask, err), 0);
    T_EQ_INT(mask, SCHED_DEFAULT_DAYS);
    T_EQ_INT(sched_parse_days("SA,SU", &mask, err), 0);
    T_EQ_INT(mask, (1u << 6) | (1u << 7));
    T_EQ_INT(sched_parse_days("MO", &mask, err), 0);
    T_EQ_INT(mask, 1u << 1);
    T_EQ_INT(sched_parse_days("SU,MO", &mask, err), 0);
    T_EQ_INT(mask, (1u << 7) | (1u << 1));
    T_EQ_STR(err, "");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        T_EQ_INT(sched_parse_days(bad[i], &mask, err), ERR_INVAL);
        T_CONTAINS(err, "working days");
        T_CONTAINS(err, bad[i]);
    }
    err[0] = '\0';
    T_EQ_INT(sched_parse_days("", &mask, err), ERR_INVAL);
    T_EQ_STR(err, "working days \"\" name no day");
}

T_TEST(test_parse_summer)
{
    char err[ERR_BUFSZ] = "";
    int from = -1, to = -1;
    static const char *const bad[] = {
        "07-01-07-31",  "13-01..07-31",  "07-32..08-01", "02-30..03-01",
        "7-1..7-31",    "07-01..07-31x", "00-01..07-31", "07-00..07-31",
        "july..august", "NONE",
    };

    T_EQ_INT(sched_parse_summer("07-01..07-31", &from, &to, err), 0);
    T_EQ_INT(from, 701);
    T_EQ_INT(to, 731);
    T_EQ_INT(sched_parse_summer("12-20..01-06", &from, &to, err), 0);
    T_EQ_INT(from, 1220);
    T_EQ_INT(to, 106);
    T_EQ_INT(sched_parse_summer("02-29..03-01", &from, &to, err), 0);
    T_EQ_INT(from, 229);
    T_EQ_INT(sched_parse_summer("none", &from, &to, err), 0);
    T_EQ_INT(from, 0);
    T_EQ_INT(to, 0);
    from = to = -1;
    T_EQ_INT(sched_parse_summer("", &from, &to, err), 0);
    T_EQ_INT(from, 0);
    T_EQ_INT(to, 0);
    T_EQ_STR(err, "");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        T_EQ_INT(sched_parse_summer(bad[i], &from, &to, err), ERR_INVAL);
        T_CONTAINS(err, "summer pause");
        T_CONTAINS(err, bad[i]);
    }
}

T_TEST(test_long_run_oslo)
{
    struct sched_rule r = rule(WEEKLY_TU_9, OSLO, HOLIDAY_NO);
    int64_t after = 1772323200, prev = 0;
    int moved = 0;

    for (int i = 0; i < 200; i++) {
        int64_t t = next(&r, after);
        struct tm tm;
        int y, m, d;

        T_CHECK(t > after);
        T_CHECK(t > prev);
        T_EQ_INT(sched_local(OSLO, t, &tm), 0);
        y = tm.tm_year + 1900;
        m = tm.tm_mon + 1;
        d = tm.tm_mday;
        if (tm.tm_hour != 9 || tm.tm_min != 0 || tm.tm_wday == 0 ||
            tm.tm_wday == 6 || holiday_is(HOLIDAY_NO, y, m, d)) {
            fprintf(stderr, "occurrence %d: %04d-%02d-%02d %02d:%02d wday %d\n",
                    i, y, m, d, tm.tm_hour, tm.tm_min, tm.tm_wday);
            T_CHECK(0);
            break;
        }
        moved += tm.tm_wday != 2;
        prev = after = t;
    }
    /* Some Tuesdays are holidays: 2028-12-26, 2029-05-01, 2029-12-25. */
    T_CHECK(moved > 0);
}

T_MAIN(T_CASE(test_local_and_utc), T_CASE(test_weekly_oslo_dst),
       T_CASE(test_weekly_new_york_dst), T_CASE(test_biweekly_phase),
       T_CASE(test_quiet_hours), T_CASE(test_allowed_after_hours_weekend),
       T_CASE(test_holidays), T_CASE(test_next_after_original_time_of_moved),
       T_CASE(test_pause), T_CASE(test_summer_pause), T_CASE(test_weekly_cap),
       T_CASE(test_weekly_cap_boundary), T_CASE(test_weekly_cap_callback_error),
       T_CASE(test_count_ends), T_CASE(test_bad_input),
       T_CASE(test_check_matches_next), T_CASE(test_rscale_no_leak),
       T_CASE(test_parse_hours), T_CASE(test_parse_days),
       T_CASE(test_parse_summer), T_CASE(test_long_run_oslo))
