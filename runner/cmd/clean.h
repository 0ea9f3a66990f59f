/* `vlab clean [RUN_ID]`: remove what runs left behind, as their ledgers
 * record it, and a KVM module a killed chapter 4 left reloaded. */
#ifndef VLAB_CMD_CLEAN_H
#define VLAB_CMD_CLEAN_H

int cmd_clean(int argc, char **argv);

#endif
