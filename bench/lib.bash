# Helpers for the benchmarks (sourced).
set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VLAB=${VLAB:-$repo/vlab}
IMAGE_DIR=${VLAB_IMAGE_DIR:-$repo/build/image}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

machine() {
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(qemu-system-x86_64 --version | head -n 1)"
}

# expect/send over a coprocess CON (socat to a UNIX socket)
expect() {
	local buf="" ch end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		if IFS= read -r -t 1 -n 1 -d '' ch <&"${CON[0]}"; then
			buf+=$ch
			[[ $buf == *"$1"* ]] && return 0
		fi
	done
	echo "no '$1' within $2 s" >&2
	return 1
}
send() { printf '%s\r' "$1" >&"${CON[1]}"; }
