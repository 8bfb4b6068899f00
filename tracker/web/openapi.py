"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad request",
        401: "Missing or invalid token",
        404: "Not found",
        409: "Conflict with the current state",
        413: "Body too large",
        422: "Invalid input: the message says what to fix",
    }
    return {str(code): _json(_ref("Error"), text[code]) for code in codes}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_STAFF: list[dict[str, list[str]]] = [{"bearer": []}]
_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_STATUSES = [
    "new",
    "acknowledged",
    "investigating",
    "root_cause_found",
    "fixing",
    "fixed",
    "wont_fix",
    "merged",
]
_TEXT = {"type": "string"}
# Required text must hold something besides spaces: blank fields are refused with 422.
_FILLED = {"type": "string", "minLength": 1, "pattern": "\\S"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": _TEXT,
            "fields": {"type": "object", "additionalProperties": _TEXT},
        },
    },
    "NewComplaint": {
        "type": "object",
        "required": ["title", "body", "email"],
        "properties": {
            "title": {**_FILLED, "maxLength": 200},
            "body": {**_FILLED, "maxLength": 20000, "description": "What happened."},
            "email": {"type": "string", "format": "email", "description": "Kept private."},
            "public_name": {"type": "string", "maxLength": 80},
            "credit_consent": {
                "type": "boolean",
                "description": "Credit public_name as the catalyst.",
            },
            "category": {"type": "string", "description": "A category slug."},
            "severity": {"enum": ["rant", "minor", "major"], "description": "How bad it is."},
        },
    },
    "ComplaintReceipt": {
        "type": "object",
        "required": ["id", "state", "tracking_url"],
        "properties": {"id": {"type": "integer"}, "state": _TEXT, "tracking_url": _TEXT},
    },
    "Complaint": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": _TEXT,
            "body": _TEXT,
            "email": _TEXT,
            "public_name": _TEXT,
            "credit_consent": {"type": "boolean"},
            "channel": _TEXT,
            "state": {"enum": ["new", "linked", "dismissed"]},
            "category": _NULLABLE_TEXT,
            "issue": {"type": ["integer", "null"]},
            "created_at": _TIME,
        },
    },
    "Issue": {
        "type": "object",
        "required": ["number", "slug", "title", "status", "url"],
        "properties": {
            "number": {"type": "integer"},
            "slug": _TEXT,
            "title": _TEXT,
            "summary": _TEXT,
            "status": {"enum": _STATUSES},
            "closed": {"type": "boolean"},
            "root_cause": _TEXT,
            "fix": _TEXT,
            "wont_fix_reason": _TEXT,
            "category": _NULLABLE_TEXT,
            "reporters": {"type": "integer"},
            "merged_into": {"type": ["integer", "null"]},
            "url": _TEXT,
            "created_at": _TIME,
            "updated_at": _TIME,
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "IssueDetail": {
        "allOf": [
            _ref("Issue"),
            {
                "type": "object",
                "properties": {
                    "catalyst": _NULLABLE_TEXT,
                    "updates": {"type": "array", "items": _ref("Update")},
                },
            },
        ]
    },
    "IssuePage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("Issue")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    },
    "Update": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "body": _TEXT,
            "internal": {"type": "boolean"},
            "status_from": {"type": ["string", "null"]},
            "status_to": {"type": ["string", "null"]},
            "root_cause": _TEXT,
            "fix": _TEXT,
            "created_at": _TIME,
        },
    },
    "NewUpdate": {
        "type": "object",
        "properties": {
            "body": {"type": "string", "description": "Markdown."},
            "status": {"enum": [s for s in _STATUSES if s != "merged"]},
            "root_cause": _TEXT,
            "fix": _TEXT,
            "wont_fix_reason": _TEXT,
            "internal": {"type": "boolean", "description": "A staff-only note."},
        },
    },
    "NewIssue": {
        "type": "object",
        "required": ["complaint_id", "title", "summary"],
        "properties": {
            "complaint_id": {"type": "integer"},
            "title": {**_FILLED, "maxLength": 200, "description": "Public title."},
            "summary": {**_FILLED, "description": "Public summary, markdown."},
            "category": _TEXT,
        },
    },
    "NewSubscription": {
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "mode": {"enum": ["every", "close"], "description": "Every update, or only the close."},
            "affected": {"type": "boolean", "description": "Me too: count me as affected."},
        },
    },
    "Link": {"type": "object", "required": ["issue"], "properties": {"issue": {"type": "integer"}}},
}


def _null_means_absent(schema: dict[str, Any]) -> None:
    """Optional request fields accept null, which the API reads as "not given"."""
    for name, field in schema["properties"].items():
        if name in schema.get("required", []):
            continue
        if "enum" in field:
            field["enum"] = [*field["enum"], None]
        elif isinstance(field.get("type"), str):
            field["type"] = [field["type"], "null"]


for _name in ("NewComplaint", "NewUpdate", "NewIssue", "NewSubscription"):
    _null_means_absent(SCHEMAS[_name])


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Catalyst API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "paths": {
        "/complaints": {
            "post": {
                "summary": "File a complaint; the complainant is emailed a private tracking link.",
                "requestBody": _body(_ref("NewComplaint")),
                "responses": {
                    "201": _json(_ref("ComplaintReceipt"), "Filed"),
                    **_errors(400, 413, 422),
                },
            },
            "get": {
                "summary": "List complaints in a triage state (staff).",
                "security": _STAFF,
                "parameters": [
                    {
                        "name": "state",
                        "in": "query",
                        "schema": {"enum": ["new", "linked", "dismissed"]},
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Complaint")}},
                        },
                        "Complaints",
                    ),
                    **_errors(401, 422),
                },
            },
        },
        "/complaints/{id}/link": {
            "post": {
                "summary": "Link a complaint to an existing issue (staff).",
                "security": _STAFF,
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "requestBody": _body(_ref("Link")),
                "responses": {
                    "200": _json(_ref("Issue"), "Linked"),
                    **_errors(400, 401, 404, 409, 422),
                },
            }
        },
        "/complaints/{id}/unlink": {
            "post": {
                "summary": "Take a complaint off its issue, back to the inbox (staff).",
                "security": _STAFF,
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "responses": {
                    "200": _json(_ref("Complaint"), "Unlinked"),
                    **_errors(401, 404, 409),
                },
            }
        },
        "/issues": {
            "get": {
                "summary": "List public issues, open first.",
                "parameters": [
                    {"name": "q", "in": "query", "schema": _TEXT},
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
                    },
                    {"name": "category", "in": "query", "schema": _TEXT},
                    {
                        "name": "state",
                        "in": "query",
                        "schema": {"enum": ["open", "closed", "all"]},
                    },
                ],
                "responses": {"200": _json(_ref("IssuePage"), "A page of issues"), **_errors(422)},
            },
            "post": {
                "summary": "Publish a complaint as a new public issue (staff).",
                "security": _STAFF,
                "requestBody": _body(_ref("NewIssue")),
                "responses": {
                    "201": {
                        **_json(_ref("Issue"), "Published"),
                        "headers": {
                            "Location": {
                                "description": "The new issue in this API",
                                "schema": _TEXT,
                            }
                        },
                        "links": {
                            name: {
                                "operationRef": f"#/paths/~1issues~1{{number}}{suffix}",
                                "parameters": {"number": "$response.body#/number"},
                            }
                            for name, suffix in [
                                ("GetIssue", "/get"),
                                ("PostUpdate", "~1updates/post"),
                                ("Follow", "~1subscriptions/post"),
                                ("Merge", "~1merge/post"),
                                ("Unmerge", "~1unmerge/post"),
                            ]
                        },
                    },
                    **_errors(400, 401, 404, 409, 422),
                },
            },
        },
        "/issues/similar": {
            "get": {
                "summary": "The issues most like a text, best first (open or closed, not merged).",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 2000},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 20},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Issue")}},
                        },
                        "Similar issues",
                    ),
                    **_errors(422),
                },
            }
        },
        "/issues/{number}": {
            "get": {
                "summary": "One public issue with its public timeline.",
                "parameters": [_NUMBER],
                "responses": {"200": _json(_ref("IssueDetail"), "The issue"), **_errors(404)},
            }
        },
        "/issues/{number}/subscriptions": {
            "post": {
                "summary": "Follow an issue by email; a confirmation link is sent first.",
                "parameters": [_NUMBER],
                "requestBody": _body(_ref("NewSubscription")),
                "responses": {
                    "202": _json(
                        {"type": "object", "properties": {"status": _TEXT, "message": _TEXT}},
                        "Confirmation email queued",
                    ),
                    **_errors(400, 404, 413, 422),
                },
            }
        },
        "/issues/{number}/merge": {
            "post": {
                "summary": "Merge this issue into another with the same root cause (staff).",
                "security": _STAFF,
                "parameters": [_NUMBER],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["into"],
                        "properties": {"into": {"type": "integer"}},
                    }
                ),
                "responses": {
                    "200": _json(_ref("Issue"), "The surviving issue"),
                    **_errors(400, 401, 404, 409, 422),
                },
            }
        },
        "/issues/{number}/unmerge": {
            "post": {
                "summary": "Split a merged issue out again, with all it had (staff).",
                "security": _STAFF,
                "parameters": [_NUMBER],
                "responses": {
                    "200": _json(_ref("Issue"), "The restored issue"),
                    **_errors(401, 404, 409),
                },
            }
        },
        "/issues/{number}/updates": {
            "post": {
                "summary": "Post an update; may change status, root cause or fix (staff).",
                "security": _STAFF,
                "parameters": [_NUMBER],
                "requestBody": _body(_ref("NewUpdate")),
                "responses": {
                    "201": _json(_ref("Update"), "Posted"),
                    **_errors(400, 401, 404, 409, 422),
                },
            }
        },
    },
}
