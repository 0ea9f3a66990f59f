/* A terminal on a VM's serial console, in raw mode, as the lab's
 * connect_to_socket.sh did with socat; Ctrl-] detaches (vlab console). */
#ifndef VLAB_VM_ATTACH_H
#define VLAB_VM_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

/* The escape byte that detaches (Ctrl-], as telnet has it). */
#define ATTACH_ESCAPE 0x1d

/* Find the socket of vm ("vm1") in the newest vlab run that has one: the
 * run's relay socket (VM.console.sock, --manual) when there is one, else
 * qemu's serial socket (VM.serial.sock). run_id may be NULL. live_only:
 * only a live run (its vlab or its kept VMs still run); else a live one
 * first, then one left behind. */
int attach_find_socket(const char *vm, const char *run_id, bool live_only, char *path, size_t n);

/* This process's terminal (stdin, stdout) on the console socket sock_fd:
 * raw mode while attached (restored after), an Enter first so the guest's
 * getty reprints its prompt, then attach_relay without a transcript. */
int attach_terminal(int sock_fd);

#endif
