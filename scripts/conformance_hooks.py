"""schemathesis hooks for scripts/conformance.sh (issue #17).

One check of our own: every refusal's `error.code` must be one the document gives for that
status of that operation, written as `` `code` `` in the response's description. A request
refused for a reason the document does not state fails the run, whatever the status.

With CONFORMANCE_RECORD=<file>, every (operation, status, code) seen is also appended to that
file as a JSON line: what `crates/web/src/api/doc.rs` must list when a new refusal appears.
"""

import json
import os

import schemathesis

RECORD = os.environ.get("CONFORMANCE_RECORD")


@schemathesis.check
def error_code_is_documented(ctx, response, case):
    # 405 answers a method the operation does not have (schemathesis' own check judges it).
    if response.status_code < 400 or response.status_code == 405:
        return None
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None  # not our error shape: the schema checks judge it
    raw = case.operation.definition.raw
    operation_id = raw.get("operationId", case.operation.label)
    documented = (raw.get("responses") or {}).get(str(response.status_code)) or {}
    description = documented.get("description", "")
    if RECORD:
        with open(RECORD, "a", encoding="utf-8") as out:
            out.write(json.dumps({"operation": operation_id, "status": response.status_code, "code": code}) + "\n")
    if f"`{code}`" not in description:
        raise AssertionError(
            f"{operation_id}: {response.status_code} `{code}` is not among the codes the document gives "
            f"for this status ({description!r})"
        )
    return None
