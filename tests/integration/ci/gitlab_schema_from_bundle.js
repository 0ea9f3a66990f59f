// GitLab's CI schema (gitlab-org/gitlab app/assets/javascripts/editor/schema/ci.json)
// as gitlab-ci-local bundles it to validate .gitlab-ci.yml files, written out
// as JSON: the object literal that starts with the schema's $id, cut out of
// the bundle by matching brackets outside string literals, then evaluated.
// Usage: node gitlab_schema_from_bundle.js BUNDLE.js > schema.json
'use strict';
const fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8');
const head = '{$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"';
const start = src.indexOf(head);
if (start < 0) {
  console.error('no GitLab CI schema in ' + process.argv[2] + ' (another gitlab-ci-local layout?)');
  process.exit(1);
}
let depth = 0, quote = null, end = -1;
for (let i = start; i < src.length && end < 0; i++) {
  const c = src[i];
  if (quote) {
    if (c === '\\') i++;
    else if (c === quote) quote = null;
  } else if (c === '"' || c === "'" || c === '`') {
    quote = c;
  } else if (c === '{' || c === '[') {
    depth++;
  } else if ((c === '}' || c === ']') && --depth === 0) {
    end = i + 1;
  }
}
if (end < 0) {
  console.error('the schema literal does not end');
  process.exit(1);
}
const schema = new Function('return (' + src.slice(start, end) + ');')();
if (!schema.definitions || !schema.definitions.parallel || !schema.definitions.job_template) {
  console.error('the object found is not the GitLab CI schema');
  process.exit(1);
}
process.stdout.write(JSON.stringify(schema, null, 1) + '\n');
