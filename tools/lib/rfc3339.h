/* RFC 3339 time stamps ("2006-01-02T15:04:05.5Z", "...+02:00") as seconds since the epoch. */
#ifndef LT_RFC3339_H
#define LT_RFC3339_H

/* 0 with *out set, or -1 when s is not a complete, existing RFC 3339 date-time. */
int rfc3339_parse(const char *s, double *out);

#endif
