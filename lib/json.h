/*
 * The one JSON writer outside tables (libsmartcols writes those): `recv -J`
 * messages and one-line records such as `signal wait -J`. Strings escaped per RFC 8259, UTF-8
 * validation, base64 for bytes that are not text. Writes into a caller's
 * buffer sized with the *_max functions; never allocates.
 */
#ifndef IPCTOOL_JSON_H
#define IPCTOOL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Whether p is well-formed UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
bool json_utf8_valid(const void *p, size_t len);
/* The most bytes json_string writes for len input bytes, quotes included. */
size_t json_string_max(size_t len);
/* Write p (valid UTF-8) as a quoted JSON string; returns the bytes written. */
size_t json_string(char *out, const void *p, size_t len);
/* The most bytes json_base64 writes for len input bytes, quotes included. */
size_t json_base64_max(size_t len);
/* Write p as a quoted base64 string (RFC 4648, with padding). */
size_t json_base64(char *out, const void *p, size_t len);

/*
 * The one time format of every command (ls, shm/mq/fifo info, recv -J,
 * bench): ISO 8601 local time with the zone offset,
 * "2026-12-03T04:07:38+01:00", with ".uuuuuu" when usec >= 0. Returns the
 * length, or 0 (and "") when it does not fit or the time cannot be shown.
 */
#define JSON_TIME_MAX 40
size_t json_time_iso(char *buf, size_t len, time_t sec, long usec);

struct msg_meta;
/* The most bytes json_message writes for a message of up to msgsize bytes. */
size_t json_message_max(size_t msgsize);
/*
 * A received message as one JSON object and a newline (recv -J): data (or
 * data_base64 when it is not UTF-8), size, priority or type, sender (or
 * sender_base64), time. Returns the bytes written, at most
 * json_message_max(len).
 */
size_t json_message(char *out, const void *msg, size_t len, const struct msg_meta *meta);

/*
 * A one-line JSON object built in a caller's buffer: json_begin, then
 * json_add_* per member, then json_end, which closes it with a newline and
 * returns its length, or 0 when it did not fit in the buffer.
 */
struct json_writer {
	char *buf;
	size_t cap, len;
	bool overflow;
};
void json_begin(struct json_writer *w, char *buf, size_t cap);
/* A string member; a value that is not UTF-8 goes out as key_base64. */
void json_add_string(struct json_writer *w, const char *key, const char *value);
void json_add_int(struct json_writer *w, const char *key, long long value);
void json_add_null(struct json_writer *w, const char *key);
/* A value already in JSON (a number, an array, an object), copied as it is. */
void json_add_raw(struct json_writer *w, const char *key, const char *json);
size_t json_end(struct json_writer *w);

#endif
