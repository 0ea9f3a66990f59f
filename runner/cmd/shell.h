/* `vlab shell [RUN_ID]`: a shell in the newest lab's network namespace. */
#ifndef VLAB_CMD_SHELL_H
#define VLAB_CMD_SHELL_H

int cmd_shell(int argc, char **argv);

#endif
