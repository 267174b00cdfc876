"""Reading the official pages' examples (mockserver/fixtures/extract_docs.py)."""

from __future__ import annotations

from mockserver.fixtures.extract_docs import page_sequence

PAGE = '''# Page

## Create the base connection

```http
POST /connections
```

```shell
curl -X POST 'https://platform.adobe.io/data/foundation/flowservice/connections' \\
-H 'x-api-key: {API_KEY}' \\
-d '{"name": "Base", "connectionSpec": {"id": "{CONNECTION_SPEC_ID}", "version": "1.0"},}'
```

| `connectionSpec.id` | use `8a9c3494-9708-43d7-ae3f-cda01e5030e1` |

**Response**

```json
{"id": "1ed86558-59b5-42f7-9865-5859b552f7f4", "etag": "1ed86558-59b5-42f7-9865-5859b552f7f4"}
```

## Validate

```http
GET /connections
```

```shell {line-numbers="true"}
curl --request PATCH 'https://platform.adobe.io/data/foundation/flowservice/connections/<FROM_STEP_CREATE_BASE_CONNECTION>' \\
--header 'If-Match: "{ETAG}"'
```

<!--
```shell
curl -X DELETE 'https://platform.adobe.io/data/foundation/flowservice/connections/x'
```
-->
'''


def test_examples_are_read_with_each_repair_named(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    create, validate = page_sequence(page)
    assert create.line == 9 and create.section  # the line of the code fence == "Create the base connection"
    assert create.request["method"] == "POST" and create.request["path"] == "/data/foundation/flowservice/connections"
    assert create.request["body"]["connectionSpec"]["id"] == "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
    assert create.response["status"] == 201
    assert create.response["body"]["etag"] == '"1ed86558-59b5-42f7-9865-5859b552f7f4-etag"'
    assert any("trailing commas" in r for r in create.repairs)
    assert any("the id the page's table names" in r for r in create.repairs)
    assert any("etag equals the id" in r for r in create.repairs)
    assert validate.request["method"] == "GET"  # the API format says GET; the curl says PATCH
    assert validate.request["path"].endswith("/connections/1ed86558-59b5-42f7-9865-5859b552f7f4")
    assert validate.request["headers"]["If-Match"] == '"1ed86558-59b5-42f7-9865-5859b552f7f4-etag"'
    assert validate.response.get("unshown") is True
