# vlab image import: the lab's own files (alpine-bzImage,
# simple_alpine_rootfs1.ext4) downloaded by hand become the alpine-lab
# profile in the cache. The real Alpine files are not on the test machines:
# stand-ins under the lab's names (the lab-compat profile's bzImage and the
# default rootfs) exercise the same path by name. First import records and
# prints the sha256; supplied hashes (DIR/SHA256SUMS, --sha256) are checked;
# a missing or wrong file installs nothing.
. "$VLAB_REPO/tests/integration/lib.bash"
. "$VLAB_REPO/tests/integration/fetch_lib.bash"
require_image
export VLAB_RUN_DIR=${VLAB_RUN_DIR:-$SCRATCH/run}
mkdir lab
cp "$(image_dir)/lab-compat/alpine-bzImage" lab/alpine-bzImage

# a file missing: says which, exit 3, nothing installed
"$VLAB" image import lab --format json >out.json 2>err.txt
[ $? -eq 3 ] || die "a missing file must exit 3"
assert_error missing_file "lab/simple_alpine_rootfs1.ext4': No such file or directory: profile alpine-lab needs simple_alpine_rootfs1.ext4"
assert_not_installed alpine-lab

cp "$(image_dir)/default/rootfs.ext4" lab/simple_alpine_rootfs1.ext4
kh=$(sha256sum lab/alpine-bzImage | cut -d' ' -f1)
rh=$(sha256sum lab/simple_alpine_rootfs1.ext4 | cut -d' ' -f1)

# first import: the hashes are recorded and printed as sha256sum lines
"$VLAB" image import lab >out.txt 2>err.txt || { cat out.txt err.txt; die "the first import failed"; }
cat out.txt
grep -qx "$kh  alpine-bzImage" out.txt || die "the kernel's sha256 is not printed"
grep -qx "$rh  simple_alpine_rootfs1.ext4" out.txt || die "the rootfs's sha256 is not printed"
grep -q "recorded" out.txt || die "it does not say the hashes were recorded"
cmp lab/alpine-bzImage "$CACHE/profiles/alpine-lab/alpine-bzImage" || die "the imported kernel differs"
cmp lab/simple_alpine_rootfs1.ext4 "$CACHE/profiles/alpine-lab/simple_alpine_rootfs1.ext4" || die "the imported rootfs differs"
grep -A9 '^profile alpine-lab$' "$CACHE/profiles/manifest" >entry.txt
grep -q "^kernel alpine-bzImage $kh\$" entry.txt && grep -q "^http python3\$" entry.txt &&
	grep -q "^lab-append root=/dev/vda loglevel=15 console=hvc0\$" entry.txt || { cat entry.txt; die "the cached profile is not the lab's"; }

# the profile is selectable: chapter 0 finds and verifies it, doctor lists it
"$VLAB" chapter 0 --image alpine-lab --format json >ch0.json || { cat ch0.json; die "chapter 0 --image alpine-lab failed"; }
check_status ch0.json ch0.image_present pass
check_status ch0.json ch0.image_verified pass
"$VLAB" doctor --format json >doctor.json
jq -e '[.. | objects | select(.name? == "image alpine-lab") | .status] == ["ok"]' doctor.json >/dev/null ||
	die "doctor does not show alpine-lab as there"

# the course's hashes in DIR/SHA256SUMS, and a file that does not match them
rm -rf "$CACHE"
printf '%s  alpine-bzImage\n%s *dl/simple_alpine_rootfs1.ext4\n' "$kh" "$rh" >lab/SHA256SUMS
"$VLAB" image import lab --format json >out.json || { cat out.json; die "import with matching SHA256SUMS failed"; }
jq -e '[.files[].recorded] == [false, false]' out.json >/dev/null || die "supplied hashes were taken as recorded"
rm -rf "$CACHE"
printf 'x' | dd of=lab/simple_alpine_rootfs1.ext4 bs=1 seek=2000000 conv=notrunc 2>/dev/null
bad=$(sha256sum lab/simple_alpine_rootfs1.ext4 | cut -d' ' -f1)
"$VLAB" image import lab --format json >out.json 2>err.txt
[ $? -eq 3 ] || die "a wrong file must exit 3"
assert_error checksum_mismatch "lab/simple_alpine_rootfs1.ext4: checksum mismatch: the course's sha256 is $rh, this file's is $bad; nothing was installed"
assert_not_installed alpine-lab

# --sha256 FILE wins over DIR/SHA256SUMS; a malformed one is named with its line
printf '%s  alpine-bzImage\n%s  simple_alpine_rootfs1.ext4\n' "$kh" "$bad" >course.sums
"$VLAB" image import lab --sha256 course.sums --quiet >/dev/null || die "import with --sha256 failed"
printf '%s  alpine-bzImage\nnot a hash line\n' "$kh" >broken.sums
"$VLAB" image import lab --sha256 broken.sums --format json >out.json 2>err.txt
[ $? -eq 3 ] || die "a malformed hash list must exit 3"
assert_error bad_manifest "broken.sums:2: not a sha256 line"

# usage errors
"$VLAB" image frobnicate lab 2>err.txt
[ $? -eq 2 ] || die "an unknown subcommand must exit 2"
"$VLAB" image import 2>err.txt
[ $? -eq 2 ] || die "import without a directory must exit 2"
