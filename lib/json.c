/* JSON strings and base64, for one-object-per-line output. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msgend.h"

bool json_utf8_valid(const void *p, size_t len)
{
	const unsigned char *s = p, *end = s + len;

	while (s < end) {
		unsigned c = *s;
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - s) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

size_t json_string_max(size_t len)
{
	return len * 6 + 2;
}

size_t json_string(char *out, const void *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	char *o = out;

	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
		case '\\':
			*o++ = '\\';
			*o++ = (char)c;
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\b':
			*o++ = '\\';
			*o++ = 'b';
			break;
		case '\f':
			*o++ = '\\';
			*o++ = 'f';
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				*o++ = '\\';
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			} else {
				*o++ = (char)c;
			}
		}
	}
	*o++ = '"';
	return (size_t)(o - out);
}

size_t json_base64_max(size_t len)
{
	return (len + 2) / 3 * 4 + 2;
}

size_t json_base64(char *out, const void *p, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	char *o = out;
	size_t i;

	*o++ = '"';
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o++ = '"';
	return (size_t)(o - out);
}

/* Everything in a message line but the data and the sender. */
#define JSON_MESSAGE_FIXED 256u

size_t json_message_max(size_t msgsize)
{
	size_t s = json_string_max(msgsize), b = json_base64_max(msgsize);

	/* The sender is at most MSGEND_SENDER_MAX - 1 bytes, each escaped to
	 * at most six. */
	return (s > b ? s : b) + json_string_max(MSGEND_SENDER_MAX) + JSON_MESSAGE_FIXED;
}

size_t json_message(char *out, const void *msg, size_t len, const struct msg_meta *meta)
{
	size_t slen = strnlen(meta->sender, sizeof(meta->sender));
	bool text = json_utf8_valid(msg, len);
	/* Always with microseconds (a negative usec means none to json_time_iso). */
	long usec = meta->time.tv_nsec > 0 ? meta->time.tv_nsec / 1000 : 0;
	char when[JSON_TIME_MAX];
	char *o = out;

	o += sprintf(o, text ? "{\"data\":" : "{\"data_base64\":");
	o += text ? json_string(o, msg, len) : json_base64(o, msg, len);
	o += sprintf(o, ",\"size\":%zu", len);
	if (meta->has_priority)
		o += sprintf(o, ",\"priority\":%u", meta->priority);
	if (meta->has_type)
		o += sprintf(o, ",\"type\":%ld", meta->type);
	if (slen && json_utf8_valid(meta->sender, slen)) {
		o += sprintf(o, ",\"sender\":");
		o += json_string(o, meta->sender, slen);
	} else if (slen) {
		/* A socket path is any bytes. */
		o += sprintf(o, ",\"sender_base64\":");
		o += json_base64(o, meta->sender, slen);
	}
	if (usec < 0 || usec > 999999)
		usec = 0;
	if (!json_time_iso(when, sizeof(when), meta->time.tv_sec, usec))
		json_time_iso(when, sizeof(when), 0, 0);
	o += sprintf(o, ",\"time\":\"%s\"}\n", when);
	return (size_t)(o - out);
}

size_t json_time_iso(char *buf, size_t len, time_t sec, long usec)
{
	char zone[8];
	struct tm tm;
	size_t n;
	int m;

	if (len)
		buf[0] = '\0';
	/* %z is +hhmm; ISO 8601's extended form, which the date has, wants +hh:mm. */
	if (!localtime_r(&sec, &tm) || strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return 0;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0) {
		if (len)
			buf[0] = '\0'; /* strftime leaves what it wrote */
		return 0;
	}
	if (usec >= 0)
		m = snprintf(buf + n, len - n, ".%06ld%.3s:%.2s", usec % 1000000, zone, zone + 3);
	else
		m = snprintf(buf + n, len - n, "%.3s:%.2s", zone, zone + 3);
	if (m < 0 || (size_t)m >= len - n) {
		buf[0] = '\0';
		return 0;
	}
	return n + (size_t)m;
}

void json_begin(struct json_writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = cap < 3;
	if (!w->overflow)
		w->buf[w->len++] = '{';
}

/* Room for n more bytes, keeping two for the closing "}\n". */
static bool json_room(struct json_writer *w, size_t n)
{
	if (!w->overflow && w->cap - w->len >= n + 2)
		return true;
	w->overflow = true;
	return false;
}

/* ,"key": (keys are the caller's plain ASCII names). */
static bool json_key(struct json_writer *w, const char *key, const char *suffix, size_t more)
{
	size_t n = strlen(key) + strlen(suffix) + 4;

	if (!json_room(w, n + more))
		return false;
	w->len += (size_t)sprintf(w->buf + w->len, "%s\"%s%s\":", w->len > 1 ? "," : "", key,
				  suffix);
	return true;
}

void json_add_string(struct json_writer *w, const char *key, const char *value)
{
	size_t len = strlen(value);

	if (json_utf8_valid(value, len)) {
		if (json_key(w, key, "", json_string_max(len)))
			w->len += json_string(w->buf + w->len, value, len);
	} else if (json_key(w, key, "_base64", json_base64_max(len))) {
		w->len += json_base64(w->buf + w->len, value, len);
	}
}

void json_add_int(struct json_writer *w, const char *key, long long value)
{
	if (json_key(w, key, "", 24))
		w->len += (size_t)sprintf(w->buf + w->len, "%lld", value);
}

void json_add_null(struct json_writer *w, const char *key)
{
	if (json_key(w, key, "", 4))
		w->len += (size_t)sprintf(w->buf + w->len, "null");
}

void json_add_raw(struct json_writer *w, const char *key, const char *json)
{
	size_t len = strlen(json);

	if (json_key(w, key, "", len)) {
		memcpy(w->buf + w->len, json, len);
		w->len += len;
	}
}

size_t json_end(struct json_writer *w)
{
	if (w->overflow)
		return 0;
	w->buf[w->len++] = '}';
	w->buf[w->len++] = '\n';
	return w->len;
}
