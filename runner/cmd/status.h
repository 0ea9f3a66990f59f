/* `vlab status`: what vlab has running or left behind, read from the run
 * ledgers (runner/run_ledger.h). */
#ifndef VLAB_CMD_STATUS_H
#define VLAB_CMD_STATUS_H

int cmd_status(int argc, char **argv);

#endif
