"""Writes or checks each service's OpenAPI document, generated from its code.

python -m tests.tools.openapi write|check
"""

from __future__ import annotations

import json
import sys
import tempfile

from dagkit.web import close_context, openapi_document
from tests.tools.services import SERVICES, ServiceInfo


def render(service: ServiceInfo) -> str:
    with tempfile.TemporaryDirectory() as data_dir:
        app = service.create_app({"DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"})
        document = openapi_document(app.extensions["dagkit.api"])
        close_context(app)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    drifted = []
    for service in SERVICES:
        text = render(service)
        if mode == "write":
            service.openapi_path.write_text(text)
        elif not service.openapi_path.exists() or service.openapi_path.read_text() != text:
            drifted.append(str(service.openapi_path))
    if drifted:
        print("OpenAPI documents out of date (run make openapi):", *drifted, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
