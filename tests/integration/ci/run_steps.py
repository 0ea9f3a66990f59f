"""Writes each shell step of a workflow to DIR/step-N.sh, so bash -n can
read it: GitHub's steps[].run and GitLab's before_script/script/after_script
(a job's lines are one shell script there, as the runner joins them).
run_steps.py github|gitlab FILE DIR; prints how many it wrote."""
import os
import sys

import yaml

kind, path, out = sys.argv[1:4]
with open(path) as f:
    doc = yaml.safe_load(f)
scripts = []
if kind == "github":
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            if "run" in step:
                scripts.append(step["run"])
else:
    for name, job in doc.items():
        if isinstance(job, dict):
            lines = []
            for key in ("before_script", "script", "after_script"):
                v = job.get(key) or []
                lines += [v] if isinstance(v, str) else v
            if lines:
                scripts.append("\n".join(lines) + "\n")
for i, s in enumerate(scripts):
    with open(os.path.join(out, f"step-{i}.sh"), "w") as f:
        f.write(s)
print(len(scripts))
