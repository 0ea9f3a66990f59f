# Chapter 0 getting a profile that is not there: with make image's recipe
# (a stand-in recipe beside a copy of vlab, as in vlab's source tree, that
# links the real image into place), after a mirror that fails, and a recipe
# that fails (the check names its log). Chapter 0 from the cache and from a
# mirror is in fetch_mirror.sh.
. "$VLAB_REPO/tests/integration/lib.bash"
. "$VLAB_REPO/tests/integration/fetch_lib.bash"
require_image
export VLAB_RUN_DIR=${VLAB_RUN_DIR:-$SCRATCH/run}
real=$(image_dir)
mkdir -p tree/assets/image
cp "$VLAB" tree/vlab
cat >tree/assets/image/build-image <<SH
#!/bin/bash
# stand-in for make image's recipe: the image built by the real one, linked
set -e
echo "stand-in build-image: \$1"
[ -z "\${FAIL:-}" ] || { echo "stand-in build-image: failing as asked" >&2; exit 1; }
mkdir -p "\$1/default"
for f in vmlinux initrd.img rootfs.ext4; do ln -sf "$real/default/\$f" "\$1/default/\$f"; done
sed '/^profile lab-compat\$/,/^end\$/d' "$real/manifest" >"\$1/manifest"
SH
chmod +x tree/assets/image/build-image

VLAB_IMAGE_DIR=$SCRATCH/built tree/vlab chapter 0 --format json >ch0.json || { cat ch0.json; die "chapter 0 with the recipe failed"; }
check_status ch0.json ch0.image_present pass
check_status ch0.json ch0.image_verified pass
jq -e '.checks[] | select(.id == "ch0.image_present") | .detail | test("built here with make image.s recipe")' ch0.json >/dev/null ||
	die "chapter 0 does not say it built the image"
log=$(jq -r '.artifacts["build-image.log"] // empty' ch0.json)
[ -n "$log" ] && grep -q "stand-in build-image: $SCRATCH/built" "$log" || die "the recipe's log is not kept or not named"

# a mirror that refuses first: the recipe still builds, and the detail says why the mirror was passed over
rm -rf built
VLAB_MIRROR=http://127.0.0.1:9 VLAB_IMAGE_DIR=$SCRATCH/built tree/vlab chapter 0 --format json >ch0.json || { cat ch0.json; die "chapter 0 after a failed mirror failed"; }
jq -e '.checks[] | select(.id == "ch0.image_present") | .detail | test("the mirror failed: http://127.0.0.1:9/manifest: connection refused")' ch0.json >/dev/null ||
	{ cat ch0.json; die "the detail does not say the mirror failed"; }

# a recipe that fails: image_present fails naming its log, image_verified is not reached
rm -rf built
FAIL=1 VLAB_IMAGE_DIR=$SCRATCH/built tree/vlab chapter 0 --format json >ch0.json
[ $? -eq 1 ] || { cat ch0.json; die "a failing recipe must fail the chapter (exit 1)"; }
check_status ch0.json ch0.image_present fail
jq -e '.checks[] | select(.id == "ch0.image_present") | .detail | test("recipe exited with status 1 \\(its output: .*build-image.log\\)")' ch0.json >/dev/null ||
	{ cat ch0.json; die "the failure does not name the recipe's log"; }
check_status ch0.json ch0.image_verified fail
