"""Checks a .gitlab-ci.yml as GitLab reads it, independently of vlab.

gitlab_ci_check.py FILE [SCHEMA.json]

1. It parses as YAML (GitLab's own parser is Ruby's Psych; PyYAML reads
   the same YAML 1.1 for what these files use).
2. The rules GitLab applies to jobs (https://docs.gitlab.com/ee/ci/yaml/):
   every job (a top-level key that is not a global keyword and does not
   start with '.') has script (or trigger, or extends a hidden job that has
   it); its stage is one of stages; parallel is an integer from 1 to 200;
   every needs names a job of the file; artifacts:reports:junit is a path
   or a list of paths.
3. With SCHEMA, the file validates against GitLab's JSON schema for CI
   files (draft-07), with python3-jsonschema.

Prints each problem on a line and exits 1 when there is one.
"""
import sys

import yaml

GLOBAL_KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                   "before_script", "after_script", "spec"}


def resolved(jobs, name, key, seen=()):
    """key of job name, following extends: (a string or a list)."""
    job = jobs.get(name) or {}
    if key in job:
        return job[key]
    ext = job.get("extends")
    for parent in ([ext] if isinstance(ext, str) else ext or []):
        if parent not in seen:
            v = resolved(jobs, parent, key, seen + (name,))
            if v is not None:
                return v
    return None


def structural(doc):
    problems = []
    if not isinstance(doc, dict):
        return ["the file is not a mapping"]
    stages = doc.get("stages", ["build", "test", "deploy"])
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        problems.append("stages is not a list of names")
        stages = []
    stages = [".pre"] + stages + [".post"]
    jobs = {k: v for k, v in doc.items() if k not in GLOBAL_KEYWORDS}
    real = [k for k in jobs if not k.startswith(".")]
    if not real:
        problems.append("no job")
    for name in real:
        job = jobs[name]
        if not isinstance(job, dict):
            problems.append(f"job {name} is not a mapping")
            continue
        if resolved(jobs, name, "script") is None and resolved(jobs, name, "trigger") is None:
            problems.append(f"job {name} has no script (nor trigger)")
        stage = resolved(jobs, name, "stage") or "test"
        if stage not in stages:
            problems.append(f"job {name}: stage '{stage}' is not in stages {stages[1:-1]}")
        par = job.get("parallel")
        if par is not None and not isinstance(par, dict):
            if not isinstance(par, int) or isinstance(par, bool) or not 1 <= par <= 200:
                problems.append(f"job {name}: parallel must be an integer from 1 to 200, not {par!r}")
        for need in job.get("needs", []) or []:
            target = need.get("job") if isinstance(need, dict) else need
            if target not in real:
                problems.append(f"job {name}: needs '{target}', which is no job of this file")
        junit = ((job.get("artifacts") or {}).get("reports") or {}).get("junit")
        if junit is not None:
            paths = junit if isinstance(junit, list) else [junit]
            if not paths or not all(isinstance(p, str) and p for p in paths):
                problems.append(f"job {name}: artifacts:reports:junit is not a path or a list of paths")
    return problems


def against_schema(doc, schema_path):
    import json

    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    return [f"schema: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def main():
    with open(sys.argv[1]) as f:
        try:
            doc = yaml.safe_load(f)
        except yaml.YAMLError as e:
            print(f"not YAML: {e}")
            return 1
    problems = structural(doc)
    if len(sys.argv) > 2:
        problems += against_schema(doc, sys.argv[2])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
