# vlab handout --student-ci / --class-ci: the CI files it writes pass the validators
# their consumers' contracts are written in, not only our own reading.
#  - GitHub workflows: @action-validator/cli (pinned), which checks a
#    workflow against SchemaStore's github-workflow schema; a workflow with a
#    deliberately wrong key must fail it, so it is really checking.
#  - GitLab files: parsed as YAML and checked for what GitLab requires of
#    jobs (ci/gitlab_ci_check.py), and validated against GitLab's own CI
#    JSON schema with python3-jsonschema: the schema as gitlab-ci-local
#    (pinned) bundles it to validate files, cut out of its bundle
#    (ci/gitlab_schema_from_bundle.js). Broken copies must fail both.
#  - every shell step parses (bash -n); no @PLACEHOLDER@ is left; the shard
#    count reaches the matrix, parallel: and --shard I/N; the usage errors.
# The npm packages go to build/npm (installed once, at pinned versions);
# without npm or the registry the test says so and skips after the checks
# that need neither.
. "$VLAB_REPO/tests/integration/lib.bash"
ci=$VLAB_REPO/tests/integration/ci
ACTION_VALIDATOR=@action-validator/cli@0.6.0
GITLAB_CI_LOCAL=gitlab-ci-local@4.75.1
require_image

# Debian's python3 first: python3-yaml and python3-jsonschema are its
# (deps/debian-packages); another python3 on PATH may lack them
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import yaml, jsonschema' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || skip "no python3 with yaml and jsonschema (install python3-yaml python3-jsonschema: make deps)"

# ---- what vlab handout writes ------------------------------------------------
"$VLAB" handout stu-gh --student-ci github >out.txt || die "handout --student-ci github exited $?"
[ -f stu-gh/.github/workflows/vlab.yml ] || die "no .github/workflows/vlab.yml"
[ -f stu-gh/runqemu_single_vm.sh ] || die "--student-ci left out the starter"
grep -q "feedback, not the grade" out.txt || die "handout --student-ci does not say the self-check is no grade: $(cat out.txt)"
"$VLAB" handout stu-gl --student-ci gitlab --mirror https://course.example.org/m/ >/dev/null || die "handout --student-ci gitlab exited $?"
[ -f stu-gl/.gitlab-ci.yml ] || die "no .gitlab-ci.yml"
grep -q 'VLAB_MIRROR: "https://course.example.org/m/"' stu-gl/.gitlab-ci.yml || die "--mirror did not reach the file"
for n in 1 3 200; do
	"$VLAB" handout "ta-gh-$n" --class-ci github --shards "$n" --image lab-compat >/dev/null ||
		die "handout --class-ci github --shards $n exited $?"
	"$VLAB" handout "ta-gl-$n" --class-ci gitlab --shards "$n" >/dev/null ||
		die "handout --class-ci gitlab --shards $n exited $?"
	[ ! -e "ta-gh-$n/runqemu_single_vm.sh" ] || die "--class-ci wrote a student's starter into the TA's repository"
done
gh_files=(stu-gh/.github/workflows/vlab.yml ta-gh-{1,3,200}/.github/workflows/vlab-class.yml)
gl_files=(stu-gl/.gitlab-ci.yml ta-gl-{1,3,200}/.gitlab-ci.yml)
for f in "${gh_files[@]}" "${gl_files[@]}"; do
	! grep -nE '@[A-Z_]+@' "$f" || die "$f holds a placeholder left unfilled"
done

# the shard count, read back by a YAML parser
"$py" - ta-gh-3/.github/workflows/vlab-class.yml ta-gl-3/.gitlab-ci.yml <<'PY' || die "the shard count is not where it belongs"
import sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
gl = yaml.safe_load(open(sys.argv[2]))
assert gh["jobs"]["grade"]["strategy"]["matrix"]["shard"] == [1, 2, 3], gh["jobs"]["grade"]["strategy"]
assert gh["jobs"]["merge"]["needs"] == "grade"
run = [s["run"] for s in gh["jobs"]["grade"]["steps"] if "vlab grade" in s.get("name", "")][0]
assert '--shard "$SHARD/3"' in run, run
assert gl["grade"]["parallel"] == 3 and gl["merge"]["needs"] == ["grade"]
assert any('$CI_NODE_INDEX/$CI_NODE_TOTAL' in l for l in gl["grade"]["script"])
PY
grep -q 'VLAB_PROFILE: "lab-compat"' ta-gh-3/.github/workflows/vlab-class.yml || die "--image did not reach the class run"

# every shell step parses
for f in "${gh_files[@]}" "${gl_files[@]}"; do
	kind=github; case $f in *gitlab-ci.yml) kind=gitlab ;; esac
	rm -rf steps && mkdir steps
	n=$("$py" "$ci/run_steps.py" "$kind" "$f" steps) || die "cannot read the steps of $f"
	[ "$n" -gt 0 ] || die "no shell step found in $f"
	for s in steps/*.sh; do
		bash -n "$s" 2>err.txt || die "a shell step of $f does not parse: $(cat err.txt); the step: $(cat "$s")"
	done
done

# ---- usage errors: one line each, exit 2, nothing written -------------------
usage_case() { # EXPECTED-TEXT ARGS...
	local want=$1
	shift
	"$VLAB" handout bad "$@" >/dev/null 2>err.txt
	local rc=$?
	[ "$rc" = 2 ] || die "handout bad $*: exit $rc, not 2 ($(cat err.txt))"
	grep -q -- "$want" err.txt || die "handout bad $*: said $(cat err.txt), not '$want'"
	[ ! -e bad ] || die "handout bad $*: wrote bad/ on a usage error"
}
usage_case "give one" --student-ci github --class-ci gitlab
usage_case "give it with --class-ci" --shards 2
usage_case "give it with --class-ci" --student-ci github --shards 2
usage_case "unknown --student-ci 'travis'" --student-ci travis
usage_case "from 1 to 200" --class-ci github --shards 0
usage_case "from 1 to 200" --class-ci github --shards 201
usage_case "holds a '\$'" --class-ci github --mirror 'https://x/${{ secrets.T }}'
usage_case "holds a '\"'" --student-ci gitlab --mirror 'https://x/"'
usage_case "http://, https:// or file://" --student-ci gitlab --mirror 'ftp://x/'
usage_case "give it with --student-ci or --class-ci" --mirror https://x/
# --ci is vlab grade's CI mode: the self-check has a name of its own
usage_case "unknown option '--ci'" --ci github
usage_case "cannot go into a CI file" --class-ci gitlab --image 'a"b'
# a CI file that exists is refused before anything is written
"$VLAB" handout stu-gh --student-ci github >/dev/null 2>err.txt && die "an existing vlab.yml was overwritten without --force"
grep -q "exists already" err.txt || die "an existing vlab.yml: said $(cat err.txt)"

# ---- GitLab: structure, and GitLab's own schema -------------------------------
for f in "${gl_files[@]}"; do
	"$py" "$ci/gitlab_ci_check.py" "$f" >err.txt || die "$f breaks GitLab's rules: $(cat err.txt)"
done
f=ta-gl-3/.gitlab-ci.yml
sed 's/^  parallel: 3$/  parallel: 0/' "$f" >broken-parallel.yml
sed 's/^    - grade$/    - grading/' "$f" >broken-needs.yml
sed 's/^  script:$/  scripts:/' "$f" >broken-script.yml
sed 's/^  stage: merge$/  stage: publish/' "$f" >broken-stage.yml
for b in parallel needs script stage; do
	! cmp -s "$f" "broken-$b.yml" || die "the attack on $b changed nothing (the template moved?)"
	"$py" "$ci/gitlab_ci_check.py" "broken-$b.yml" >err.txt && die "a .gitlab-ci.yml with a broken $b passed the checks"
done
note "GitLab: ${#gl_files[@]} files pass the structural checks; 4 broken copies fail them"

# ---- the validators from npm ----------------------------------------------------
command -v npm >/dev/null && command -v node >/dev/null || skip "npm or node is not installed (make deps: nodejs npm): the GitHub workflows were not validated"
npm_dir=$VLAB_REPO/build/npm
validator=$npm_dir/node_modules/.bin/action-validator
bundle=$npm_dir/node_modules/gitlab-ci-local/dist/index.js
have_version() { # PACKAGE VERSION
	[ "$(node -p "require('$npm_dir/node_modules/$1/package.json').version" 2>/dev/null)" = "$2" ]
}
if ! have_version @action-validator/cli 0.6.0 || ! have_version gitlab-ci-local 4.75.1; then
	timeout 300 npm install --prefix "$npm_dir" --no-audit --no-fund --no-save "$ACTION_VALIDATOR" "$GITLAB_CI_LOCAL" \
		>npm.log 2>&1 || skip "npm install $ACTION_VALIDATOR $GITLAB_CI_LOCAL failed (is the npm registry reachable?): $(tail -n 3 npm.log | tr '\n' ' ')"
fi
[ -x "$validator" ] || die "npm installed no $validator"

for f in "${gh_files[@]}"; do
	"$validator" "$f" >err.txt 2>&1 || die "action-validator refuses $f: $(head -c 3000 err.txt)"
done
# it is really checking: a key misspelt, a value outside its enum, a step
# whose action key is misspelt
f=ta-gh-3/.github/workflows/vlab-class.yml
sed 's/^    runs-on: ubuntu-24.04$/    runs_on: ubuntu-24.04/' "$f" >broken-runs-on.yml
sed 's/^  contents: read$/  contents: readonly/' "$f" >broken-permissions.yml
sed 's/^        uses: actions\/upload-artifact@v4$/        usess: actions\/upload-artifact@v4/' "$f" >broken-uses.yml
for b in runs-on permissions uses; do
	! cmp -s "$f" "broken-$b.yml" || die "the attack on $b changed nothing (the template moved?)"
	"$validator" "broken-$b.yml" >err.txt 2>&1 && die "action-validator passed a workflow with a broken $b"
	grep -q '"errors"' err.txt || die "action-validator failed on broken $b without naming errors: $(head -c 500 err.txt)"
done
note "GitHub: ${#gh_files[@]} workflows pass action-validator 0.6.0; 3 broken copies fail it"

node "$ci/gitlab_schema_from_bundle.js" "$bundle" >gitlab-ci.schema.json || die "no GitLab CI schema out of $bundle"
for f in "${gl_files[@]}"; do
	"$py" "$ci/gitlab_ci_check.py" "$f" gitlab-ci.schema.json >err.txt || die "$f fails GitLab's CI schema: $(cat err.txt)"
done
sed 's/^  timeout: 3h$/  timeout: 3h\n  retry_on: always/' ta-gl-3/.gitlab-ci.yml >broken-key.yml
for b in broken-key broken-parallel broken-script; do
	"$py" - "$b.yml" gitlab-ci.schema.json <<'PY' || die "GitLab's schema passed $b.yml"
import json, sys, yaml, jsonschema
errors = list(jsonschema.Draft7Validator(json.load(open(sys.argv[2]))).iter_errors(yaml.safe_load(open(sys.argv[1]))))
sys.exit(0 if errors else 1)
PY
done
note "GitLab: ${#gl_files[@]} files pass GitLab's CI schema (gitlab-ci-local 4.75.1's copy); 3 broken copies fail it"
