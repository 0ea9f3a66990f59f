/* vlab's commands, one file each under runner/cmd/, each defining its
 * entry of the command table (runner/cmd/options.h): its options, usage,
 * summary and needs, beside the function that runs it. */
#ifndef VLAB_CMD_COMMANDS_H
#define VLAB_CMD_COMMANDS_H

#include "runner/cmd/options.h"

extern const struct command command_chapter, command_run, command_doctor, command_check, command_verify,
	command_grade, command_report, command_handout, command_fetch, command_image, command_list, command_console,
	command_shell, command_kvmhost, command_status, command_clean, command_version, command_help;

#endif
