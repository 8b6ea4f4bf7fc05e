/* SPDX-License-Identifier: ISC */
/*
 * worker/http_date.c
 * HTTP dates: IMF-fixdate out (Date, Last-Modified), the three RFC 9110
 * forms in (If-Modified-Since), and a per-second cache of the Date header.
 * Written by hand, not with strftime/strptime, whose day and month names
 * follow the locale.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ev.h>

#include "http_priv.h"

static const char wday[7][4] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
    "Aug", "Sep", "Oct", "Nov", "Dec"};

static char *
put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* out must hold WRK_DATE_LEN + 1 bytes. */
void
wrk_http_date_fmt(time_t t, char *out)
{
	struct tm tm;
	char *p = out;

	/* A date that does not fit four digits is a broken clock: use 1970. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	memcpy(p, wday[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put2(p, tm.tm_mday);
	*p++ = ' ';
	memcpy(p, mon[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = put2(p, (tm.tm_year + 1900) / 100);
	p = put2(p, (tm.tm_year + 1900) % 100);
	*p++ = ' ';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	memcpy(p, " GMT", 5);
}

const char *
wrk_http_date_now(struct wrk_http *h)
{
	time_t now = (time_t)ev_now(h->h_loop);

	if (now != h->h_date_sec || h->h_date[0] == '\0') {
		h->h_date_sec = now;
		wrk_http_date_fmt(now, h->h_date);
	}
	return h->h_date;
}

struct scan {
	const char *s;
	size_t len, i;
};

static bool
num(struct scan *sc, size_t min, size_t max, int *v)
{
	size_t n = 0;

	*v = 0;
	while (sc->i < sc->len && n < max && sc->s[sc->i] >= '0' &&
	    sc->s[sc->i] <= '9') {
		*v = *v * 10 + (sc->s[sc->i++] - '0');
		n++;
	}
	return n >= min;
}

static bool
lit(struct scan *sc, char ch)
{
	if (sc->i < sc->len && sc->s[sc->i] == ch) {
		sc->i++;
		return true;
	}
	return false;
}

static bool
month(struct scan *sc, int *m)
{
	int k;

	if (sc->len - sc->i < 3)
		return false;
	for (k = 0; k < 12; k++)
		if (strncasecmp(sc->s + sc->i, mon[k], 3) == 0) {
			sc->i += 3;
			*m = k;
			return true;
		}
	return false;
}

static bool
clock_hms(struct scan *sc, struct tm *tm)
{
	return num(sc, 2, 2, &tm->tm_hour) && lit(sc, ':') &&
	    num(sc, 2, 2, &tm->tm_min) && lit(sc, ':') &&
	    num(sc, 2, 2, &tm->tm_sec);
}

/*
 * IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" or asctime "Sun Nov  6 08:49:37 1994".
 * Returns 0 and sets *t, or -1.
 */
int
wrk_http_date_parse(const char *s, size_t len, time_t *t)
{
	struct scan sc = {s, len, 0};
	struct tm tm;
	char sep;
	int year;
	time_t v;

	memset(&tm, 0, sizeof(tm));
	while (sc.i < len && (s[sc.i] == ' ' || s[sc.i] == '\t'))
		sc.i++;
	while (sc.i < len &&
	    ((s[sc.i] >= 'A' && s[sc.i] <= 'Z') ||
	        (s[sc.i] >= 'a' && s[sc.i] <= 'z')))
		sc.i++;
	if (lit(&sc, ',')) {
		if (!lit(&sc, ' ') || !num(&sc, 2, 2, &tm.tm_mday))
			return -1;
		if (sc.i >= len)
			return -1;
		sep = s[sc.i++];
		if ((sep != ' ' && sep != '-') || !month(&sc, &tm.tm_mon) ||
		    !lit(&sc, sep) || !num(&sc, 2, 4, &year) ||
		    !lit(&sc, ' ') || !clock_hms(&sc, &tm) || !lit(&sc, ' ') ||
		    len - sc.i < 3 || strncmp(s + sc.i, "GMT", 3) != 0)
			return -1;
		sc.i += 3;
		if (year < 100)
			year += year < 70 ? 2000 : 1900;
	} else {
		if (!lit(&sc, ' ') || !month(&sc, &tm.tm_mon) || !lit(&sc, ' '))
			return -1;
		lit(&sc, ' ');
		if (!num(&sc, 1, 2, &tm.tm_mday) || !lit(&sc, ' ') ||
		    !clock_hms(&sc, &tm) || !lit(&sc, ' ') ||
		    !num(&sc, 4, 4, &year))
			return -1;
	}
	while (sc.i < len && (s[sc.i] == ' ' || s[sc.i] == '\t'))
		sc.i++;
	if (sc.i != len || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || year < 1970)
		return -1;
	tm.tm_year = year - 1900;
	if ((v = timegm(&tm)) == (time_t)-1)
		return -1;
	*t = v;
	return 0;
}
