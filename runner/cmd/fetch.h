/* `vlab fetch` and `vlab image export|import`: the command layer over
 * runner/fetch/mirror.c (options, output, exit statuses). */
#ifndef VLAB_CMD_FETCH_H
#define VLAB_CMD_FETCH_H

int cmd_fetch(int argc, char **argv);
int cmd_image(int argc, char **argv);

#define FETCH_USAGE "[PROFILE] [--mirror URL] [--offline] [--check] [options]"
#define FETCH_SUMMARY "download an image profile's files from the course mirror into vlab's cache"
#define FETCH_OPTIONS                                                                                  \
	"  PROFILE                 the profile (default 'default')\n"                                   \
	"  --mirror URL            the course mirror (http://, https://, file://); else $VLAB_MIRROR,\n" \
	"                          else 'mirror URL' in ~/.config/vlab/config ($VLAB_CONFIG)\n"          \
	"  --offline               only the cache: say whether the profile is there\n"                 \
	"  --check                 hash every file in the cache again; remove the ones that changed\n"  \
	"  --retries N             attempts after a transient error (default 4)\n"                      \
	"  --stall-timeout SECONDS abort below 1 byte/s for this long (default 30)\n"                  \
	"  --manifest FILE         more profiles (their sha256 must agree with the mirror's)\n"        \
	"  --format text|json      how to print (default text)\n"                                     \
	"  --quiet                 no progress lines\n"                                              \
	"The cache is $XDG_CACHE_HOME/vlab (~/.cache/vlab).\n"

#define IMAGE_USAGE "export DIR [--profile P] | import DIR [--profile P] [--sha256 FILE]"
#define IMAGE_SUMMARY "write a profile as a course mirror; add the lab's own files downloaded by hand"
#define IMAGE_OPTIONS                                                                                   \
	"  export DIR              write profile P's files and manifest into DIR (serve DIR from any\n"  \
	"                          static web server; students: vlab fetch P --mirror URL)\n"          \
	"  import DIR              add the files in DIR (alpine-bzImage, simple_alpine_rootfs1.ext4)\n"  \
	"                          to the cache as a profile; prints their sha256 on first import\n"     \
	"  --profile P             export: default 'default'; import: default 'alpine-lab'\n"           \
	"  --sha256 FILE           import: the course's hashes (sha256sum's format); else\n"           \
	"                          DIR/SHA256SUMS when it is there\n"                                 \
	"  --manifest FILE         more profiles\n"                                                     \
	"  --format text|json      how to print (default text)\n"

#endif
