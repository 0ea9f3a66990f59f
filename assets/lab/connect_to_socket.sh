#!/bin/bash
# Attach this terminal to the VM's serial console (the UNIX socket qemu
# serves): ./connect_to_socket.sh serial.socket   (Ctrl-O detaches)
[ $# -eq 1 ] || { echo "usage: $0 SOCKET" >&2; exit 2; }
exec socat -,raw,echo=0,escape=0x0f "UNIX-CONNECT:$1"
