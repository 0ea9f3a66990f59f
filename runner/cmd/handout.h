/* `vlab handout DIR`: a student's starter files and the image under the
 * lab's names (runner/handout.h) written into DIR. */
#ifndef VLAB_CMD_HANDOUT_H
#define VLAB_CMD_HANDOUT_H

#define HANDOUT_USAGE "DIR [--image PROFILE] [--manifest FILE] [--force]"
#define HANDOUT_SUMMARY "write a student's starter files and the image under the lab's names"
#define HANDOUT_OPTIONS                                                                               \
	"  DIR                     where to write them (made when missing)\n"                          \
	"  --image PROFILE         the image profile whose files to copy (default 'default')\n"       \
	"  --manifest FILE         extra image profiles\n"                                            \
	"  --force                 overwrite files DIR already has\n"

int cmd_handout(int argc, char **argv);

#endif
