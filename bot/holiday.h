/*
 * holiday.h - Norwegian and Swedish public holidays, on which reflekt sends
 * nothing.
 *
 * Pure date arithmetic (the Gregorian Easter computus for the movable
 * feasts); no time zones, no allocation.  Besides the official holidays it
 * also counts the days offices are normally closed: Christmas Eve and New
 * Year's Eve in both countries, Easter Saturday, Whitsun Eve and Midsummer
 * Eve in Sweden.
 */
#ifndef REFLEKT_HOLIDAY_H
#define REFLEKT_HOLIDAY_H

enum holiday_country {
    HOLIDAY_NONE = 0, /* no public holidays observed */
    HOLIDAY_NO,       /* Norway */
    HOLIDAY_SE,       /* Sweden */
};

/* Returns: 0 and sets *out for "no", "se" or "none"; ERR_INVAL otherwise. */
int holiday_country_parse(const char *code, enum holiday_country *out);
/* Returns: "no", "se" or "none". */
const char *holiday_country_code(enum holiday_country c);

/* Easter Sunday of year (Gregorian, 1583..9999). */
void holiday_easter(int year, int *month, int *day);

/*
 * Returns: the holiday's name in the country's language ("Kristi
 * himmelfartsdag") if year-month-day is a day off in country c, else NULL.
 */
const char *holiday_name(enum holiday_country c, int year, int month, int day);

/* Returns: 1 if year-month-day is a day off in country c, else 0. */
int holiday_is(enum holiday_country c, int year, int month, int day);

#endif
