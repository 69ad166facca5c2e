/*
 * ics.h - coaching sessions out of an iCalendar file (RFC 5545), so a
 * consultant's own calendar drives reflekt.
 *
 * Pure: no clock, no database, nothing kept between calls.  Recurring
 * events are expanded (RRULE, RDATE, EXDATE) with RECURRENCE-ID overrides
 * put in place of the instances they replace; times with a TZID are read in
 * the file's own VTIMEZONE, else in the system's zone of that name, else
 * (an unknown name, or a floating time) in default_tz.  Any bytes may come
 * in: the text is capped and checked, and the expansion of rules and of the
 * file's zones is bounded, so one call ends quickly and in bounded memory.
 */
#ifndef REFLEKT_ICS_H
#define REFLEKT_ICS_H

#include <stddef.h>
#include <stdint.h>

#define ICS_UID_MAX 256
#define ICS_SUMMARY_MAX 256
#define ICS_MAX_BYTES ((size_t)1 << 20) /* longer text is refused */
#define ICS_MAX_INSTANCES 2000          /* reported per call at most */
#define ICS_MAX_STEPS 5000              /* instances of one rule */

struct ics_event {
    /*
     * UID; for an instance of a recurring event, "UID/" and its original
     * start in UTC as YYYYMMDDTHHMMSSZ.  Never empty, no control
     * characters, always NUL-terminated.
     */
    char uid[ICS_UID_MAX];
    int64_t start; /* Unix seconds, UTC */
    int64_t end;   /* Unix seconds, >= start; start without DTEND/DURATION */
    /* SUMMARY cut at a UTF-8 boundary, control characters as spaces; "" when
     * none. */
    char summary[ICS_SUMMARY_MAX];
    int cancelled; /* STATUS:CANCELLED on the event or its override */
};

/*
 * Callback: once per instance.  Lifetime: ev is borrowed for the call.
 * Returns: >= 0 to go on; a negative value stops the walk and is what
 * ics_parse() returns.
 */
typedef int ics_event_cb(const struct ics_event *ev, void *arg);

/*
 * Call cb (NULL only counts) for every VEVENT instance whose start lies in
 * [from, to), in no particular order.  text is len bytes, not
 * NUL-terminated.  default_tz is an IANA name; NULL or "" means UTC.
 *
 * An override replaces the instance its RECURRENCE-ID names, or stands
 * alone when its series is not in the file or was not expanded that far;
 * one naming an instance that does not exist is dropped.
 *
 * Left out and counted in *skipped (may be NULL): all-day events; events
 * without a usable UID (missing, with control characters, or too long for
 * ICS_UID_MAX with the instance suffix) or DTSTART (missing, before 1970,
 * unreadable); events one of whose date or recurrence properties libical
 * could not read; events whose RRULE repeats more often than daily, uses
 * BYWEEKNO or RSCALE, or could go years without an instance (the 30th of
 * February); series left once the call's expansion budget is spent; and
 * series cut short by ICS_MAX_STEPS or that budget before reaching `to`
 * (such as a daily one begun 14 years ago: the instances before the cut
 * are still reported).
 *
 * Bounds: each rule yields at most ICS_MAX_STEPS instances and stops at to;
 * all rules in one call share a budget of steps; zones defined by the file
 * are limited in size.  Zones are expanded up to the year after `to`, so a
 * far `to` costs time: keep the window to what is needed.
 *
 * Returns: the number of instances reported (at most ICS_MAX_INSTANCES);
 * the callback's negative value; or ERR_INVAL with err (ERR_BUFSZ bytes,
 * may be NULL) naming the fault: "not an iCalendar file (no
 * BEGIN:VCALENDAR)", "the calendar is too large (over 1 MiB)", "the
 * calendar holds a NUL byte", "line 12: not valid UTF-8", "line 40:
 * END:VEVENT does not close BEGIN:VALARM (line 35)", "line 9: BEGIN:VEVENT
 * is never closed", "line 70: more than 4096 recurrence rules", or "unknown
 * time zone \"Mars/Olympus\"" for default_tz.
 */
int ics_parse(const char *text, size_t len, const char *default_tz,
              int64_t from, int64_t to, ics_event_cb *cb, void *arg,
              int *skipped, char *err);

#endif
