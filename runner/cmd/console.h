/* `vlab console [VM] [--run RUN_ID]`: this terminal on a VM's serial console
 * (runner/vm/attach.h); Ctrl-] detaches. */
#ifndef VLAB_CMD_CONSOLE_H
#define VLAB_CMD_CONSOLE_H

int cmd_console(int argc, char **argv);

#endif
