/*
 * ics.h - coaching sessions out of an iCalendar file (RFC 5545), so a
 * consultant's own calendar drives reflekt.
 *
 * Pure: no clock, no database.  Recurring events are expanded (RRULE,
 * RDATE, EXDATE) with RECURRENCE-ID overrides put in place of the
 * instances they replace; times with a TZID are read in the file's own
 * VTIMEZONE, else in the system's zone of that name, else (an unknown
 * name, or a floating time) in default_tz.  Any bytes may come in: the
 * text is capped, checked, and expansion is bounded.
 */
#ifndef REFLEKT_ICS_H
#define REFLEKT_ICS_H

#include <stddef.h>
#include <stdint.h>

#define ICS_UID_MAX 256
#define ICS_SUMMARY_MAX 256
#define ICS_MAX_BYTES ((size_t)1 << 20)
#define ICS_MAX_INSTANCES 2000
#define ICS_MAX_STEPS 5000 /* iterations of one rule */

struct ics_event {
    /* UID; for an instance of a recurring event, "UID/" and its original
     * start as YYYYMMDDTHHMMSSZ */
    char uid[ICS_UID_MAX];
    int64_t start, end;            /* Unix seconds; end = start without DTEND */
    char summary[ICS_SUMMARY_MAX]; /* "" when none; control characters
                                      become spaces */
    int cancelled;                 /* STATUS:CANCELLED */
};

/* Borrowed for the call; a negative return stops the walk and is returned. */
typedef int ics_event_cb(const struct ics_event *ev, void *arg);

/*
 * Call cb for every event instance that starts in [from, to).  All-day
 * events (a date without a time) and rules that repeat more often than
 * daily are left out and counted in *skipped (may be NULL).
 * Returns: the number of instances reported, or ERR_INVAL with err
 * (ERR_BUFSZ bytes, may be NULL) naming what was wrong.
 */
int ics_parse(const char *text, size_t len, const char *default_tz,
              int64_t from, int64_t to, ics_event_cb *cb, void *arg,
              int *skipped, char *err);

#endif
