// SPDX-License-Identifier: GPL-2.0
/*
 * capture_import_formats.c - the event formats of an imported trace.dat, as text in the shape
 * of the kernel's format files ("name:", "ID:", "field:TYPE NAME;\toffset:N;...", "print
 * fmt:"), for the .fgt header. libtraceevent keeps the parsed formats, not their text, so the
 * text is rebuilt: the fields as the file declares them, and of the print format its string
 * and every __print_flags / __print_symbolic table with each value as the number the file's
 * expression evaluates to ({0x8, "__GFP_MOVABLE"}). That is what replay reads from formats:
 * field offsets and the gfp bit numbering of the traced kernel (replay_gfp.c).
 */
#include "capture_import_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (int tries = 0; tries < 2 && !t->failed; tries++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 65536;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *np = realloc(t->p, cap);
		if (!np) {
			t->failed = true;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
}

static void put_fields(struct text *t, const struct tep_format_field *f)
{
	for (; f; f = f->next)
		put(t, "\tfield:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n", f->type, f->name,
		    f->offset, f->size, (f->flags & TEP_FIELD_IS_SIGNED) ? 1 : 0);
}

static void put_syms(struct text *t, const struct tep_print_flag_sym *s)
{
	for (; s; s = s->next) {
		char *end;
		unsigned long long v = strtoull(s->value ? s->value : "", &end, 0);
		if (s->value && end != s->value && !*end)
			put(t, ", {0x%llx, \"%s\"}", v, s->str ? s->str : "");
		else
			put(t, ", {%s, \"%s\"}", s->value ? s->value : "?", s->str ? s->str : "");
	}
}

/* The flag and symbol tables anywhere in an argument list. */
static void put_args(struct text *t, const struct tep_print_arg *a, int depth)
{
	for (; a && depth < 16; a = a->next) {
		switch (a->type) {
		case TEP_PRINT_FLAGS:
			put(t, ", __print_flags(REC->x, \"%s\"",
			    a->flags.delim ? a->flags.delim : "");
			put_syms(t, a->flags.flags);
			put(t, ")");
			break;
		case TEP_PRINT_SYMBOL:
			put(t, ", __print_symbolic(REC->x");
			put_syms(t, a->symbol.symbols);
			put(t, ")");
			break;
		case TEP_PRINT_TYPE:
			put_args(t, a->typecast.item, depth + 1);
			break;
		case TEP_PRINT_OP:
			put_args(t, a->op.left, depth + 1);
			put_args(t, a->op.right, depth + 1);
			break;
		case TEP_PRINT_FIELD:
			put(t, ", REC->%s", a->field.name ? a->field.name : "?");
			break;
		default:
			break;
		}
	}
}

char *import_formats_text(struct tep_handle *tep, size_t *len)
{
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	struct text t = { 0 };

	*len = 0;
	for (int i = 0; all && all[i]; i++) {
		const struct tep_event *e = all[i];
		put(&t, "system: %s\nname: %s\nID: %d\nformat:\n", e->system ? e->system : "",
		    e->name ? e->name : "", e->id);
		put_fields(&t, e->format.common_fields);
		put(&t, "\n");
		put_fields(&t, e->format.fields);
		put(&t, "\nprint fmt: \"%s\"", e->print_fmt.format ? e->print_fmt.format : "");
		put_args(&t, e->print_fmt.args, 0);
		put(&t, "\n\n");
	}
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*len = t.len;
	return t.p;
}
