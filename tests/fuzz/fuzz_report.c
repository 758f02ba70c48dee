/*
 * Fuzz harness: what compare reads from a results folder (expected.json, run.json, the
 * FAILED and INVALID markers, snapshots, repeat folders, a calibration file), judged with
 * the shipped catalogue and rendered in every format. The folder is the fixture
 * tests/fixtures/results/observed/S1; the input replaces some of its files, each section
 * starting with a line "@x" where x names the file (see slots). A first section without
 * such a line is the new arm's run.json.
 */
#include "calibrate.h"
#include "fsio.h"
#include "judge.h"
#include "render.h"
#include "rules.h"
#include "sbuf.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE "tests/fixtures/results/observed/S1"
#define RULES "tools/compare/rules.yaml"

static const char *const slots[] = {
	"results/S1/expected.json",	/* a */
	"results/S1/old/expected.json",
	"results/S1/new/expected.json",
	"results/S1/old/run.json",
	"results/S1/new/run.json",	/* e */
	"results/S1/old/FAILED",
	"results/S1/new/INVALID",
	"results/S1/old/reloader_reload_executed_total.json",
	"results/S1/new/reloader_reload_executed_total.json",
	"results/S1/new/rest_client_requests_total.json",	/* j */
	"results/S1/new/1/run.json",
	"results/S1/new/2/run.json",
	"results/S1/old/1/reloader_action_total.json",
	"results/S1/new/1/reloader_action_total.json",
	"results/S1/old/2/reloader_action_total.json",	/* o */
	"calibration.json",
};
#define NSLOTS (sizeof(slots) / sizeof(slots[0]))
static const char *const repeat_dirs[] = { "results/S1/old/1", "results/S1/old/2", "results/S1/new/1",
					    "results/S1/new/2" };

static struct catalogue cat;
static char *results, *calibration;

/* The fixture's files, put back after each input. */
static char *base[NSLOTS];
static size_t base_len[NSLOTS];

static void copy_arm(const char *arm)
{
	char src[512], rel[512];
	DIR *d;
	struct dirent *e;

	snprintf(src, sizeof(src), "%s/%s", FIXTURE, arm);
	d = opendir(src);
	if (d == NULL) {
		perror(src);
		abort();
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s/%s", FIXTURE, arm, e->d_name);
		snprintf(rel, sizeof(rel), "results/S1/%s/%s", arm, e->d_name);
		if (fuzz_copy(src, rel) < 0)
			abort();
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (catalogue_load(RULES, &cat) < 0)
		abort();
	copy_arm("old");
	copy_arm("new");
	fuzz_copy(FIXTURE "/expected.json", "results/S1/expected.json");
	for (size_t i = 0; i < NSLOTS; i++) {
		char *p = fuzz_path(slots[i]);
		base[i] = fs_read(p, &base_len[i]);
		free(p);
	}
	results = fuzz_path("results");
	calibration = fuzz_path("calibration.json");
	return 0;
}

/* Where the next section header ("@x\n" at the start of a line) is, from off; size if none. */
static size_t next_header(const uint8_t *data, size_t size, size_t off)
{
	for (size_t i = off; i + 2 < size; i++)
		if ((i == 0 || data[i - 1] == '\n') && data[i] == '@' && data[i + 1] >= 'a' &&
		    data[i + 1] < 'a' + NSLOTS && data[i + 2] == '\n')
			return i;
	return size;
}

/*
 * What reaches a terminal or a report carries no control character but the newline: a
 * snapshot's error text, a check's name, a marker or a description could otherwise move
 * the cursor, clear the screen or retitle the terminal (issue 16).
 */
static void no_control(const struct sbuf *out)
{
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->buf[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			fprintf(stderr, "fuzz_report: control character 0x%02x in a rendering, at: %.80s\n", c,
				out->buf + (i > 40 ? i - 40 : 0));
			abort();
		}
	}
}

static void render_all(struct report *rep, jv cal)
{
	const time_t when = 1767225600;
	struct summary_item item = { "S1", 0, *rep };
	struct sbuf out = SBUF_INIT;

	if (jv_is_valid(cal))
		for (size_t i = 0; i < rep->n; i++)
			calibration_warning(cal, rep, &rep->rows[i], rep->rows[i].warning,
					    sizeof(rep->rows[i].warning));
	if (rep->repeated) {
		reports_holm(&rep, 1, cat.alpha);
		jv rows = calibrate_report(rep);
		render_calibration(&out, FMT_TEXT, rows, cat.alpha, when);	/* borrowed */
		render_calibration(&out, FMT_JSON, rows, cat.alpha, when);
		jv_free(rows);
	}
	item.rep = *rep;
	render_text(&out, rep, when);
	render_json(&out, rep, when);
	render_markdown(&out, rep, when);
	render_summary(&out, FMT_TEXT, &item, 1, when);
	render_summary(&out, FMT_MARKDOWN, &item, 1, when);
	render_summary(&out, FMT_JSON, &item, 1, when);
	render_junit(&out, &item, 1, when);
	no_control(&out);
	(void)report_passed(rep);
	sbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int written[NSLOTS] = { 0 };
	struct report rep;
	jv cal = jv_invalid();

	for (size_t off = 0, h = next_header(data, size, 0); off < size;) {
		size_t slot = 4, start = off;	/* no header first: the new arm's run.json */
		if (h == off) {
			slot = (size_t)(data[off + 1] - 'a');
			start = off + 3;
		}
		h = next_header(data, size, start);
		/* The newline before the next header belongs to the header. */
		size_t end = h < size && h > start ? h - 1 : h;
		fuzz_write(slots[slot], data + start, end - start);
		written[slot] = 1;
		off = h;
	}
	if (written[NSLOTS - 1] && calibration_load(calibration, &cal) < 0)
		cal = jv_invalid();
	if (report_build(&cat, results, "S1", &rep) == 0) {
		render_all(&rep, cal);
		report_free(&rep);
	}
	jv_free(cal);

	for (size_t i = 0; i < NSLOTS; i++) {
		if (!written[i])
			continue;
		if (base[i] != NULL)
			fuzz_write(slots[i], base[i], base_len[i]);
		else
			fuzz_remove(slots[i]);
	}
	for (size_t i = 0; i < sizeof(repeat_dirs) / sizeof(repeat_dirs[0]); i++)
		fuzz_remove(repeat_dirs[i]);
	return 0;
}
