/* CI files that `vlab handout` writes for a course that grades in plain CI:
 * a student's self-check (GitHub Actions or GitLab CI) and a TA's class run
 * in shards. The templates are the .yml files of assets/ci/, embedded in vlab
 * (runner/assets.h); this fills their @NAME@ placeholders (pure, so every
 * filling is unit-tested) and says which file goes where. */
#ifndef VLAB_CI_TEMPLATE_H
#define VLAB_CI_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* the forge whose CI a template is for (grade's --ci mode is enum ci_kind) */
enum ci_forge { CI_FORGE_NONE, CI_FORGE_GITHUB, CI_FORGE_GITLAB };

/* GitLab's parallel: takes 1 to 200 (its CI schema); a GitHub matrix takes
 * 256 jobs. One limit for both. */
#define CI_MAX_SHARDS 200

/* What the course edits when no --mirror is given. */
#define CI_MIRROR_EDIT_ME "https://course.example.org/vlab/"

struct ci_values {
	const char *profile;  /* @PROFILE@ */
	const char *mirror;   /* @MIRROR@ */
	unsigned shards;      /* @SHARDS@ (1..CI_MAX_SHARDS), @SHARD_LIST@ "1, 2, ..., N" */
};

/* "github" or "gitlab" into *k; -1 for anything else. */
int ci_forge_parse(const char *s, enum ci_forge *k);

/* The embedded template and the path it is written to below the handout
 * directory, for a student's self-check (class false) or the TA's class
 * run (class true). */
const char *ci_template_asset(enum ci_forge k, bool class_run);
const char *ci_template_dest(enum ci_forge k, bool class_run);

/* 0 when s can stand in a YAML double-quoted scalar of a workflow as it is:
 * no quote, backslash, '$' (GitHub's ${{ }} and GitLab's $VAR expand there),
 * backtick, whitespace, control character or non-ASCII byte, and not empty; else -1 with
 * why ("a '\"'"). */
int ci_value_check(const char *s, char *why, size_t n);

/* A mirror URL as vlab fetch takes it (http://, https://, file://) that
 * ci_value_check accepts; -1 with the reason. */
int ci_mirror_check(const char *url, char *why, size_t n);

/* text with each @NAME@ replaced by its value (malloc'd). An @ not
 * followed by a placeholder's name and @ (actions/checkout@v4) is kept.
 * NULL with err for a placeholder this vlab does not know or a value
 * ci_value_check refuses, so no half-filled file is written. */
char *ci_template_fill(const char *text, const struct ci_values *v, char *err, size_t errlen);

#endif
