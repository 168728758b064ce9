/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_FRAME_H
#define TSCANARY_FRAME_H

/*
 * The guest agent's wire format, shared by the host (harness/agent.c) and
 * the guest (vm/guest/agent.c): pure encode/decode on libc only.
 *
 * A frame is a 16-byte header in network byte order
 *
 *   0  u32  magic "TSCA"
 *   4  u8   version (FRAME_VERSION)
 *   5  u8   type (enum frame_type)
 *   6  u16  flags (0; ignored by readers)
 *   8  u32  request id (a reply carries the id of its request)
 *  12  u32  payload length (at most FRAME_MAX_PAYLOAD)
 *
 * followed by a payload of fields, each a u16 tag, a u32 length and that
 * many bytes. Strings travel without a NUL, numbers as 8-byte big-endian
 * unsigned values (readers also take 1, 2 and 4 bytes); a tag may repeat
 * (argv and env lists are ordered repeats).
 */

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAGIC            0x54534341u /* "TSCA" */
#define FRAME_VERSION          1
#define FRAME_HEADER_LEN       16
#define FRAME_FIELD_HEADER_LEN 6
/* The largest payload either side sends or accepts. */
#define FRAME_MAX_PAYLOAD (16u << 20)

/* Message types; each request names the replies it can get. */
enum frame_type {
	FRAME_HELLO = 1, /* agent: on start, on every (re)connect */
	FRAME_PING,      /* host: RESET -> PONG (same fields as HELLO), even while busy */
	FRAME_PONG,
	FRAME_EXEC, /* host: ARG..., ENV..., STDIN, TIMEOUT_MS, CWD -> RESULT */
	FRAME_RESULT,
	FRAME_WRITE_FILE, /* host: PATH, MODE, DATA -> OK */
	FRAME_READ_FILE,  /* host: PATH, MAX_BYTES -> DATA */
	FRAME_DATA,
	FRAME_START,  /* host: ARG..., ENV..., LOG_PATH, CWD, RESTART_MS -> OK */
	FRAME_STATUS, /* host: DEVICE -> REPORT */
	FRAME_REPORT,
	FRAME_STOP,     /* host: TIMEOUT_MS (grace before SIGKILL) -> OK */
	FRAME_POWEROFF, /* host: -> OK, then the guest powers off */
	FRAME_OK,
	FRAME_ERR, /* ERRNO, MESSAGE: any request can fail this way */
	/* agent version 2 */
	FRAME_HTTP, /* host: SOCKET, METHOD, PATH, DATA, TIMEOUT_MS -> DATA (HTTP_STATUS) */
	FRAME_TYPE_MAX,
};

/* Field tags. */
enum frame_tag {
	TAG_VERSION = 1,     /* HELLO/PONG: agent version string */
	TAG_UNAME,           /* HELLO/PONG: "sysname nodename release version machine" */
	TAG_UPTIME_MS,       /* HELLO/PONG: guest uptime (CLOCK_BOOTTIME) */
	TAG_PID,             /* HELLO/PONG: agent pid; REPORT: child pid (0: none) */
	TAG_ARG,             /* one argv element, repeated in order */
	TAG_ENV,             /* one KEY=VALUE, repeated */
	TAG_STDIN,           /* EXEC: bytes for stdin (absent: /dev/null) */
	TAG_TIMEOUT_MS,      /* EXEC: run limit; STOP: grace before SIGKILL */
	TAG_CWD,             /* working directory */
	TAG_PATH,            /* WRITE_FILE/READ_FILE: file path */
	TAG_MODE,            /* WRITE_FILE: permission bits */
	TAG_DATA,            /* WRITE_FILE/DATA: file contents */
	TAG_MAX_BYTES,       /* READ_FILE: read at most this much */
	TAG_LOG_PATH,        /* START: stdout+stderr appended here */
	TAG_RESTART_MS,      /* START: delay before a failed child is restarted */
	TAG_STATUS,          /* RESULT/REPORT: wait status (Linux encoding) */
	TAG_TIMED_OUT,       /* RESULT: 1 when the timeout killed the command */
	TAG_STDOUT,          /* RESULT */
	TAG_STDERR,          /* RESULT */
	TAG_DURATION_MS,     /* RESULT */
	TAG_TRUNCATED,       /* RESULT/DATA: 1 when output or file was cut */
	TAG_ERRNO,           /* ERR */
	TAG_MESSAGE,         /* ERR */
	TAG_START_COUNT,     /* REPORT: how many times the child was started */
	TAG_EXITS,           /* REPORT: how many times it exited (TAG_STATUS: last) */
	TAG_CHILD_UPTIME_MS, /* REPORT: how long the current child runs */
	TAG_VMRSS_KIB,       /* REPORT */
	TAG_VMHWM_KIB,       /* REPORT */
	TAG_DEVICE,          /* STATUS: block device name (default "vda") */
	TAG_DISKSTAT,        /* REPORT: contents of /sys/block/<device>/stat */
	TAG_SIZE,            /* DATA: the file's full size */
	TAG_RESET,           /* PING: 1 from a new connection: drop the old one's work */
	/* agent version 2 */
	TAG_SOCKET,      /* HTTP: the server's unix socket in the guest */
	TAG_METHOD,      /* HTTP: "GET", "POST", "PATCH" */
	TAG_HTTP_STATUS, /* DATA answering HTTP: the response's status (TAG_DATA: its body) */
};

/* A frame being built: header, then fields appended, then frame_finish(). */
struct frame_builder {
	unsigned char *buf;
	size_t len;
	size_t alloc;
	int err; /* first failure (ENOMEM, EMSGSIZE), reported by frame_finish */
};

/* Start a frame of this type and id (b must be zeroed or released). */
void frame_begin(struct frame_builder *b, unsigned type, uint32_t id);
/* Append a field of len bytes. */
void frame_add(struct frame_builder *b, unsigned tag, const void *data, size_t len);
/* Append a string field (without its NUL). */
void frame_add_str(struct frame_builder *b, unsigned tag, const char *s);
/* Append a number field. */
void frame_add_u64(struct frame_builder *b, unsigned tag, uint64_t v);
/* Fill in the payload length: 0, or -1 with errno (ENOMEM, EMSGSIZE). */
int frame_finish(struct frame_builder *b);
/* Free the buffer; the builder can be begun again. */
void frame_builder_release(struct frame_builder *b);

/* One decoded frame; payload points into the decoder's buffer. */
struct frame {
	unsigned type;
	uint32_t id;
	const unsigned char *payload;
	uint32_t len;
};

/* Incremental decoder: feed any number of bytes, then take frames out. */
struct frame_decoder {
	unsigned char *buf;
	size_t start; /* first byte not yet consumed */
	size_t len;   /* bytes held, counted from buf */
	size_t alloc;
	size_t taken; /* size of the frame last returned, dropped on next call */
	uint32_t max_payload;
	const char *error; /* why the stream is bad, until resync/reset */
};

/* What frame_decoder_next() found. */
enum frame_result {
	FRAME_ERROR = -1,    /* bad stream: see decoder->error */
	FRAME_NEED_MORE = 0, /* feed more bytes */
	FRAME_READY = 1,     /* *out holds a frame */
};

/* Start a decoder that refuses payloads above max_payload (0: the maximum). */
void frame_decoder_init(struct frame_decoder *d, uint32_t max_payload);
/* Append received bytes: 0, or -1 with errno ENOMEM. */
int frame_decoder_feed(struct frame_decoder *d, const void *data, size_t len);
/* Take the next frame, valid until the next feed/next/reset call. */
enum frame_result frame_decoder_next(struct frame_decoder *d, struct frame *out);
/* After an error: drop bytes up to the next possible magic; returns the count. */
size_t frame_decoder_resync(struct frame_decoder *d);
/* Drop every buffered byte and any error (a new connection). */
void frame_decoder_reset(struct frame_decoder *d);
/* Bytes buffered but not yet returned as frames. */
size_t frame_decoder_pending(const struct frame_decoder *d);
/* Free the buffer. */
void frame_decoder_release(struct frame_decoder *d);

/* One payload field. */
struct frame_field {
	unsigned tag;
	uint32_t len;
	const unsigned char *data;
};

/* A cursor over a frame's fields. */
struct frame_iter {
	const unsigned char *p;
	size_t left;
};

/* Position it at the first field of f. */
void frame_iter_init(struct frame_iter *it, const struct frame *f);
/* 1 with the next field in *out, 0 at the end, -1 if the field is truncated. */
int frame_iter_next(struct frame_iter *it, struct frame_field *out);
/* 0 when every field of f is whole, -1 otherwise. */
int frame_check(const struct frame *f);
/* Read a number field (1, 2, 4 or 8 bytes): 0, or -1 if malformed. */
int frame_field_u64(const struct frame_field *fld, uint64_t *v);
/* A NUL-terminated malloc'd copy; NULL with errno EINVAL if it holds a NUL. */
char *frame_field_strdup(const struct frame_field *fld);
/* Find the first field with this tag: 1 found, 0 absent, -1 truncated payload. */
int frame_find(const struct frame *f, unsigned tag, struct frame_field *out);
/* The number in the first field with this tag, or def when absent/malformed. */
uint64_t frame_get_u64(const struct frame *f, unsigned tag, uint64_t def);
/* A short name for a frame type, for messages ("EXEC", "?" if unknown). */
const char *frame_type_name(unsigned type);

#endif
