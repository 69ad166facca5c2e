/*
 * test-holiday.c - Easter, the Norwegian and Swedish holiday calendars and
 * the edges: bad dates, HOLIDAY_NONE, one country's day in the other.
 */
#include "holiday.h"

#include "err.h"
#include "t.h"

#include <stddef.h>

/* Easter Sunday of year as "YYYY-MM-DD", for readable failures. */
static const char *
easter_str(int year, char *buf, size_t size)
{
    int m, d;

    holiday_easter(year, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", year, m, d);
    return buf;
}

T_TEST(test_easter)
{
    char buf[32];

    T_EQ_STR(easter_str(2000, buf, sizeof(buf)), "2000-04-23");
    T_EQ_STR(easter_str(2019, buf, sizeof(buf)), "2019-04-21");
    T_EQ_STR(easter_str(2024, buf, sizeof(buf)), "2024-03-31");
    T_EQ_STR(easter_str(2025, buf, sizeof(buf)), "2025-04-20");
    T_EQ_STR(easter_str(2026, buf, sizeof(buf)), "2026-04-05");
    T_EQ_STR(easter_str(2027, buf, sizeof(buf)), "2027-03-28");
    T_EQ_STR(easter_str(2038, buf, sizeof(buf)), "2038-04-25");
    /* The earliest and latest possible Easter Sundays. */
    T_EQ_STR(easter_str(1818, buf, sizeof(buf)), "1818-03-22");
    T_EQ_STR(easter_str(1943, buf, sizeof(buf)), "1943-04-25");
}

T_TEST(test_easter_out_of_range)
{
    int m = -1, d = -1;

    holiday_easter(1200, &m, &d);
    T_EQ_INT(m, 0);
    T_EQ_INT(d, 0);
    holiday_easter(-5, &m, &d);
    T_EQ_INT(m, 0);
    T_EQ_INT(d, 0);
}

T_TEST(test_norway_2026)
{
    static const struct {
        int month, day;
        const char *name;
    } want[] = {
        {1, 1, "Første nyttårsdag"},
        {4, 2, "Skjærtorsdag"},
        {4, 3, "Langfredag"},
        {4, 5, "Første påskedag"},
        {4, 6, "Andre påskedag"},
        {5, 1, "Arbeidernes dag"},
        {5, 14, "Kristi himmelfartsdag"},
        {5, 17, "Grunnlovsdag"},
        {5, 24, "Første pinsedag"},
        {5, 25, "Andre pinsedag"},
        {12, 24, "Julaften"},
        {12, 25, "Første juledag"},
        {12, 26, "Andre juledag"},
        {12, 31, "Nyttårsaften"},
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    int count = 0;

    for (size_t i = 0; i < n; i++) {
        T_EQ_STR(holiday_name(HOLIDAY_NO, 2026, want[i].month, want[i].day),
                 want[i].name);
        T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, want[i].month, want[i].day), 1);
    }
    /* Complete: no other day of 2026 is a Norwegian holiday. */
    for (int m = 1; m <= 12; m++) {
        for (int d = 1; d <= 31; d++)
            count += holiday_is(HOLIDAY_NO, 2026, m, d);
    }
    T_EQ_INT(count, (int)n);
}

T_TEST(test_sweden_2026)
{
    static const struct {
        int month, day;
        const char *name;
    } want[] = {
        {1, 1, "Nyårsdagen"},
        {1, 6, "Trettondedag jul"},
        {4, 3, "Långfredagen"},
        {4, 4, "Påskafton"},
        {4, 5, "Påskdagen"},
        {4, 6, "Annandag påsk"},
        {5, 1, "Första maj"},
        {5, 14, "Kristi himmelsfärdsdag"},
        {5, 23, "Pingstafton"},
        {5, 24, "Pingstdagen"},
        {6, 6, "Sveriges nationaldag"},
        {6, 19, "Midsommarafton"},
        {6, 20, "Midsommardagen"},
        {10, 31, "Alla helgons dag"},
        {12, 24, "Julafton"},
        {12, 25, "Juldagen"},
        {12, 26, "Annandag jul"},
        {12, 31, "Nyårsafton"},
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    int count = 0;

    for (size_t i = 0; i < n; i++) {
        T_EQ_STR(holiday_name(HOLIDAY_SE, 2026, want[i].month, want[i].day),
                 want[i].name);
    }
    for (int m = 1; m <= 12; m++) {
        for (int d = 1; d <= 31; d++)
            count += holiday_is(HOLIDAY_SE, 2026, m, d);
    }
    T_EQ_INT(count, (int)n);
}

T_TEST(test_sweden_weekday_rules)
{
    T_EQ_STR(holiday_name(HOLIDAY_SE, 2026, 6, 19), "Midsommarafton");
    T_EQ_STR(holiday_name(HOLIDAY_SE, 2027, 6, 25), "Midsommarafton");
    T_EQ_STR(holiday_name(HOLIDAY_SE, 2027, 6, 26), "Midsommardagen");
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2027, 6, 19), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 6, 26), 0);
    T_EQ_STR(holiday_name(HOLIDAY_SE, 2026, 10, 31), "Alla helgons dag");
    T_EQ_STR(holiday_name(HOLIDAY_SE, 2027, 11, 6), "Alla helgons dag");
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2027, 10, 31), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 11, 6), 0);
    /* Midsummer is Swedish only. */
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 6, 19), 0);
}

T_TEST(test_not_holidays)
{
    /* Tuesday 2026-03-10: an ordinary working day in both countries. */
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 3, 10), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 3, 10), 0);
    T_CHECK(holiday_name(HOLIDAY_NO, 2026, 3, 10) == NULL);
    /* Each national day belongs to its own country. */
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 5, 17), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 6, 6), 0);
    /* Maundy Thursday is Norwegian, Easter Saturday Swedish. */
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 4, 2), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 4, 4), 0);
    /* HOLIDAY_NONE observes nothing, not even Christmas. */
    T_EQ_INT(holiday_is(HOLIDAY_NONE, 2026, 12, 25), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NONE, 2026, 1, 1), 0);
    T_CHECK(holiday_name(HOLIDAY_NONE, 2026, 12, 25) == NULL);
    T_EQ_INT(holiday_is((enum holiday_country)42, 2026, 12, 25), 0);
}

T_TEST(test_shared_date)
{
    /* 2008: Ascension Day fell on 1 May; either way it is a day off. */
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2008, 5, 1), 1);
    /* 2012: Ascension Day fell on 17 May. */
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2012, 5, 17), 1);
}

T_TEST(test_invalid_dates)
{
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 0, 1), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 13, 1), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 12, 0), 0);
    T_EQ_INT(holiday_is(HOLIDAY_NO, 2026, 12, 32), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, 2, 30), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 2026, -1, -1), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, 100000, 1, 1), 0);
    T_EQ_INT(holiday_is(HOLIDAY_SE, -2026, 1, 1), 0);
    T_CHECK(holiday_name(HOLIDAY_NO, 2026, 1, 1000000) == NULL);
}

T_TEST(test_country_codes)
{
    enum holiday_country c = HOLIDAY_NONE;

    T_EQ_INT(holiday_country_parse("no", &c), 0);
    T_EQ_INT(c, HOLIDAY_NO);
    T_EQ_INT(holiday_country_parse("se", &c), 0);
    T_EQ_INT(c, HOLIDAY_SE);
    T_EQ_INT(holiday_country_parse("none", &c), 0);
    T_EQ_INT(c, HOLIDAY_NONE);
    T_EQ_INT(holiday_country_parse("dk", &c), ERR_INVAL);
    T_EQ_INT(holiday_country_parse("NO", &c), ERR_INVAL);
    T_EQ_INT(holiday_country_parse("", &c), ERR_INVAL);
    T_EQ_INT(holiday_country_parse(NULL, &c), ERR_INVAL);
    T_EQ_STR(holiday_country_code(HOLIDAY_NO), "no");
    T_EQ_STR(holiday_country_code(HOLIDAY_SE), "se");
    T_EQ_STR(holiday_country_code(HOLIDAY_NONE), "none");
    T_EQ_STR(holiday_country_code((enum holiday_country)42), "none");
}

T_MAIN(T_CASE(test_easter), T_CASE(test_easter_out_of_range),
       T_CASE(test_norway_2026), T_CASE(test_sweden_2026),
       T_CASE(test_sweden_weekday_rules), T_CASE(test_not_holidays),
       T_CASE(test_shared_date), T_CASE(test_invalid_dates),
       T_CASE(test_country_codes))
