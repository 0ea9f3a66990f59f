/* The command table: every command in the order `vlab help` lists them. */
#include "runner/cmd/commands.h"

#include "runner/util.h"

const struct command *const commands[] = {
	&command_chapter, &command_run,	    &command_doctor, &command_check,   &command_verify, &command_grade,
	&command_report,  &command_handout, &command_fetch,  &command_image,   &command_list,   &command_console,
	&command_shell,	  &command_status,  &command_clean,  &command_version, &command_help,
};
const size_t ncommands = ARRAY_SIZE(commands);
