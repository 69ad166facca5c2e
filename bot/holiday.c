/*
 * holiday.c - Norwegian and Swedish public holidays.
 *
 * Each country is a table of rules: a fixed date, an offset from Easter
 * Sunday, or "the first given weekday on or after a date" (Swedish
 * Midsummer and All Saints' Day).  Dates are compared as day numbers
 * (days since 1970-01-01, proleptic Gregorian), which makes Easter offsets
 * and week windows that cross a month boundary plain subtraction.  Only
 * years 1583..9999 are answered: before 1583 the Gregorian computus is
 * meaningless, and the bound keeps every intermediate value small.  When
 * two rules fall on the same day (17 May can be Ascension Day) the first
 * rule in the table names it.
 */
#include "holiday.h"

#include "err.h"

#include <stddef.h>
#include <string.h>

#define HOLIDAY_YEAR_MIN 1583
#define HOLIDAY_YEAR_MAX 9999

enum holiday_rule_kind {
    HOLIDAY_RULE_FIXED,   /* a = month, b = day */
    HOLIDAY_RULE_EASTER,  /* a = days after Easter Sunday (may be < 0) */
    HOLIDAY_RULE_WEEKDAY, /* a = month, b = day, c = ISO weekday on/after */
};

struct holiday_rule {
    enum holiday_rule_kind kind;
    int a, b, c;
    const char *name;
};

static const struct holiday_rule holiday_no[] = {
    {HOLIDAY_RULE_FIXED, 1, 1, 0, "Første nyttårsdag"},
    {HOLIDAY_RULE_EASTER, -3, 0, 0, "Skjærtorsdag"},
    {HOLIDAY_RULE_EASTER, -2, 0, 0, "Langfredag"},
    {HOLIDAY_RULE_EASTER, 0, 0, 0, "Første påskedag"},
    {HOLIDAY_RULE_EASTER, 1, 0, 0, "Andre påskedag"},
    {HOLIDAY_RULE_FIXED, 5, 1, 0, "Arbeidernes dag"},
    {HOLIDAY_RULE_FIXED, 5, 17, 0, "Grunnlovsdag"},
    {HOLIDAY_RULE_EASTER, 39, 0, 0, "Kristi himmelfartsdag"},
    {HOLIDAY_RULE_EASTER, 49, 0, 0, "Første pinsedag"},
    {HOLIDAY_RULE_EASTER, 50, 0, 0, "Andre pinsedag"},
    {HOLIDAY_RULE_FIXED, 12, 24, 0, "Julaften"},
    {HOLIDAY_RULE_FIXED, 12, 25, 0, "Første juledag"},
    {HOLIDAY_RULE_FIXED, 12, 26, 0, "Andre juledag"},
    {HOLIDAY_RULE_FIXED, 12, 31, 0, "Nyttårsaften"},
};

static const struct holiday_rule holiday_se[] = {
    {HOLIDAY_RULE_FIXED, 1, 1, 0, "Nyårsdagen"},
    {HOLIDAY_RULE_FIXED, 1, 6, 0, "Trettondedag jul"},
    {HOLIDAY_RULE_EASTER, -2, 0, 0, "Långfredagen"},
    {HOLIDAY_RULE_EASTER, -1, 0, 0, "Påskafton"},
    {HOLIDAY_RULE_EASTER, 0, 0, 0, "Påskdagen"},
    {HOLIDAY_RULE_EASTER, 1, 0, 0, "Annandag påsk"},
    {HOLIDAY_RULE_FIXED, 5, 1, 0, "Första maj"},
    {HOLIDAY_RULE_EASTER, 39, 0, 0, "Kristi himmelsfärdsdag"},
    {HOLIDAY_RULE_FIXED, 6, 6, 0, "Sveriges nationaldag"},
    {HOLIDAY_RULE_EASTER, 48, 0, 0, "Pingstafton"},
    {HOLIDAY_RULE_EASTER, 49, 0, 0, "Pingstdagen"},
    {HOLIDAY_RULE_WEEKDAY, 6, 19, 5, "Midsommarafton"},
    {HOLIDAY_RULE_WEEKDAY, 6, 20, 6, "Midsommardagen"},
    {HOLIDAY_RULE_WEEKDAY, 10, 31, 6, "Alla helgons dag"},
    {HOLIDAY_RULE_FIXED, 12, 24, 0, "Julafton"},
    {HOLIDAY_RULE_FIXED, 12, 25, 0, "Juldagen"},
    {HOLIDAY_RULE_FIXED, 12, 26, 0, "Annandag jul"},
    {HOLIDAY_RULE_FIXED, 12, 31, 0, "Nyårsafton"},
};

int
holiday_country_parse(const char *code, enum holiday_country *out)
{
    if (code == NULL || out == NULL)
        return ERR_INVAL;
    if (strcmp(code, "no") == 0)
        *out = HOLIDAY_NO;
    else if (strcmp(code, "se") == 0)
        *out = HOLIDAY_SE;
    else if (strcmp(code, "none") == 0)
        *out = HOLIDAY_NONE;
    else
        return ERR_INVAL;
    return 0;
}

const char *
holiday_country_code(enum holiday_country c)
{
    switch (c) {
    case HOLIDAY_NO:
        return "no";
    case HOLIDAY_SE:
        return "se";
    case HOLIDAY_NONE:
    default:
        return "none";
    }
}

static int
holiday_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
holiday_valid(int year, int month, int day)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int max;

    if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX)
        return 0;
    if (month < 1 || month > 12 || day < 1)
        return 0;
    max = mdays[month - 1];
    if (month == 2 && holiday_leap(year))
        max = 29;
    return day <= max;
}

/*
 * Days since 1970-01-01 (Howard Hinnant's days_from_civil).  Callers have
 * validated the date, so the year is positive and nothing overflows.
 */
static long
holiday_daynum(int year, int month, int day)
{
    long y = month <= 2 ? year - 1 : year;
    long era = y / 400;
    long yoe = y - era * 400;
    long mp = (month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

/* ISO weekday of a day number: 1 = Monday .. 7 = Sunday. */
static int
holiday_weekday(long daynum)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)(((daynum % 7) + 7 + 3) % 7) + 1;
}

void
holiday_easter(int year, int *month, int *day)
{
    int a, b, c, d, e, f, g, h, i, k, l, m;

    if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX) {
        /* Outside the Gregorian range there is no answer to give. */
        *month = 0;
        *day = 0;
        return;
    }
    /* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
    a = year % 19;
    b = year / 100;
    c = year % 100;
    d = b / 4;
    e = b % 4;
    f = (b + 8) / 25;
    g = (b - f + 1) / 3;
    h = (19 * a + b - d - g + 15) % 30;
    i = c / 4;
    k = c % 4;
    l = (32 + 2 * e + 2 * i - h - k) % 7;
    m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

static int
holiday_rule_match(const struct holiday_rule *r, int year, long daynum,
                   long easter)
{
    long start;

    switch (r->kind) {
    case HOLIDAY_RULE_FIXED:
        return daynum == holiday_daynum(year, r->a, r->b);
    case HOLIDAY_RULE_EASTER:
        return daynum == easter + r->a;
    case HOLIDAY_RULE_WEEKDAY:
        start = holiday_daynum(year, r->a, r->b);
        return daynum >= start && daynum < start + 7 &&
               holiday_weekday(daynum) == r->c;
    default:
        return 0;
    }
}

const char *
holiday_name(enum holiday_country c, int year, int month, int day)
{
    const struct holiday_rule *rules;
    size_t n;
    long daynum, easter;
    int em, ed;

    switch (c) {
    case HOLIDAY_NO:
        rules = holiday_no;
        n = sizeof(holiday_no) / sizeof(holiday_no[0]);
        break;
    case HOLIDAY_SE:
        rules = holiday_se;
        n = sizeof(holiday_se) / sizeof(holiday_se[0]);
        break;
    case HOLIDAY_NONE:
    default:
        return NULL;
    }
    if (!holiday_valid(year, month, day))
        return NULL;

    daynum = holiday_daynum(year, month, day);
    holiday_easter(year, &em, &ed);
    easter = holiday_daynum(year, em, ed);
    for (size_t i = 0; i < n; i++) {
        if (holiday_rule_match(&rules[i], year, daynum, easter))
            return rules[i].name;
    }
    return NULL;
}

int
holiday_is(enum holiday_country c, int year, int month, int day)
{
    return holiday_name(c, year, month, day) != NULL;
}
