/*
 * libFuzzer target for lib/json.c, the JSON writer of `recv -J`: the input
 * gives a message and its metadata (priority, type, sender, time); the
 * line is written into a buffer of exactly json_message_max bytes (ASan
 * sees any overrun), then parsed back by a strict reader here: one object
 * on one line, known keys, and data and sender that decode to the bytes
 * given. json_utf8_valid is checked against an independent decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/json.h"
#include "../../lib/msgend.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

/* Unicode table 3-7, byte by byte: an independent UTF-8 check. */
static bool ref_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i], lo = 0x80, hi = 0xbf;
		size_t k;

		if (c <= 0x7f) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c == 0xe0)
			k = 2, lo = 0xa0;
		else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			k = 2;
		else if (c == 0xed)
			k = 2, hi = 0x9f;
		else if (c == 0xf0)
			k = 3, lo = 0x90;
		else if (c >= 0xf1 && c <= 0xf3)
			k = 3;
		else if (c == 0xf4)
			k = 3, hi = 0x8f;
		else
			return false;
		if (n - i <= k)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return false;
		i += k + 1;
	}
	return true;
}

struct parser {
	const char *p, *end;
};

static void expect(struct parser *ps, char c)
{
	if (ps->p >= ps->end || *ps->p != c)
		abort();
	ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	abort();
}

/* A JSON string as json_string writes it; returns its decoded bytes. */
static size_t parse_string(struct parser *ps, uint8_t *out)
{
	size_t n = 0;

	expect(ps, '"');
	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end)
			abort();
		c = (unsigned char)*ps->p++;
		if (c == '"')
			return n;
		if (c < 0x20 || c == 0x7f)
			abort(); /* control characters must be escaped */
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (ps->p >= ps->end)
			abort();
		switch (*ps->p++) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'u':
			if (ps->end - ps->p < 4 || ps->p[0] != '0' || ps->p[1] != '0')
				abort();
			out[n++] = (uint8_t)(hexval(ps->p[2]) << 4 | hexval(ps->p[3]));
			ps->p += 4;
			break;
		default:
			abort();
		}
	}
}

static int b64val(char c)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *q = c ? strchr(b64, c) : NULL;

	if (!q)
		abort();
	return (int)(q - b64);
}

static size_t parse_base64(struct parser *ps, uint8_t *out)
{
	size_t n = 0;

	expect(ps, '"');
	while (ps->p < ps->end && *ps->p != '"') {
		uint32_t v = 0;
		int pad = 0;

		if (ps->end - ps->p < 4)
			abort();
		for (int i = 0; i < 4; i++) {
			char c = ps->p[i];

			if (c == '=' && i >= 2) {
				pad++;
				v <<= 6;
			} else if (pad) {
				abort();
			} else {
				v = v << 6 | (uint32_t)b64val(c);
			}
		}
		ps->p += 4;
		out[n++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)v;
		if (pad && *ps->p != '"')
			abort();
	}
	expect(ps, '"');
	return n;
}

static unsigned long long parse_number(struct parser *ps, bool neg_ok, bool *neg)
{
	unsigned long long v = 0;
	int digits = 0;

	*neg = false;
	if (neg_ok && ps->p < ps->end && *ps->p == '-') {
		*neg = true;
		ps->p++;
	}
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		v = v * 10 + (unsigned long long)(*ps->p++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 20)
		abort();
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static uint8_t decoded[8192];
	struct msg_meta meta;
	struct parser ps;
	uint8_t flags, slen;
	size_t max, len, msgsize, got;
	const uint8_t *msg;
	bool seen_data = false, seen_size = false, seen_time = false, neg;
	char *out;

	if (n < 1 + 4 + 8 + 16 + 1)
		return 0;
	memset(&meta, 0, sizeof(meta));
	flags = in[0];
	meta.has_priority = flags & 1;
	meta.has_type = flags & 2;
	memcpy(&meta.priority, in + 1, 4);
	memcpy(&meta.type, in + 5, 8);
	memcpy(&meta.time.tv_sec, in + 13, 8);
	memcpy(&meta.time.tv_nsec, in + 21, 8);
	if (!(flags & 4)) {
		/* Mostly a clock's time, as recvmsg and mq_receive give it. */
		meta.time.tv_sec &= 0xffffffff;
		meta.time.tv_nsec = (long)((unsigned long)meta.time.tv_nsec % 1000000000ul);
	}
	slen = in[29] % MSGEND_SENDER_MAX;
	in += 30;
	n -= 30;
	if (slen > n)
		slen = (uint8_t)n;
	memcpy(meta.sender, in, slen);
	in += slen;
	n -= slen;
	msg = in;
	len = n;
	if (len > sizeof(decoded))
		return 0;
	if (json_utf8_valid(msg, len) != ref_utf8(msg, len))
		abort();

	/* The buffer recv allocates for its message size, exactly. */
	msgsize = len + (flags >> 4);
	max = json_message_max(msgsize);
	out = malloc(max);
	if (!out)
		return 0;
	got = json_message(out, msg, len, &meta);
	if (got > max || got > json_message_max(len) || got < 2)
		abort();

	/* One line: an object of known keys, ending in a newline. */
	if (out[got - 1] != '\n' || memchr(out, '\n', got - 1))
		abort();
	ps.p = out;
	ps.end = out + got - 1;
	expect(&ps, '{');
	for (;;) {
		const char *key = ps.p;
		size_t klen;

		expect(&ps, '"');
		while (ps.p < ps.end && *ps.p != '"')
			ps.p++;
		expect(&ps, '"');
		klen = (size_t)(ps.p - key);
		expect(&ps, ':');
#define KEY(k) (klen == sizeof("\"" k "\"") - 1 && memcmp(key, "\"" k "\"", klen) == 0)
		if (KEY("data") || KEY("data_base64")) {
			bool b64 = KEY("data_base64");

			if (seen_data || b64 == ref_utf8(msg, len))
				abort();
			got = b64 ? parse_base64(&ps, decoded) : parse_string(&ps, decoded);
			if (got != len || memcmp(decoded, msg, len) != 0)
				abort();
			seen_data = true;
		} else if (KEY("size")) {
			if (parse_number(&ps, false, &neg) != len)
				abort();
			seen_size = true;
		} else if (KEY("priority")) {
			if (!meta.has_priority || parse_number(&ps, false, &neg) != meta.priority)
				abort();
		} else if (KEY("type")) {
			unsigned long long v = parse_number(&ps, true, &neg);
			unsigned long long mag = meta.type < 0
				? (unsigned long long)-(meta.type + 1) + 1
				: (unsigned long long)meta.type;

			if (!meta.has_type || neg != (meta.type < 0) || v != mag)
				abort();
		} else if (KEY("sender") || KEY("sender_base64")) {
			got = KEY("sender") ? parse_string(&ps, decoded) : parse_base64(&ps, decoded);
			if (got != strnlen(meta.sender, sizeof(meta.sender)) ||
			    memcmp(decoded, meta.sender, got) != 0)
				abort();
		} else if (KEY("time")) {
			got = parse_string(&ps, decoded);
			/* 1970-01-01T00:00:00.000000+00:00 (json_time_iso: the
			 * zone offset); a time far from now (only the fuzzer
			 * makes one) has another year width, one digit or more. */
			if (got < 29 || (decoded[got - 6] != '+' && decoded[got - 6] != '-') ||
			    decoded[got - 3] != ':' || decoded[got - 13] != '.' ||
			    decoded[got - 22] != 'T')
				abort();
			seen_time = true;
		} else {
			abort();
		}
#undef KEY
		if (ps.p < ps.end && *ps.p == ',') {
			ps.p++;
			continue;
		}
		expect(&ps, '}');
		break;
	}
	if (ps.p != ps.end || !seen_data || !seen_size || !seen_time)
		abort();
	free(out);
	return 0;
}
