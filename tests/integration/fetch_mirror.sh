# The default profile exported by `vlab image export`, served from loopback
# and fetched into an empty cache (byte-identical to what was built); the
# mirror from $VLAB_MIRROR and the config file; chapter 0 finding the
# profile in the cache, and fetching it itself; chapter 1 booting from the
# cache alone (no built image dir).
. "$VLAB_REPO/tests/integration/lib.bash"
. "$VLAB_REPO/tests/integration/fetch_lib.bash"
require_image
export VLAB_RUN_DIR=${VLAB_RUN_DIR:-$SCRATCH/run}
httpd_build
"$VLAB" image export "$SCRATCH/mirror" >export.txt || { cat export.txt; die "vlab image export failed"; }
grep -q "exported 'default'" export.txt || die "export does not say what it did"
(cd "$SCRATCH/mirror/default" && sha256sum --quiet -c SHA256SUMS) || die "the exported SHA256SUMS does not match"
cmp <(profile_hashes default | sort) <(awk '{ print $1 "  " $2 }' "$SCRATCH/mirror/default/SHA256SUMS" | sort) ||
	die "the export's hashes differ from make image's"
httpd_start

"$VLAB" fetch --mirror "$URL" >out.txt 2>progress.txt || { cat out.txt progress.txt; die "vlab fetch failed"; }
cat out.txt progress.txt
grep -q "profile 'default' is in the cache, every file verified" out.txt || die "fetch does not say it is done"
grep -qE "^rootfs.ext4  64 MiB / 64 MiB  100%" progress.txt || die "no plain progress line off a terminal"
assert_installed_like default "$(image_dir)"

# the mirror from the environment, then from the config file
rm -rf "$CACHE"
VLAB_MIRROR=$URL "$VLAB" fetch --quiet >/dev/null || die "VLAB_MIRROR was not used"
assert_installed_like default "$(image_dir)"
rm -rf "$CACHE"
printf '# the course mirror\nmirror %s\n' "$URL" >"$VLAB_CONFIG"
"$VLAB" fetch --quiet >/dev/null || die "the config file's mirror was not used"
assert_installed_like default "$(image_dir)"
printf 'mirror\n' >"$VLAB_CONFIG"
run_vlab 3 -- fetch --quiet --format json
assert_error bad_config "config:1: 'mirror' needs a URL"
rm -f "$VLAB_CONFIG"

# no built image: chapter 0 finds the profile in the cache
mkdir empty
VLAB_IMAGE_DIR=$SCRATCH/empty "$VLAB" chapter 0 --format json >ch0.json || { cat ch0.json; die "chapter 0 failed"; }
check_status ch0.json ch0.host_ready pass
check_status ch0.json ch0.image_present pass
check_status ch0.json ch0.image_verified pass
jq -e '.checks[] | select(.id == "ch0.image_present") | .detail | test("from vlab.s cache")' ch0.json >/dev/null ||
	die "chapter 0 does not say the image came from the cache"

# a changed cached file: chapter 0 fails image_verified with both hashes
blob=$CACHE/sha256/$(profile_hashes default | awk '$2 == "initrd.img" { print $1 }')
chmod u+w "$blob"
printf 'x' | dd of="$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
VLAB_IMAGE_DIR=$SCRATCH/empty "$VLAB" chapter 0 --format json >ch0.json
[ $? -eq 1 ] || die "chapter 0 on a changed file must exit 1"
check_status ch0.json ch0.image_verified fail
jq -e '.checks[] | select(.id == "ch0.image_verified") | .detail | test("checksum mismatch: the manifest says sha256 [0-9a-f]{64}, the file is [0-9a-f]{64}")' ch0.json >/dev/null ||
	die "image_verified does not give both hashes"

# --check finds and removes it; chapter 0 then fetches it from the mirror
"$VLAB" fetch --check >check.txt 2>err.txt
[ $? -eq 3 ] || { cat check.txt err.txt; die "--check on a changed file must exit 3"; }
grep -q CHANGED check.txt || die "--check does not name the changed file"
[ ! -e "$blob" ] || die "--check left the changed file"
: >"$SCRATCH/httpd.log"
VLAB_MIRROR=$URL VLAB_IMAGE_DIR=$SCRATCH/empty "$VLAB" chapter 0 --format json >ch0.json || { cat ch0.json; die "chapter 0 with a mirror failed"; }
check_status ch0.json ch0.image_present pass
check_status ch0.json ch0.image_verified pass
grep -q "GET /default/initrd.img" "$SCRATCH/httpd.log" || die "chapter 0 did not fetch the missing file"
! grep -q "GET /default/rootfs.ext4" "$SCRATCH/httpd.log" || die "chapter 0 fetched a file the cache had"
httpd_stop

# the course rebuilt its image: the mirror's initrd differs from the one make
# image built here and from the cached one; vlab fetch takes the mirror's
# (only a manifest the course hands out, --manifest, can veto it)
cp -r "$SCRATCH/mirror" newer
chmod u+w newer/default/initrd.img
printf 'x' >>newer/default/initrd.img
old=$(profile_hashes default | awk '$2 == "initrd.img" { print $1 }')
new=$(sha256sum newer/default/initrd.img | cut -d' ' -f1)
sed -i "s/$old/$new/" newer/manifest
"$VLAB" fetch --mirror "file://$SCRATCH/newer" --quiet --format json >out.json || { cat out.json; die "a newer build on the mirror was refused"; }
cmp newer/default/initrd.img "$CACHE/profiles/default/initrd.img" || die "the cache does not hold the mirror's newer initrd"
"$VLAB" fetch --mirror "file://$SCRATCH/newer" --manifest "$(image_dir)/manifest" --quiet --format json >out.json 2>err.txt
[ $? -eq 3 ] || die "a course manifest's other sha256 must refuse the mirror's file"
assert_error checksum_mismatch "checksum mismatch for 'initrd.img': the mirror says sha256 $new, this machine's manifest says $old"
"$VLAB" fetch --mirror "file://$SCRATCH/mirror" --quiet >/dev/null || die "back to the first build failed"

# chapter 1 boots from the cache alone
VLAB_IMAGE_DIR=$SCRATCH/empty "$VLAB" chapter 1 --format json >ch1.json || { cat ch1.json; die "chapter 1 from the cache failed"; }
check_status ch1.json ch1.serial_login_root pass
jq -e --arg k "$CACHE/profiles/default/vmlinux" '[.. | .argv? // empty | .[]] | index($k) != null' ch1.json >/dev/null ||
	die "chapter 1's qemu did not use the cached kernel"
"$VLAB" fetch --check >/dev/null || die "chapter 1 changed a cached file"

# nothing there, no mirror, not a profile make image builds: chapter 0 fails, saying how to get it
VLAB_IMAGE_DIR=$SCRATCH/empty "$VLAB" chapter 0 --image alpine-lab --format json >ch0.json
[ $? -eq 1 ] || die "chapter 0 without the profile must exit 1"
check_status ch0.json ch0.image_present fail
jq -e '.checks[] | select(.id == "ch0.image_present") | .hint | test("vlab image import DIR")' ch0.json >/dev/null ||
	die "the hint does not say how to get the profile"
check_status ch0.json ch0.image_verified fail
