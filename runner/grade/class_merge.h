/* A class over many machines: `vlab report merge` joins the class reports
 * (or single results) that shards of `vlab grade --shard I/N` wrote into one
 * class report; and the class page `vlab grade` writes beside its own. */
#ifndef VLAB_GRADE_CLASS_MERGE_H
#define VLAB_GRADE_CLASS_MERGE_H

#include <jansson.h>
#include <stdio.h>

/* The class page of results (an array of results), for `vlab grade`'s own
 * class report beside class.json. */
void grade_write_class_html(FILE *f, const json_t *results);

/* The results in the file at path (a class.json or one report.json of vlab
 * grade, of this schema version) appended to all, and path to sources. 0,
 * or -EINVAL after a one-line error on stderr naming the file. */
int class_merge_load(const char *path, json_t *all, json_t *sources);

/* The results sorted by submission name (a stable class report whatever
 * order the shards came in): a new array holding the same objects. */
json_t *class_merge_sorted(json_t *results);

/* The merged class report: vlab grade's class.json of results (its
 * warnings: each result graded with another rubric, image or accelerator
 * than the first), with the sources it came from. */
json_t *class_merge_json(json_t *results, json_t *sources);

/* class.json (cls), class.csv, class.junit.xml, class.tap and class.html
 * (titled title) of results, by vlab grade's own writers,
 * each written atomically into dir (made when missing). 0, or -errno with
 * *failed naming the file that could not be written (NULL: dir itself). */
int class_merge_write(const char *dir, const json_t *cls, const json_t *results, const char *title,
		      const char **failed);

#endif
