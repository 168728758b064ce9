/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_TESTS_WORDS_H
#define TSCANARY_TESTS_WORDS_H

/*
 * A file's words (split on blanks and newlines) for the unit tests, e.g.
 * the module proxy's version list; include after <cmocka.h>.
 */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct words {
	struct strbuf text;
	const char **v;
	size_t n;
};

static inline void load_words(struct words *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(strbuf_read_file(&w->text, path), 0);
	for (char *save = NULL, *t = strtok_r(w->text.buf, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save)) {
		w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
		w->v[w->n++] = t;
	}
}

static inline void release_words(struct words *w)
{
	strbuf_release(&w->text);
	free(w->v);
}

#endif
