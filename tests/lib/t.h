/*
 * t.h - reflekt's tiny test harness.
 *
 * A test file defines test functions with T_TEST(name) and lists them in
 * T_MAIN(...).  Each failed check prints file:line and the values, and marks
 * the current test failed; the binary prints "N passed, N failed" and exits
 * non-zero when anything failed.
 */
#ifndef REFLEKT_T_H
#define REFLEKT_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int t_failed_now;

#define T_TEST(name) static void name(void)

#define T_CHECK(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            t_failed_now = 1;                                                  \
        }                                                                      \
    } while (0)

#define T_EQ_INT(a, b)                                                         \
    do {                                                                       \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                \
        if (t_a_ != t_b_) {                                                    \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__,       \
                    __LINE__, #a, #b, t_a_, t_b_);                             \
            t_failed_now = 1;                                                  \
        }                                                                      \
    } while (0)

#define T_EQ_STR(a, b)                                                         \
    do {                                                                       \
        const char *t_a_ = (a), *t_b_ = (b);                                   \
        if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) {         \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__,   \
                    __LINE__, #a, #b, t_a_ ? t_a_ : "(null)",                  \
                    t_b_ ? t_b_ : "(null)");                                   \
            t_failed_now = 1;                                                  \
        }                                                                      \
    } while (0)

#define T_CONTAINS(hay, needle)                                                \
    do {                                                                       \
        const char *t_h_ = (hay), *t_n_ = (needle);                            \
        if (t_h_ == NULL || strstr(t_h_, t_n_) == NULL) {                      \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n",         \
                    __FILE__, __LINE__, t_h_ ? t_h_ : "(null)", t_n_);         \
            t_failed_now = 1;                                                  \
        }                                                                      \
    } while (0)

struct t_case {
    const char *name;
    void (*fn)(void);
};

int t_run(const char *suite, const struct t_case *cases, size_t n);

#define T_CASE(fn)                                                             \
    {                                                                          \
#fn, fn                                                                \
    }
#define T_MAIN(...)                                                            \
    int main(void)                                                             \
    {                                                                          \
        static const struct t_case t_cases_[] = {__VA_ARGS__};                 \
        return t_run(__FILE__, t_cases_,                                       \
                     sizeof(t_cases_) / sizeof(t_cases_[0]));                  \
    }

#endif
