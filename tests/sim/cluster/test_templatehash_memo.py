"""pod_template_hash remembers hashes by the template's content, never by the dict."""

from canarysim.sim.cluster.templatehash import (
    POD_TEMPLATE_HASH_LABEL,
    canonical_json,
    fnv1a_32,
    pod_template_hash,
    safe_encode,
    strip_hash_label,
)


def _fresh(template, collision_count=None):
    h = fnv1a_32(canonical_json(strip_hash_label(template)))
    if collision_count is not None:
        h = fnv1a_32(int(collision_count).to_bytes(4, "little", signed=False), h)
    return safe_encode(str(h))


def test_a_template_edited_in_place_gets_its_new_hash():
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "x:1"}]}}
    first = pod_template_hash(template)
    assert pod_template_hash(template) == first == _fresh(template)
    template["spec"]["containers"][0]["image"] = "x:2"
    assert pod_template_hash(template) == _fresh(template) != first
    template["spec"]["containers"][0]["image"] = "x:1"
    assert pod_template_hash(template) == first
    assert pod_template_hash(template, 3) == _fresh(template, 3) != first


def test_the_hash_label_is_still_ignored():
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {}}
    labelled = {"metadata": {"labels": {"app": "a", POD_TEMPLATE_HASH_LABEL: "abc"}}, "spec": {}}
    assert pod_template_hash(labelled) == pod_template_hash(template) == _fresh(labelled)
    assert pod_template_hash({"metadata": {"labels": {POD_TEMPLATE_HASH_LABEL: "abc"}}}) == (
        pod_template_hash({})
    )
