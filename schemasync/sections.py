"""The sections of a manifest, in the order a whole-schema manifest (and `export`) lists them.

Its own tiny module: the command line names them in `export --section` without importing the
planner.
"""

SECTIONS: tuple[str, ...] = (
    "shared_fields",
    "custom_object_types",
    "custom_activity_types",
    "lead.fields",
    "contact.fields",
    "opportunity.fields",
    "lead.statuses",
    "opportunity.pipelines",
)
