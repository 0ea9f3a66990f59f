/*
 * while_true: spin forever on one CPU. The guest's /root/while_true, a load
 * generator for the chapters that watch CPU use; stop it with Ctrl-C or kill.
 *
 * Built static by assets/image/build-image, so it needs nothing from the
 * guest's /lib: normally `gcc -static -O2` against glibc's libc.a (libc6-dev);
 * where libc.a is missing, with -DVLAB_NOLIBC -nostdlib and the _start below.
 *
 * The counter is volatile so every iteration does a real load and store that
 * the compiler may not remove or merge: the loop stays an honest busy loop at
 * any optimisation level.
 */

static volatile unsigned long spins;

#ifdef VLAB_NOLIBC
void _start(void);

void _start(void)
{
	for (;;)
		spins++;
}
#else
int main(void)
{
	for (;;)
		spins++;
}
#endif
