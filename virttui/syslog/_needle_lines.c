/* The lines of a buffer that hold a needle, told apart in one call per chunk: the host's
 * own lines (logline.host_lines(host) matches them) and the others (all of them when the host
 * is empty).
 *
 * The compiled twin of virttui.syslog.needle_lines.python_lines_with: a search over a GiB
 * finds hundreds of thousands of a domain's lines, and a Python loop over them cost more
 * than the search itself. The two must agree on every line; the tests hold them to it
 * (tests/test_needle_lines.py). Built when the machine has a C compiler; without it the
 * Python twin does the work.
 */

#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <string.h>

typedef const unsigned char *cursor;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

/* Printable ASCII but '[', ']' and ':' (logline.host_lines's program). */
static int is_program_byte(unsigned char c) {
    return c >= '!' && c <= '~' && c != '[' && c != ']' && c != ':';
}

/* After `count` digits from p, or NULL. */
static cursor digits(cursor p, cursor end, int count) {
    if (!p)
        return NULL;
    for (int i = 0; i < count; i++, p++)
        if (p >= end || !is_digit(*p))
            return NULL;
    return p;
}

static cursor byte(cursor p, cursor end, unsigned char wanted) {
    return p && p < end && *p == wanted ? p + 1 : NULL;
}

/* After an optional "<PRI>" (1 to 3 digits). Where there is none, p itself. */
static cursor after_pri(cursor p, cursor end) {
    if (p >= end || *p != '<')
        return p;
    cursor q = p + 1;
    int count = 0;
    while (q < end && is_digit(*q) && count < 3) {
        q++;
        count++;
    }
    return count > 0 && q < end && *q == '>' ? q + 1 : p;
}

/* "Nov 24 09:00:01" */
static cursor after_traditional_time(cursor p, cursor end) {
    if (end - p < 15 || !is_upper(p[0]) || !is_lower(p[1]) || !is_lower(p[2]) || p[3] != ' ')
        return NULL;
    if (!(p[4] == ' ' || is_digit(p[4])) || !is_digit(p[5]) || p[6] != ' ')
        return NULL;
    cursor q = digits(p + 7, end, 2);
    q = digits(byte(q, end, ':'), end, 2);
    return digits(byte(q, end, ':'), end, 2);
}

/* "2026-11-24T09:00:01", then an optional ".123456", then "Z" or "+01:00" */
static cursor after_precise_time(cursor p, cursor end) {
    cursor q = digits(p, end, 4);
    q = digits(byte(q, end, '-'), end, 2);
    q = digits(byte(q, end, '-'), end, 2);
    q = digits(byte(q, end, 'T'), end, 2);
    q = digits(byte(q, end, ':'), end, 2);
    q = digits(byte(q, end, ':'), end, 2);
    if (!q)
        return NULL;
    if (q + 1 < end && *q == '.' && is_digit(q[1])) {
        q++;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && *q == 'Z')
        return q + 1;
    if (q < end && (*q == '+' || *q == '-'))
        return digits(byte(digits(q + 1, end, 2), end, ':'), end, 2);
    return NULL;
}

static int starts_with(cursor p, cursor end, const char *word) {
    size_t length = strlen(word);
    return (size_t)(end - p) >= length && memcmp(p, word, length) == 0;
}

/* A program that hands pids: its lines are parsed, never told without parsing. */
static int is_handing_tag(cursor p, cursor end) {
    static const char *handing[] = {"virtuald", "virtexec"};
    for (size_t i = 0; i < sizeof handing / sizeof *handing; i++) {
        size_t length = strlen(handing[i]);
        if (starts_with(p, end, handing[i]) && p + length < end && (p[length] == '[' || p[length] == ':'))
            return 1;
    }
    return 0;
}

/* Whether the line [p, end) is the host's own: PRI? TIME ' ' HOST ' '+ PROGRAM ('[' pid ']')? ':' */
static int is_own_line(cursor p, cursor end, cursor host, Py_ssize_t host_length) {
    p = after_pri(p, end);
    cursor q = after_traditional_time(p, end);
    if (!q)
        q = after_precise_time(p, end);
    q = byte(q, end, ' ');
    if (!q || end - q < host_length || memcmp(q, host, host_length) != 0)
        return 0;
    q += host_length;
    if (q >= end || *q != ' ')
        return 0;
    while (q < end && *q == ' ')
        q++;
    if (is_handing_tag(q, end) || q >= end || !is_program_byte(*q))
        return 0;
    while (q < end && is_program_byte(*q))
        q++;
    if (q < end && *q == '[') {
        cursor pid = q + 1;
        while (pid < end && is_digit(*pid))
            pid++;
        if (pid > q + 1 && pid < end && *pid == ']')
            q = pid + 1;
    }
    return q < end && *q == ':';
}

/* The last `keep` (start, stop) pairs seen, in a ring. */
typedef struct {
    Py_ssize_t *pairs;
    Py_ssize_t keep, seen;
} Ring;

static void ring_add(Ring *ring, Py_ssize_t start, Py_ssize_t stop) {
    if (ring->keep == 0)
        return;
    Py_ssize_t slot = ring->seen % ring->keep;
    ring->pairs[2 * slot] = start;
    ring->pairs[2 * slot + 1] = stop;
    ring->seen++;
}

static int append_pair(PyObject *list, Py_ssize_t start, Py_ssize_t stop) {
    PyObject *pair = Py_BuildValue("(nn)", start, stop);
    if (!pair)
        return -1;
    int failed = PyList_Append(list, pair);
    Py_DECREF(pair);
    return failed;
}

static int append_ring(PyObject *list, const Ring *ring) {
    Py_ssize_t held = ring->seen < ring->keep ? ring->seen : ring->keep;
    for (Py_ssize_t i = ring->seen - held; i < ring->seen; i++) {
        Py_ssize_t slot = i % ring->keep;
        if (append_pair(list, ring->pairs[2 * slot], ring->pairs[2 * slot + 1]) < 0)
            return -1;
    }
    return 0;
}

/* The search proper, on a buffer held still. Own lines go to `own` (keep < 0) or the ring. */
static Py_ssize_t scan(cursor buffer, Py_ssize_t low, Py_ssize_t high, cursor needle, Py_ssize_t needle_length,
                       cursor host, Py_ssize_t host_length, PyObject *others, PyObject *own, Ring *ring) {
    Py_ssize_t own_count = 0, position = low;
    while (high - position >= needle_length) {
        cursor found = memmem(buffer + position, high - position, needle, needle_length);
        if (!found)
            break;
        cursor newline = memrchr(buffer + low, '\n', found - (buffer + low));
        Py_ssize_t start = newline ? newline - buffer + 1 : low;
        cursor end = memchr(found, '\n', buffer + high - found);
        Py_ssize_t stop = end ? end - buffer : high;
        if (host_length > 0 && is_own_line(buffer + start, buffer + stop, host, host_length)) {
            own_count++;
            if (!ring) {
                if (append_pair(own, start, stop) < 0)
                    return -1;
            } else {
                ring_add(ring, start, stop);
            }
        } else if (append_pair(others, start, stop) < 0) {
            return -1;
        }
        position = stop + 1;   /* the next line: a needle may hold a newline */
    }
    return own_count;
}

PyDoc_STRVAR(lines_with_doc,
"lines_with(buffer, low, high, needle, host, keep) -> (others, own, own_count)\n\n"
"The lines of buffer[low:high] that hold `needle`, as (start, stop) pairs (stop at the\n"
"newline): those that are not `host`'s own lines, and of the own lines the last `keep`\n"
"(all when keep < 0) with how many there were. An empty host has no own lines.");

static PyObject *lines_with(PyObject *module, PyObject *args) {
    Py_buffer buffer, needle, host;
    Py_ssize_t low, high, keep;
    if (!PyArg_ParseTuple(args, "y*nny*y*n", &buffer, &low, &high, &needle, &host, &keep))
        return NULL;
    PyObject *others = NULL, *own = NULL, *result = NULL;
    Py_ssize_t own_count;
    Ring ring = {NULL, keep, 0};
    if (low < 0 || high > buffer.len || low > high || needle.len == 0) {
        PyErr_SetString(PyExc_ValueError, "lines_with: a range outside the buffer, or an empty needle");
        goto done;
    }
    if (keep > (high - low) / needle.len + 1)   /* no more own lines than that fit */
        ring.keep = keep = (high - low) / needle.len + 1;
    if (keep > 0 && !(ring.pairs = PyMem_Malloc(2 * keep * sizeof *ring.pairs))) {
        PyErr_NoMemory();
        goto done;
    }
    if (!(others = PyList_New(0)) || !(own = PyList_New(0)))
        goto done;
    own_count = scan(buffer.buf, low, high, needle.buf, needle.len, host.buf, host.len,
                     others, own, keep >= 0 ? &ring : NULL);
    if (own_count < 0 || (keep > 0 && append_ring(own, &ring) < 0))
        goto done;
    result = Py_BuildValue("(OOn)", others, own, own_count);
done:
    Py_XDECREF(others);
    Py_XDECREF(own);
    PyMem_Free(ring.pairs);
    PyBuffer_Release(&buffer);
    PyBuffer_Release(&needle);
    PyBuffer_Release(&host);
    return result;
}

static PyMethodDef methods[] = {
    {"lines_with", lines_with, METH_VARARGS, lines_with_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_needle_lines",
    "The lines of a buffer that hold a needle, own lines told apart (see needle_lines.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__needle_lines(void) { return PyModule_Create(&module); }
