#!/bin/sh
# web-text.sh - check the web console's texts against bot/web-text.c.
#
# Every English text the console's pages (bot/web*.c) pass to T() or web_t()
# must have an entry in web-text.c's table with Norwegian and Swedish; every
# entry must still be used; a translation may not be missing, empty or the
# English text again (save the few listed in $same below), and it must keep
# the English text's printf conversions in order.  The table is kept in
# alphabetical order (case ignored).
#
# A text is a string literal, or adjacent literals joined, inside T()'s second
# argument ("a" "b", cond ? "a" : "b").  When the argument is an array element
# -- T(c, web_day_names[i]) or T(c, tabs[i].label) -- the texts are that
# array's string literals (for .label, the label column) from the array's
# initialiser in the same file.  Anything else is reported, since the check
# cannot see which texts it may be.
#
# Texts are compared as written in the source, escapes and all.
# Run from anywhere; prints each problem and exits 1 if there is any.
set -u
cd "$(dirname "$0")/../.." || exit 1

# Translations that are rightly the English word.  One a line:
# LANG|English text, LANG being nb or sv.
same='nb|Pause'

table=bot/web-text.c
srcs=
for f in bot/web*.c; do
    [ "$f" = "$table" ] || srcs="$srcs $f"
done

# shellcheck disable=SC2086 # $srcs is a list of plain file names
LC_ALL=C awk -v table="$table" -v same="$same" '
# ---- tokens: kind k[] (s string, i identifier, n number, p punctuation),
# text v[] (a string without its quotes), file tf[], line tl[]
function add(kind, text) {
    nt++
    k[nt] = kind
    v[nt] = text
    tf[nt] = FILENAME
    tl[nt] = FNR
}

FNR == 1 { incomment = 0; first[FILENAME] = nt + 1 }
{
    s = $0
    n = length(s)
    p = 1
    while (p <= n) {
        ch = substr(s, p, 1)
        if (incomment) {
            e = index(substr(s, p), "*/")
            if (e == 0)
                break
            p += e + 1
            incomment = 0
            continue
        }
        two = substr(s, p, 2)
        if (two == "//")
            break
        if (two == "/*") {
            incomment = 1
            p += 2
            continue
        }
        if (ch == "\"" || ch == "\047") {
            q = p + 1
            while (q <= n && substr(s, q, 1) != ch)
                q += substr(s, q, 1) == "\\" ? 2 : 1
            if (ch == "\"")
                add("s", substr(s, p + 1, q - p - 1))
            else
                add("n", substr(s, p, q - p + 1))
            p = q + 1
            continue
        }
        if (ch ~ /[A-Za-z_]/) {
            match(substr(s, p), /^[A-Za-z_][A-Za-z0-9_]*/)
            add("i", substr(s, p, RLENGTH))
            p += RLENGTH
            continue
        }
        if (ch ~ /[0-9]/) {
            match(substr(s, p), /^[0-9][A-Za-z0-9_.]*/)
            add("n", substr(s, p, RLENGTH))
            p += RLENGTH
            continue
        }
        if (ch ~ /[ \t\r\f\v]/) {
            p++
            continue
        }
        if (two == "->") {
            add("p", two)
            p += 2
            continue
        }
        add("p", ch)
        p++
    }
    last[FILENAME] = nt
}

# ---- token helpers
function where(t) { return tf[t] ":" tl[t] }

function shown(t) { return "\"" t "\"" }

function opens(t) { return k[t] == "p" && (v[t] == "(" || v[t] == "[" || v[t] == "{") }

function closes(t) { return k[t] == "p" && (v[t] == ")" || v[t] == "]" || v[t] == "}") }

# The token after the bracket at t that closes it.
function skip(t,    d) {
    d = 0
    for (; t <= nt; t++) {
        if (opens(t))
            d++
        else if (closes(t) && --d == 0)
            return t + 1
    }
    return t
}

# Split the tokens from a to b-1 at commas outside brackets: the parts go to
# pa[1..], pb[1..] (start and end, end exclusive); returns their number.
function split_at_commas(a, b,    t, np, start) {
    np = 0
    start = a
    for (t = a; t < b;) {
        if (opens(t)) {
            t = skip(t)
            continue
        }
        if (k[t] == "p" && v[t] == ",") {
            pa[++np] = start
            pb[np] = t
            start = t + 1
        }
        t++
    }
    if (start < b || np > 0) {
        pa[++np] = start
        pb[np] = b
    }
    return np
}

# Each run of adjacent string literals from a to b-1, joined, into
# runs[1..]; returns their number.
function string_runs(a, b,    t, nr, in_run) {
    nr = 0
    in_run = 0
    for (t = a; t < b; t++) {
        if (k[t] == "s") {
            if (!in_run) {
                runs[++nr] = ""
                runline[nr] = t
            }
            runs[nr] = runs[nr] v[t]
            in_run = 1
        } else {
            in_run = 0
        }
    }
    return nr
}

# The index (1-based) of field name in the struct body whose "{" is at t;
# 0 if not found.
function field_index(t, name,    e, np, i, j, last_id, save_a, save_b) {
    e = skip(t) - 1
    # declarators are split by "," and ";" at the top of the body
    np = 0
    last_id = ""
    for (j = t + 1; j < e;) {
        if (opens(j)) {
            j = skip(j)
            continue
        }
        if (k[j] == "i")
            last_id = v[j]
        if (k[j] == "p" && (v[j] == "," || v[j] == ";")) {
            np++
            if (last_id == name)
                return np
            last_id = ""
        }
        j++
    }
    return 0
}

# The texts of array arr (and its column field, if any) declared in file f:
# into found[text] = token; returns 1 if the array was found.
function array_texts(f, arr, field, use,    t, a, b, col, ne, el, ea, eb,
                     ni, it, r, nr, ok, body, tag, u, ia, ib) {
    for (t = first[f]; t <= last[f]; t++) {
        if (k[t] != "i" || v[t] != arr || v[t + 1] != "[")
            continue
        a = skip(t + 1)
        if (v[a] != "=" || v[a + 1] != "{")
            continue
        col = 0
        if (field != "") {
            # the struct body right before the name, or struct TAG { ... }
            body = 0
            u = t - 1
            while (u >= first[f] && k[u] == "i" && v[u] ~ /^(const|volatile)$/)
                u--
            if (v[u] == "}") {
                for (b = u; b >= first[f]; b--)
                    if (v[b] == "{" && skip(b) == u + 1) {
                        body = b
                        break
                    }
            } else if (k[u] == "i" && v[u - 1] == "struct") {
                tag = v[u]
                for (b = first[f]; b <= last[f]; b++)
                    if (v[b] == "struct" && v[b + 1] == tag && v[b + 2] == "{") {
                        body = b + 2
                        break
                    }
            }
            if (body == 0)
                return 0
            col = field_index(body, field)
            if (col == 0)
                return 0
        }
        # the initialiser: { el, el, ... }
        ok = 1
        b = skip(a + 1) - 1
        ne = split_at_commas(a + 2, b)
        for (el = 1; el <= ne; el++) {
            ea[el] = pa[el]
            eb[el] = pb[el]
        }
        for (el = 1; el <= ne; el++) {
            if (ea[el] == eb[el])
                continue
            if (col == 0) {
                ia = ea[el]
                ib = eb[el]
            } else {
                if (v[ea[el]] != "{")
                    return 0
                ni = split_at_commas(ea[el] + 1, skip(ea[el]) - 1)
                ia = 0
                for (it = 1; it <= ni; it++) {
                    if (v[pa[it]] == "." && k[pa[it] + 1] == "i") {
                        if (v[pa[it] + 1] == field) {
                            ia = pa[it] + 3
                            ib = pb[it]
                        }
                    } else if (it == col && ia == 0) {
                        ia = pa[it]
                        ib = pb[it]
                    }
                }
                if (ia == 0)
                    continue
            }
            nr = string_runs(ia, ib)
            for (r = 1; r <= nr; r++)
                use_text(runs[r], use)
        }
        return ok
    }
    return 0
}

function use_text(text, t) {
    if (!(text in used)) {
        used[text] = t
        order[++nused] = text
    }
}

# The printf conversions in s, in order, as one string.
function conversions(s,    out) {
    out = ""
    while (match(s, /%[-+ #0-9.*lhzjtL]*[a-zA-Z%]/)) {
        out = out " " substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
    }
    return out
}

function problem(msg) {
    print "web-text: " msg
    bad = 1
}

END {
    nsame = split(same, sl, "\n")
    for (i = 1; i <= nsame; i++)
        if (sl[i] != "")
            sameok[sl[i]] = 1

    # ---- the uses
    for (t = 1; t <= nt; t++) {
        if (tf[t] == table || k[t] != "i" || (v[t] != "T" && v[t] != "web_t"))
            continue
        if (v[t + 1] != "(" || v[t - 1] == "." || v[t - 1] == "->")
            continue
        e = skip(t + 1)
        na = split_at_commas(t + 2, e - 1)
        if (na != 2) {
            problem(where(t) ": " v[t] "() without two arguments")
            continue
        }
        a = pa[2]
        b = pb[2]
        nr = string_runs(a, b)
        if (nr > 0) {
            for (r = 1; r <= nr; r++)
                use_text(runs[r], runline[r])
            continue
        }
        # NAME [ ... ] or NAME [ ... ] . FIELD
        ok = 0
        if (k[a] == "i" && v[a + 1] == "[") {
            c = skip(a + 1)
            if (c == b)
                ok = array_texts(tf[t], v[a], "", t)
            else if (c + 2 == b && v[c] == "." && k[c + 1] == "i")
                ok = array_texts(tf[t], v[a], v[c + 1], t)
        }
        if (!ok) {
            arg = ""
            for (u = a; u < b; u++)
                arg = arg v[u]
            problem(where(t) ": cannot tell the texts " v[t] \
                    "() may get from " arg)
        }
    }

    # ---- the table: web_texts[] = { {en, nb, sv}, ... }
    for (t = 1; t <= nt; t++)
        if (tf[t] == table && v[t] == "web_texts" && v[t + 1] == "[")
            break
    if (t > nt) {
        problem(table ": no web_texts[] table")
        exit 1
    }
    a = skip(t + 1)
    if (v[a] != "=" || v[a + 1] != "{") {
        problem(table ": web_texts[] has no initialiser")
        exit 1
    }
    ne = split_at_commas(a + 2, skip(a + 1) - 1)
    for (el = 1; el <= ne; el++) {
        ea[el] = pa[el]
        eb[el] = pb[el]
    }
    prev = ""
    for (el = 1; el <= ne; el++) {
        if (ea[el] == eb[el])
            continue
        w = where(ea[el])
        if (v[ea[el]] != "{" || split_at_commas(ea[el] + 1,
                                                 skip(ea[el]) - 1) != 3) {
            problem(w ": an entry that is not {en, nb, sv}")
            continue
        }
        for (c = 1; c <= 3; c++) {
            col[c] = ""
            has[c] = 0
            for (u = pa[c]; u < pb[c]; u++)
                if (k[u] == "s") {
                    col[c] = col[c] v[u]
                    has[c] = 1
                }
        }
        en = col[1]
        if (!has[1]) {
            problem(w ": an entry without English")
            continue
        }
        if (en in entry) {
            problem(w ": " shown(en) " is in the table twice")
            continue
        }
        entry[en] = 1
        if (prev != "" && tolower(en) < tolower(prev))
            problem(w ": " shown(en) " is out of order (the table is " \
                    "alphabetical, case ignored): it belongs before " \
                    shown(prev))
        prev = en
        if (!(en in used))
            problem(w ": " shown(en) " is in the table but no page uses it")
        lname[2] = "nb"
        lname[3] = "sv"
        for (c = 2; c <= 3; c++) {
            if (!has[c] || col[c] == "")
                problem(w ": " shown(en) " has no " lname[c])
            else if (col[c] == en && !((lname[c] "|" en) in sameok))
                problem(w ": " shown(en) " has the English text as its " \
                        lname[c] " (if that is right, add it to $same in " \
                        "tests/lint/web-text.sh)")
            else if (conversions(col[c]) != conversions(en))
                problem(w ": " shown(en) "\047s " lname[c] " " \
                        shown(col[c]) " does not keep its conversions" \
                        conversions(en))
        }
    }

    for (i = 1; i <= nused; i++)
        if (!(order[i] in entry))
            problem(where(used[order[i]]) ": " shown(order[i]) \
                    " is not in " table)
    exit bad
}
' $srcs "$table"
