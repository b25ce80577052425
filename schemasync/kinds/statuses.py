"""Lead statuses, pipelines and opportunity statuses (Close: /status/lead/, /pipeline/,
/status/opportunity/). Their order is set through their owner: the organization's
`lead_statuses` list and each pipeline's `statuses` list, always complete."""

from __future__ import annotations

from schemasync.kinds.base import TEXT, Attr, Choice, Kind, Mut

LEAD_STATUS_COLORS = ("blue", "gray", "green", "magenta", "orange", "purple", "teal", "yellow")

LEAD_STATUS = Kind(
    name="lead_status",
    noun="lead status",
    attrs=(
        Attr("label", TEXT, required=True, live_strict=True),
        Attr("color", Choice(LEAD_STATUS_COLORS, nullable=True)),
    ),
    body_order=("label", "color"),
    collection="/status/lead/",
    list_path="/status/lead/",
    rank=6,
    section="statuses",
    identity="label",
    parent="standard_object",
    parent_instance="lead",
    write_stage=70,
    update_stage=72,
    delete_stage=96,
    order_noun="status order",
    delete_reason="deleting the lead status takes it off the leads that have it (Close refuses "
    "while any lead does)",
    refused_delete="Close refuses to delete a status that leads still have: give those leads "
    "another status in Close",
    address_of=lambda key: "status:" + key[-1],
)

PIPELINE = Kind(
    name="pipeline",
    noun="pipeline",
    attrs=(Attr("name", TEXT, required=True, live_strict=True),),
    body_order=("name",),
    collection="/pipeline/",
    list_path="/pipeline/",
    rank=6,
    section="pipelines",
    parent="standard_object",
    parent_instance="opportunity",
    write_stage=70,
    update_stage=72,
    delete_stage=98,
    order_path="/pipeline/{id}/",
    order_noun="status order",
    ordered=("opportunity_status",),
    delete_reason="deleting the pipeline removes it from the org (Close refuses while it has "
    "statuses)",
    address_of=lambda key: "pipeline:" + key[-1],
)

OPPORTUNITY_STATUS = Kind(
    name="opportunity_status",
    noun="opportunity status",
    attrs=(
        Attr("label", TEXT, required=True, live_strict=True),
        # Close documents only a rename on PUT; moving is a pipeline PUT; a type change is a
        # replace (docs/close-api-facts.md §6).
        Attr("type", Choice(("active", "won", "lost")), required=True, mut=Mut.REPLACE),
    ),
    body_order=("label", "type"),
    collection="/status/opportunity/",
    list_path="/status/opportunity/",
    rank=7,
    section="statuses",
    identity="label",
    parent="pipeline",
    parent_key="pipeline_id",
    write_stage=71,
    update_stage=72,
    delete_stage=97,
    values_on="the opportunities that have it",
    delete_reason="deleting the opportunity status takes it off the opportunities that have "
    "it (Close refuses while any opportunity does)",
    refused_delete="Close refuses to delete a status that opportunities still have: give "
    "those opportunities another status in Close",
    address_of=lambda key: f"pipeline:{key[-2]}.{key[-1]}",
)
